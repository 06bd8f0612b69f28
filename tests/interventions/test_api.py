"""The REST API (interventions/api/): same roles, querysets, forms and services as the pages.

Expected values are written out (French messages as the pages say them, bytes of the stored
file, rows of the billing export)."""

import datetime
import hashlib

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from clients.models import Client as Customer
from clients.models import Site
from interventions import services
from interventions.billing import billable_queryset, billing_lines, export_rows
from interventions.models import Intervention, InterventionEvent, SignedReport, Status
from tests.factories import ClientFactory, ContractFactory, EquipmentFactory, make_intervention
from tests.interventions.tablet_helpers import assigned_job, finished_job, signed_job

pytestmark = pytest.mark.django_db


def api(user=None, language=None) -> APIClient:
    """A client authenticated by `user`'s token (as a script would), in `language` if given."""
    client = APIClient()
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    if language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


# --- authentication -------------------------------------------------------------------------


def test_without_a_token_the_api_answers_401_in_french():
    response = api().get("/api/v1/interventions/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Informations d'authentification non fournies."}
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_refused():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get("/api/v1/interventions/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Token non valide."}


def test_accept_language_english_gives_english_errors():
    response = api(language="en").get("/api/v1/interventions/")
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert response["Content-Language"] == "en"


def test_the_session_works_too(client, dispatcher):
    client.force_login(dispatcher)
    assert client.get("/api/v1/interventions/", HTTP_ACCEPT="application/json").status_code == 200


def test_token_page_creates_then_regenerates_the_token(client, technician):
    client.force_login(technician)
    page = client.get("/accounts/api-token/")
    assert page.status_code == 200
    assert "Vous n’avez pas encore de jeton." in page.content.decode()
    client.post("/accounts/api-token/")
    first = Token.objects.get(user=technician).key
    assert first in client.get("/accounts/api-token/").content.decode()
    client.post("/accounts/api-token/")
    second = Token.objects.get(user=technician).key
    assert second != first
    stale = APIClient()
    stale.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert stale.get("/api/v1/interventions/").status_code == 401


def test_token_page_needs_a_login(client):
    response = client.get("/accounts/api-token/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- permissions: the pages' roles and querysets ------------------------------------------


def test_technician_lists_and_reads_only_their_jobs(technician, other_technician):
    mine = assigned_job(technician)
    theirs = assigned_job(other_technician)
    make_intervention()  # unassigned
    listed = api(technician).get("/api/v1/interventions/").json()
    assert listed["count"] == 1
    assert [row["number"] for row in listed["results"]] == [mine.number]
    assert api(technician).get(f"/api/v1/interventions/{mine.pk}/").status_code == 200
    response = api(technician).get(f"/api/v1/interventions/{theirs.pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Non trouvé."}


def test_dispatcher_lists_every_job(dispatcher, technician, other_technician):
    jobs = [assigned_job(technician), assigned_job(other_technician), make_intervention()]
    listed = api(dispatcher).get("/api/v1/interventions/").json()
    assert sorted(row["number"] for row in listed["results"]) == sorted(j.number for j in jobs)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/interventions/",
        "/api/v1/clients/",
        "/api/v1/sites/",
        "/api/v1/contracts/",
        "/api/v1/equipment/",
        "/api/v1/billing/rows/",
    ],
)
def test_a_user_without_a_role_gets_403(nobody, url):
    response = api(nobody).get(url)
    assert response.status_code == 403
    assert response.json() == {"detail": "Vous n'avez pas la permission d'effectuer cette action."}


@pytest.mark.parametrize("url", ["/api/v1/clients/", "/api/v1/equipment/"])
def test_reference_lists_are_the_office_s_as_on_the_intake_pages(technician, dispatcher, url):
    ClientFactory()
    assert api(technician).get(url).status_code == 403
    assert api(dispatcher).get(url).status_code == 200


def test_technician_cannot_take_a_call(technician):
    customer = ClientFactory()
    response = api(technician).post(
        "/api/v1/interventions/", {"client": customer.pk, "object": "Panne"}, format="json"
    )
    assert response.status_code == 403
    assert not Intervention.objects.exists()


def test_billing_rows_are_the_manager_s(dispatcher, technician, manager):
    assert api(dispatcher).get("/api/v1/billing/rows/").status_code == 403
    assert api(technician).get("/api/v1/billing/rows/").status_code == 403
    assert api(manager).get("/api/v1/billing/rows/").status_code == 200


# --- reference data -------------------------------------------------------------------------


def test_lists_filter_and_paginate(dispatcher):
    lyon = [ClientFactory(city="Lyon") for _ in range(3)]
    ClientFactory(city="Paris")
    body = api(dispatcher).get("/api/v1/clients/", {"city": "lyon", "page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"].endswith("page=2&page_size=2")
    assert {row["id"] for row in body["results"]} <= {c.pk for c in lyon}


def test_a_wrong_filter_value_is_a_400_in_french(dispatcher):
    response = api(dispatcher).get("/api/v1/contracts/", {"active_on": "hier"})
    assert response.status_code == 400
    assert response.json() == {"active_on": ["Saisissez une date valide."]}


def test_dispatcher_creates_a_client_and_a_site(dispatcher):
    response = api(dispatcher).post(
        "/api/v1/clients/", {"name": " Garage Martin ", "city": "Lyon"}, format="json"
    )
    assert response.status_code == 201
    customer = Customer.objects.get(pk=response.json()["id"])
    assert (customer.name, customer.city) == ("Garage Martin", "Lyon")
    assert customer.number.startswith("CLI-")
    response = api(dispatcher).post(
        "/api/v1/sites/", {"client": customer.pk, "label": "Atelier"}, format="json"
    )
    assert response.status_code == 201
    assert Site.objects.get(client=customer).label == "Atelier"


def test_client_without_a_name_gets_the_page_s_message(dispatcher):
    response = api(dispatcher).post("/api/v1/clients/", {"city": "Lyon"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["Ce champ est obligatoire."]}
    assert not Customer.objects.exists()


def test_site_of_an_unknown_client_is_refused(dispatcher):
    response = api(dispatcher).post(
        "/api/v1/sites/", {"client": 999999, "label": "Atelier"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"client": ["Ce client n’existe plus\xa0: cherchez à nouveau."]}


# --- intake ---------------------------------------------------------------------------------


def test_dispatcher_takes_a_call_through_the_intake_service(dispatcher):
    contract = ContractFactory(response_time_hours=8)
    equipment = EquipmentFactory(client=contract.client, contract=contract)
    response = api(dispatcher).post(
        "/api/v1/interventions/",
        {
            "client": contract.client.pk,
            "equipment": equipment.pk,
            "object": "L'imprimante fait des taches.",
            "caller_name": "Mme Roux",
            "priority": 3,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    job = Intervention.objects.get(pk=body["id"])
    assert body["number"] == job.number
    assert job.status == Status.NEW
    assert job.contract == contract
    assert job.under_contract is True
    assert job.deadline_at is not None
    assert job.created_by == dispatcher
    assert job.caller_name == "Mme Roux"
    assert body["contract_number"] == contract.number
    assert job.events.filter(code=InterventionEvent.Code.CREATED, actor=dispatcher).exists()


def test_intake_errors_are_the_page_s_in_french(dispatcher):
    other = EquipmentFactory()
    customer = ClientFactory()
    response = api(dispatcher).post(
        "/api/v1/interventions/",
        {"client": customer.pk, "equipment": other.pk, "object": ""},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "object": ["L'objet de l'intervention est obligatoire."],
        "equipment": ["Ce matériel appartient à un autre client."],
    }
    assert not Intervention.objects.exists()


def test_intake_refuses_a_call_in_the_future(dispatcher):
    customer = ClientFactory()
    later = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    response = api(dispatcher).post(
        "/api/v1/interventions/",
        {"client": customer.pk, "object": "Panne", "requested_at": later},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"requested_at": ["Un appel ne peut pas être daté dans le futur."]}


def test_intake_refuses_an_object_where_a_value_is_expected(dispatcher):
    customer = ClientFactory()
    response = api(dispatcher).post(
        "/api/v1/interventions/",
        {"client": customer.pk, "object": {"text": "Panne"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"object": ["Saisissez une valeur valide."]}


# --- update before signature, optimistic locking, refusal after -----------------------------


def test_technician_saves_the_texts_with_the_version_read(technician):
    job = assigned_job(technician)
    response = api(technician).patch(
        f"/api/v1/interventions/{job.pk}/report/",
        {"diagnostics": "Tambour usé.", "version": job.texts_version},
        format="json",
    )
    assert response.status_code == 200, response.json()
    job.refresh_from_db()
    assert job.diagnostics == "Tambour usé."
    assert response.json()["texts_version"] == job.texts_version == 1
    assert job.events.filter(code=InterventionEvent.Code.REPORT_TEXT, actor=technician).exists()


def test_a_stale_texts_version_is_a_409_with_the_other_text(technician):
    job = assigned_job(technician)
    services.report_update(intervention=job, diagnostics="Le sien.", actor=technician, version=0)
    response = api(technician).patch(
        f"/api/v1/interventions/{job.pk}/report/",
        {"diagnostics": "Le mien.", "version": 0},
        format="json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["theirs"]["diagnostics"] == "Le sien."
    assert body["version"] == 1
    assert body["detail"].startswith("Pendant que vous écriviez, ")
    job.refresh_from_db()
    assert job.diagnostics == "Le sien."


def test_texts_without_version_get_the_page_s_message(technician):
    job = assigned_job(technician)
    response = api(technician).patch(
        f"/api/v1/interventions/{job.pk}/report/", {"diagnostics": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "version": ["Cette page n’est plus à jour\xa0: rechargez-la avant d’enregistrer."]
    }


def test_another_technician_cannot_write_the_texts(technician, other_technician):
    job = assigned_job(technician)
    response = api(other_technician).patch(
        f"/api/v1/interventions/{job.pk}/report/", {"remarks": "x", "version": 0}, format="json"
    )
    assert response.status_code == 404


def test_signed_report_is_refused_with_423_in_french(technician):
    job = signed_job(technician)
    before = job.work_done
    response = api(technician).patch(
        f"/api/v1/interventions/{job.pk}/report/",
        {"work_done": "Réécrit après signature.", "version": job.texts_version},
        format="json",
    )
    assert response.status_code == 423
    assert response.json() == {
        "detail": f"L'intervention {job.number} est signée\xa0: son rapport ne peut plus être "
        "modifié.",
        "code": "locked",
    }
    job.refresh_from_db()
    assert job.work_done == before


def test_dispatcher_assigns_with_the_version_and_a_stale_one_is_409(
    dispatcher, technician, other_technician
):
    job = make_intervention()
    response = api(dispatcher).post(
        f"/api/v1/interventions/{job.pk}/assignment/",
        {"technician": technician.pk, "version": 0},
        format="json",
    )
    assert response.status_code == 200, response.json()
    job.refresh_from_db()
    assert (job.technician, job.status, job.assignment_version) == (
        technician,
        Status.SCHEDULED,
        1,
    )
    response = api(dispatcher).post(
        f"/api/v1/interventions/{job.pk}/assignment/",
        {"technician": other_technician.pk, "version": 0},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["theirs"]["technician"] == technician.pk
    job.refresh_from_db()
    assert job.technician == technician


def test_a_signed_job_cannot_be_reassigned(dispatcher, technician, other_technician):
    job = signed_job(technician)
    response = api(dispatcher).post(
        f"/api/v1/interventions/{job.pk}/assignment/",
        {"technician": other_technician.pk, "version": job.assignment_version},
        format="json",
    )
    assert response.status_code == 423
    assert response.json()["detail"] == (
        f"L'intervention {job.number} est close\xa0: elle ne peut plus être réaffectée."
    )


# --- the signed PDF and its verification ------------------------------------------------------


def test_pdf_is_the_stored_file_byte_for_byte(technician, dispatcher):
    job = signed_job(technician)
    stored = SignedReport.objects.get(intervention=job)
    with stored.pdf.open("rb") as handle:
        expected = handle.read()
    response = api(dispatcher).get(f"/api/v1/interventions/{job.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body == expected
    assert hashlib.sha256(body).hexdigest() == stored.sha256


def test_pdf_asked_as_pdf_and_missing_is_a_json_404(technician, dispatcher):
    job = finished_job(technician)
    response = api(dispatcher).get(
        f"/api/v1/interventions/{job.pk}/pdf/", HTTP_ACCEPT="application/pdf"
    )
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_pdf_of_another_technician_s_job_is_404(technician, other_technician):
    job = signed_job(technician)
    assert api(other_technician).get(f"/api/v1/interventions/{job.pk}/pdf/").status_code == 404


def test_verification_says_intact_then_not_when_the_file_changed(technician, dispatcher):
    job = signed_job(technician)
    body = api(dispatcher).get(f"/api/v1/interventions/{job.pk}/verification/").json()
    assert body["number"] == job.number
    assert body["all_intact"] is True
    assert [(v["version"], v["intact"], v["problems"]) for v in body["versions"]] == [(1, True, [])]
    stored = SignedReport.objects.get(intervention=job)
    with open(stored.pdf.path, "ab") as handle:
        handle.write(b"%tampered")
    body = api(dispatcher).get(f"/api/v1/interventions/{job.pk}/verification/").json()
    assert body["all_intact"] is False
    assert body["versions"][0]["file_intact"] is False
    assert body["versions"][0]["problems"] == [
        "Le fichier PDF enregistré diffère de celui qui a été signé."
    ]


# --- billing rows -----------------------------------------------------------------------------


def test_billing_rows_are_the_export_s_rows_for_the_period(rates, manager, technician):
    jobs = [signed_job(technician) for _ in range(3)]
    today = timezone.localdate()
    period = {"date_from": (today - datetime.timedelta(days=1)).isoformat()}
    period["date_to"] = today.isoformat()
    body = api(manager).get("/api/v1/billing/rows/", period).json()
    expected = list(
        export_rows(
            billing_lines(
                billable_queryset(date_from=today - datetime.timedelta(days=1), date_to=today)
            )
        )
    )
    assert body["count"] == 3
    assert body["columns"] == expected[0]
    assert body["columns"][:2] == ["Numéro", "Signée le"]
    as_json = [
        [c.isoformat() if isinstance(c, datetime.date) else c for c in row] for row in expected[1:]
    ]
    assert [
        [str(c) if not isinstance(c, (str, int, type(None))) else c for c in row] for row in as_json
    ] == body["rows"]
    assert sorted(row[0] for row in body["rows"]) == sorted(j.number for j in jobs)
    page = api(manager).get("/api/v1/billing/rows/", {**period, "page_size": 2}).json()
    assert len(page["rows"]) == 2
    assert page["next"] is not None


def test_billing_rows_of_another_period_are_empty(rates, manager, technician):
    signed_job(technician)
    long_ago = timezone.localdate() - datetime.timedelta(days=400)
    body = (
        api(manager)
        .get(
            "/api/v1/billing/rows/",
            {
                "date_from": long_ago.isoformat(),
                "date_to": (long_ago + datetime.timedelta(5)).isoformat(),
            },
        )
        .json()
    )
    assert (body["count"], body["rows"]) == (0, [])


def test_billing_rows_bad_period_is_a_400_in_french(manager):
    response = api(manager).get(
        "/api/v1/billing/rows/", {"date_from": "2026-05-10", "date_to": "2026-05-01"}
    )
    assert response.status_code == 400
    assert response.json() == {"date_to": ["La fin de la période doit suivre son début."]}


# --- found by schemathesis (tests/interventions/test_api_schemathesis.py) ---------------------


def test_a_body_that_is_not_json_is_a_400_by_field_in_french(dispatcher):
    response = api(dispatcher).post("/api/v1/clients/", "X", content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Le corps de la requête n’est pas du JSON valide."]
    }


def test_the_schema_documents_415_for_a_body_in_another_format(dispatcher):
    client = api(dispatcher)
    response = client.post("/api/v1/clients/", "name=x", content_type="text/plain")
    assert response.status_code == 415
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert "415" in schema["paths"]["/api/v1/clients/"]["post"]["responses"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/interventions/null,null/verification/",
        "/api/v1/interventions/null,null/pdf/",
        "/api/v1/clients/0.5/",
        "/api/v1/interventions/99999999999999999999999/",
        "/api/v1/nothing-here/",
    ],
)
def test_an_id_that_is_not_a_number_is_a_json_404(dispatcher, url):
    response = api(dispatcher).get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Non trouvé."}


def test_a_patch_on_an_id_that_is_not_a_number_is_a_json_404(technician):
    response = api(technician).patch(
        "/api/v1/interventions/null,null/report/", {"version": 0}, format="json"
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Non trouvé."}


def test_without_accept_language_the_user_s_own_language_is_used(technician, other_technician):
    from interventions.people import user_language_set

    user_language_set(user=technician, language="en")
    job = assigned_job(other_technician)
    response = api(technician).get(f"/api/v1/interventions/{job.pk}/")
    assert response.json() == {"detail": "Not found."}
    response = api(technician, language="fr").get(f"/api/v1/interventions/{job.pk}/")
    assert response.json() == {"detail": "Non trouvé."}
