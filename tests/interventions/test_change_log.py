"""The change log of the reference data (django-simple-history): who changed what and when,
in French, on a manager's page; a signed report does not move when its client does."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interventions import services
from interventions.models import BillingRates, SignedReport
from interventions.verification import report_check
from tests.factories import ClientFactory, ContractFactory, EquipmentFactory, PartFactory
from tests.interventions.tablet_helpers import signed_job


def log_url(kind, pk):
    return reverse("interventions-change-log", args=[kind, pk])


def test_a_contract_change_made_on_a_page_is_logged_with_who_and_the_diff_in_french(
    client, manager, admin_user
):
    contract = ContractFactory(number="MAINT-2026-042", response_time_hours=8)
    client.force_login(admin_user)
    page = client.get(reverse("admin:clients_contract_change", args=[contract.pk]))
    assert page.status_code == 200
    data = {
        name: value
        for name, value in page.context["adminform"].form.initial.items()
        if value is not None
    }
    data.update(
        client=contract.client_id,
        start_date=contract.start_date.isoformat(),
        end_date=contract.end_date.isoformat(),
        response_time_hours=4,
        kind=contract.kind,
    )
    for flag in ("covers_labour", "covers_travel", "covers_parts"):
        if not data.get(flag):
            data.pop(flag, None)
    saved = client.post(reverse("admin:clients_contract_change", args=[contract.pk]), data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    client.force_login(manager)
    body = client.get(log_url("contract", contract.pk)).content.decode()
    assert "Historique des modifications" in body and "MAINT-2026-042" in body
    assert "Modifié" in body and "Création" in body
    row = body.split('data-testid="change-row"')[1].split("</tr>")[0]
    assert "Délai d’intervention" in row or "délai" in row.lower()
    assert '<td class="pre-line">8</td><td class="pre-line">4</td>' in row
    assert admin_user.get_username() in body


def test_rates_changed_by_the_service_name_the_manager(client, manager):
    services.billing_rates_update(actor=manager, hourly_rate=Decimal("65.00"))
    services.billing_rates_update(actor=manager, hourly_rate=Decimal("72.50"))
    rates = BillingRates.current()
    client.force_login(manager)
    page = client.get(reverse("interventions-billing-rates")).content.decode()
    assert log_url("billing-rates", rates.pk) in page
    body = client.get(log_url("billing-rates", rates.pk)).content.decode()
    assert '>65,00</td><td class="pre-line">72,50</td>' in body
    assert (manager.get_full_name() or manager.get_username()) in body


def test_catalogue_part_and_equipment_changes_are_logged(client, manager):
    part = PartFactory(name="Toner HP 59A", unit_price=Decimal("89.00"))
    part.name = "Toner HP 59A d’origine"
    part.save()
    equipment = EquipmentFactory(serial_number="SN-1")
    equipment.serial_number = "SN-2"
    equipment.save()
    client.force_login(manager)
    body = client.get(log_url("part", part.pk)).content.decode()
    assert "Toner HP 59A</td>" in body and "Toner HP 59A d’origine</td>" in body
    body = client.get(log_url("equipment", equipment.pk)).content.decode()
    assert ">SN-1</td>" in body and ">SN-2</td>" in body


def test_a_save_that_changes_no_recorded_field_is_not_listed(client, manager):
    customer = ClientFactory(name="Cohen et Fils")
    customer.save()  # the search text is refreshed, nothing a person changed
    client.force_login(manager)
    body = client.get(log_url("client", customer.pk)).content.decode()
    assert body.count("Modifié") == 0 and body.count("Création") == 1


@pytest.mark.parametrize("who", ["technician", "dispatcher"])
def test_only_a_manager_reads_the_change_log(client, db, who, request):
    customer = ClientFactory()
    client.force_login(request.getfixturevalue(who))
    assert client.get(log_url("client", customer.pk)).status_code == 403


def test_unknown_kind_or_object_is_404(client, manager):
    client.force_login(manager)
    assert client.get(log_url("intervention", 1)).status_code == 404
    assert client.get(log_url("client", 999999)).status_code == 404


def test_change_log_page_queries_do_not_grow_with_the_changes(client, manager):
    customer = ClientFactory()
    client.force_login(manager)
    for n in range(3):
        customer.city = f"Lyon {n}"
        customer.save()
    with CaptureQueriesContext(connection) as few:
        client.get(log_url("client", customer.pk))
    for n in range(3, 13):
        customer.city = f"Lyon {n}"
        customer.save()
    with CaptureQueriesContext(connection) as many:
        client.get(log_url("client", customer.pk))
    assert len(many) == len(few) <= 12


def test_renaming_the_client_after_signing_leaves_the_signed_report_intact(
    client, technician, manager
):
    job = signed_job(technician)
    report = SignedReport.objects.get(intervention=job)
    snapshot = dict(report.snapshot)
    customer = job.client
    customer.name = "Nouveau nom SARL"
    customer.save()
    report.refresh_from_db()
    assert report.snapshot == snapshot
    assert report_check(report).intact
    client.force_login(manager)
    body = client.get(log_url("client", customer.pk)).content.decode()
    assert "Nouveau nom SARL" in body
