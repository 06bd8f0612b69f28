"""The manager's billing pages, the dashboard, the visits to plan and the pickers run the same
number of SQL queries whatever the amount of data: each is measured at two data sizes."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions import selectors
from interventions.models import Channel, ContractRates
from tests.factories import ClientFactory, ContractFactory, EquipmentFactory, make_intervention
from tests.interventions.billing_helpers import signed_intervention

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> int:
    client.get(url)  # sessions, rates and group rows created once, outside the count
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def _billing_data(technician, n: int):
    contract = ContractFactory(annual_visits=0)
    equipment = EquipmentFactory(client=contract.client, contract=contract)
    for _ in range(n):
        signed_intervention(technician, equipment=equipment)
    return contract


def test_billing_list_filtered_page_two_same_queries_at_two_sizes(
    client, manager, technician, rates, monkeypatch
):
    monkeypatch.setattr(selectors, "BILLING_PAGE_SIZE", 2)
    client.force_login(manager)
    counts = []
    for n in (3, 7):
        contract = _billing_data(technician, n)
        url = (
            reverse("interventions-billing")
            + f"?client={contract.client_id}&contract={contract.pk}&status=all&page=2"
        )
        response = client.get(url)
        assert response.context["totals"].count == n
        assert len(response.context["lines"]) == 2 if n > 3 else 1
        counts.append(_queries(client, url))
    assert counts[0] == counts[1]


def _contracts_with_visits(n: int):
    today = timezone.localdate()
    for _ in range(n):
        contract = ContractFactory(annual_visits=4, start_date=today - datetime.timedelta(days=200))
        make_intervention(client=contract.client, contract=contract, channel=Channel.PLANNED)


def test_dashboard_same_queries_at_two_sizes(client, manager):
    client.force_login(manager)
    counts = []
    for n in (3, 30):
        _contracts_with_visits(n)
        counts.append(_queries(client, reverse("interventions-dashboard")))
    assert counts[0] == counts[1]


def test_dashboard_visits_page_same_queries_at_two_sizes(client, manager):
    client.force_login(manager)
    counts = []
    for n in (3, 30):
        _contracts_with_visits(n)
        counts.append(_queries(client, reverse("interventions-dashboard-visits")))
    assert counts[0] == counts[1]


def test_visits_to_plan_same_queries_at_two_sizes(client, manager):
    client.force_login(manager)
    counts = []
    for n in (3, 30):
        _contracts_with_visits(n)
        counts.append(_queries(client, reverse("interventions-visits") + "?q=MAINT&page=1"))
    assert counts[0] == counts[1]


def test_billing_rates_same_queries_at_two_sizes(client, manager, rates):
    client.force_login(manager)
    counts = []
    for n in (3, 30):
        for _ in range(n):
            ContractRates.objects.create(contract=ContractFactory(), hourly_rate=Decimal("70"))
        counts.append(_queries(client, reverse("interventions-billing-rates")))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("name", ["interventions-pick-client", "interventions-pick-contract"])
def test_picker_endpoints_same_queries_at_two_sizes(client, manager, name):
    client.force_login(manager)
    counts = []
    for n, shown in ((3, 3), (30, 10)):
        for _ in range(n):
            ContractFactory(client=ClientFactory(name="Dupont et fils"))
        url = reverse(name) + "?field=q&q=dupont"
        assert client.get(url).content.decode().count('role="option"') == shown
        counts.append(_queries(client, url))
    assert counts[0] == counts[1]
