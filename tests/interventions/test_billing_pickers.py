"""The billing list's totals summed by the database, and the client / contract pickers
(with and without JavaScript: the text typed alone is resolved on the server)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from interventions import billing, selectors
from interventions.models import ContractRates
from tests.factories import ClientFactory, ContractFactory, EquipmentFactory
from tests.interventions.billing_helpers import signed_intervention

pytestmark = pytest.mark.django_db


def _period_qs():
    today = timezone.localdate()
    return billing.billable_queryset(date_from=today - datetime.timedelta(days=1), date_to=today)


def test_totals_summed_by_the_database_are_the_hand_computed_amounts(technician, rates):
    # Rates fixture: 60 €/h, 0.50 €/km, 15 € per visit, VAT 20 %, cost 30 €/h and 0.40 €/km.
    signed_intervention(technician)  # 90 min, 30 min travel, 24 km, 2 parts at 50 € (cost 30)
    signed_intervention(technician)
    contract = ContractFactory(covers_labour=False, covers_travel=False, covers_parts=False)
    ContractRates.objects.create(contract=contract, hourly_rate=Decimal("60.05"))
    odd = EquipmentFactory(client=contract.client, contract=contract)
    # 7 min at 60.05 €/h = 7.00583… → 7.01; km 3.5 × 0.50 + 15 = 16.75; parts 1 × 50.
    signed_intervention(technician, equipment=odd, minutes=7, km="3.5", quantity="1")

    totals = billing.billing_totals(_period_qs())

    assert totals.count == 3
    assert totals.labour == Decimal("187.01")  # 90 + 90 + 7.01
    assert totals.travel == Decimal("70.75")  # 27 + 27 + 16.75
    assert totals.parts == Decimal("250.00")
    assert totals.total_excl_vat == Decimal("507.76")
    # VAT per line: 43.40 + 43.40 + (7.01 + 16.75 + 50) × 20 % = 14.752 → 14.75
    assert totals.vat == Decimal("101.55")
    assert totals.total_incl_vat == Decimal("609.31")
    # Cost per line: 120 min × 30/60 + 24 × 0.40 + 60 = 129.60 twice; 37 min → 18.50 + 1.40 + 30.
    assert totals.cost == Decimal("309.10")
    assert totals.margin == Decimal("198.66")
    assert totals.hours == Decimal("3.12")  # 1.50 + 1.50 + 0.12
    assert totals.km == Decimal("51.5")


def test_totals_by_the_database_match_the_lines_one_by_one(technician, rates):
    for minutes, km in ((13, "1.3"), (61, "7.7"), (119, "0.1")):
        signed_intervention(technician, minutes=minutes, km=km, travel_minutes=minutes // 3)
    by_line = billing.Totals()
    for line in billing.billing_lines(_period_qs()):
        by_line.add(line)
    assert billing.billing_totals(_period_qs()) == by_line


def test_billing_list_paginates_and_keeps_totals_of_the_whole_period(
    client, manager, technician, rates, monkeypatch
):
    monkeypatch.setattr(selectors, "BILLING_PAGE_SIZE", 2)
    jobs = [signed_intervention(technician) for _ in range(3)]
    client.force_login(manager)
    page2 = client.get(reverse("interventions-billing") + "?page=2")
    assert [line.number for line in page2.context["lines"]] == [jobs[2].number]
    assert page2.context["totals"].count == 3
    assert page2.context["totals"].total_excl_vat == Decimal("651.00")
    assert "Page 2 sur 2" in page2.content.decode()
    assert "Total de la période" in page2.content.decode()  # not the page's


def test_client_typed_without_javascript_filters_by_its_number(client, manager, technician):
    mine = EquipmentFactory()
    signed_intervention(technician, equipment=mine)
    signed_intervention(technician)
    client.force_login(manager)
    response = client.get(
        reverse("interventions-billing") + f"?client=&client_search={mine.client.number}"
    )
    assert response.context["filters"]["client_id"] == mine.client_id
    assert response.context["totals"].count == 1
    html = response.content.decode()
    assert f'value="{mine.client.number}"' in html  # as typed


def test_ambiguous_client_text_is_an_error_and_is_kept(client, manager):
    ClientFactory(name="Dupont SA")
    ClientFactory(name="Dupont Frères")
    client.force_login(manager)
    response = client.get(reverse("interventions-billing") + "?client_search=dupont")
    html = response.content.decode()
    assert "Plusieurs clients correspondent à «\u00a0dupont\u00a0»" in html
    assert 'value="dupont"' in html
    assert response.context["filters"]["client_id"] is None


def test_chosen_contract_is_shown_by_its_label_from_its_id_alone(client, manager):
    contract = ContractFactory(number="MAINT-PICK-1")
    client.force_login(manager)
    html = client.get(reverse("interventions-billing") + f"?contract={contract.pk}").content
    assert f'value="MAINT-PICK-1 — {contract.client.name}"'.encode() in html
    assert f'name="contract" value="{contract.pk}"'.encode() in html


def test_contract_rates_set_by_typing_the_contract_number(client, manager, rates):
    contract = ContractFactory(number="MAINT-RATES-9")
    client.force_login(manager)
    data = {"contract-contract": "", "contract-contract_search": "maint-rates-9"}
    data["contract-hourly_rate"] = "75"
    response = client.post(reverse("interventions-billing-rates"), data)
    assert response.status_code == 302
    assert ContractRates.objects.get(contract=contract).hourly_rate == Decimal("75")
    data["contract-contract_search"] = "nothing-like-it"
    response = client.post(reverse("interventions-billing-rates"), data)
    assert response.status_code == 400
    assert "Aucun contrat ne correspond" in response.content.decode()
    assert 'value="nothing-like-it"' in response.content.decode()


def test_pickers_are_for_managers_only(client, dispatcher):
    client.force_login(dispatcher)
    assert client.get(reverse("interventions-pick-client") + "?q=a").status_code == 403


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_billing_period_is_read_through_the_signed_date_index():
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = _period_qs().values("pk")[:100].explain()
    assert "signedreport_signed_at" in plan
