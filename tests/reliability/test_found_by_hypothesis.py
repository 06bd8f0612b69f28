"""Server errors found by tests/reliability/test_hostile_input.py, each as a plain test."""

import pytest
from django.urls import reverse

from interventions import services
from procedures.models import ProcedureRun
from tests.factories import ClientFactory
from tests.interventions.tablet_helpers import assigned_job
from tests.procedures.conftest import build_printer_tree


@pytest.mark.parametrize("value", [" ", "A" * 300, "²", "1 2"])
@pytest.mark.parametrize(
    "route", ["interventions-intake-client", "interventions-intake-entitlement"]
)
def test_intake_with_a_client_id_that_is_no_number_is_not_found(client, dispatcher, route, value):
    ClientFactory()
    client.force_login(dispatcher)
    assert client.get(reverse(route), {"client": value}).status_code == 404


def test_site_creation_for_a_client_id_that_is_no_number_is_not_found(client, dispatcher):
    client.force_login(dispatcher)
    response = client.post(
        reverse("interventions-intake-site-create"), {"client": " ", "ns-label": "Atelier"}
    )
    assert response.status_code == 404


def test_part_search_with_a_nul_character_finds_nothing(client, technician):
    job = assigned_job(technician)
    client.force_login(technician)
    response = client.get(
        reverse("interventions-work-part-search", args=[job.pk]), {"q": "ab\x00c"}
    )
    assert response.status_code == 200


def test_autosave_with_a_nul_character_is_refused_and_nothing_saved(client, technician):
    job = assigned_job(technician)
    services.report_update(intervention=job, work_done="Avant", actor=technician)
    client.force_login(technician)
    response = client.post(
        reverse("interventions-work-report", args=[job.pk]), {"work_done": "Après\x00"}
    )
    assert response.status_code == 400
    assert response.json()["saved"] is False
    assert response.json()["error"]
    job.refresh_from_db()
    assert job.work_done == "Avant"


@pytest.mark.parametrize("value", [" ", "A" * 300, "²"])
def test_diagnostic_start_and_answer_with_ids_that_are_no_number(client, technician, value):
    job = assigned_job(technician)
    tree = build_printer_tree()
    client.force_login(technician)
    response = client.post(
        reverse("procedures-diagnostic-start", args=[job.pk]), {"procedure": value}
    )
    assert response.status_code < 500
    assert not ProcedureRun.objects.filter(intervention=job).exists()
    client.post(reverse("procedures-diagnostic-start", args=[job.pk]), {"procedure": tree.pk})
    run = ProcedureRun.objects.get(intervention=job)
    response = client.post(
        reverse("procedures-diagnostic-answer", args=[run.pk]), {"answer": value}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "next_url", ["2026-02-30T10:00", "abc", "abc\x00def", "/x\r\nSet-Cookie: a=b", "a:b"]
)
def test_language_menu_with_a_next_that_is_no_url_goes_home(client, technician, next_url):
    client.force_login(technician)
    response = client.post(reverse("set_language"), {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert response.url == reverse("home")


@pytest.mark.parametrize("next_url", ["abc", "a:b", "/x\r\nSet-Cookie: a=b"])
def test_handover_with_a_next_that_is_no_url_goes_to_the_intervention(
    client, dispatcher, technician, other_technician, next_url
):
    job = assigned_job(technician, dispatcher)
    client.force_login(dispatcher)
    response = client.post(
        reverse("interventions-handover", args=[job.pk]),
        {
            "to_technician": other_technician.pk,
            "note": "Congés",
            "next": next_url,
            "version": job.assignment_version,
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("interventions-detail", args=[job.pk])


@pytest.mark.parametrize("value", ["9" * 4301, "²"])
def test_intake_with_a_contract_choice_that_is_no_id_is_refused_on_the_form(
    client, dispatcher, value
):
    customer = ClientFactory()
    client.force_login(dispatcher)
    response = client.post(
        reverse("interventions-intake"),
        {
            "client": customer.pk,
            "object": "Panne",
            "channel": "phone",
            "priority": "2",
            "contract": value,
        },
    )
    assert response.status_code == 200
    assert (
        "Ce contrat n’existe plus" in response.content.decode() or response.context["form"].errors
    )
    assert not customer.interventions.exists()


def test_procedure_library_search_with_a_nul_character(client, technician):
    build_printer_tree()
    client.force_login(technician)
    assert client.get(reverse("procedures-list"), {"q": "imprimante\x00"}).status_code == 200


def test_procedure_version_that_is_no_number_shows_the_published_one(client, manager):
    tree = build_printer_tree(manager)
    client.force_login(manager)
    response = client.get(reverse("procedures-detail", args=[tree.pk]), {"version": "²"})
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["²", "9" * 4301])
def test_billing_rates_of_a_contract_id_that_is_no_number(client, manager, value):
    client.force_login(manager)
    response = client.post(
        reverse("interventions-billing-rates"),
        {"contract-contract": value, "contract-hourly_rate": "50"},
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"client": "9" * 4301},  # an id too long for int()
        {"client_search": "\x00"},
        {"contract_search": "CTR\x00"},
    ],
)
def test_billing_list_with_a_hostile_picker_value_is_no_server_error(client, manager, params):
    client.force_login(manager)
    response = client.get(reverse("interventions-billing"), params)
    assert response.status_code == 200


def test_contract_picker_with_a_nul_character_finds_nothing(client, manager):
    client.force_login(manager)
    response = client.get(reverse("interventions-pick-contract"), {"q": "CTR\x00"})
    assert response.status_code == 200


@pytest.mark.django_db
def test_login_with_a_username_longer_than_axes_column_is_refused_not_a_500(client):
    """django-axes records each failure with the username as typed, in a 255-character column."""
    response = client.post(reverse("login"), {"username": "A" * 300, "password": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.mark.parametrize("route", ["interventions-billing", "interventions-pick-client"])
@pytest.mark.parametrize("name", ["client_search", "contract_search", "q"])
def test_picker_text_of_thousands_of_words_is_no_server_error(client, manager, route, name):
    """Each word is one SQL condition: SQLite refused 20,000 of them (a 503)."""
    client.force_login(manager)
    response = client.get(reverse(route), {name: "<b>" * 20_000, "field": name})
    assert response.status_code == 200


def test_verification_of_a_number_with_a_nul_character_is_not_found(client, db):
    assert client.get(reverse("reports-verify", args=["2026\x0000001"])).status_code == 404
