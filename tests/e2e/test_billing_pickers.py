"""The client and contract pickers of the billing pages: typed, chosen with the keyboard,
applied, kept on reload; at 1366×768 (laptop) and 768×1024 (tablet). And the billing list's
headers on one line at 1366 px."""

from decimal import Decimal

import pytest

from interventions import roles, services
from interventions.models import ContractRates
from tests.e2e.conftest import htmx_settled, login, screenshot
from tests.factories import (
    ClientFactory,
    ContractFactory,
    EquipmentFactory,
    PartFactory,
    UserFactory,
)
from tests.interventions.billing_helpers import signed_intervention

# How many lines the text of a header cell takes (one client rectangle per line).
HEADER_LINES = """(label) => {
    const th = Array.from(document.querySelectorAll('[data-testid=billing-table] thead th'))
        .find((cell) => cell.textContent.trim() === label);
    const range = document.createRange();
    range.selectNodeContents(th);
    return new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size;
}"""


BAKERY = "Boulangerie-Pâtisserie de la Place du Marché Saint-Antoine"
PHARMACY = "Groupement des Pharmacies Mutualistes du Rhône"


@pytest.fixture
def two_clients(db):
    technician = UserFactory(username="e2e-tech-pick", role=roles.TECHNICIAN)
    UserFactory(username="e2e-manager-pick", role=roles.MANAGER)
    jobs = []
    # Long names and amounts in the thousands: the table is as tight as it gets at 1366 px.
    for name in (BAKERY, PHARMACY):
        contract = ContractFactory(client=ClientFactory(name=name))
        equipment = EquipmentFactory(client=contract.client, contract=contract)
        jobs.append(
            signed_intervention(
                technician,
                equipment=equipment,
                minutes=615,
                km="312.5",
                travel_minutes=240,
                part=PartFactory(unit_price=Decimal("1249.90"), unit_cost=Decimal("1100.00")),
                quantity="8",
            )
        )
    services.interventions_mark_billed(pks=[jobs[1].pk], actor=technician)
    return jobs


def _choose(page, selector, text, shot):
    picker = page.locator(selector)
    picker.click()
    picker.press_sequentially(text, delay=30)
    page.locator("[role=listbox]:not([hidden]) [role=option]").first.wait_for()
    htmx_settled(page)
    picker.press("ArrowDown")
    assert picker.get_attribute("aria-expanded") == "true"
    assert picker.get_attribute("aria-activedescendant")
    screenshot(page, shot)
    picker.press("Enter")
    return picker


def test_client_picker_by_keyboard_filters_and_is_kept_on_reload(page, live_server, two_clients):
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server, "e2e-manager-pick", "secret-pass-123")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/billing/?status=all")
    assert page.locator("tr[data-number]").count() == 2
    for label in ("Facturée le", "Prix de revient"):
        assert page.evaluate(HEADER_LINES, label) == 1, label
    assert page.get_by_label("Client", exact=True).get_attribute("placeholder") == (
        "Tous les clients"
    )

    picker = _choose(page, "#id_client", "pharma", "billing-picker-open-1366")
    assert picker.input_value().endswith(PHARMACY)
    screenshot(page, "billing-picker-chosen-1366")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**/billing/?*client=*")
    assert page.locator("tr[data-number]").count() == 1
    assert page.locator(f"tr[data-number='{two_clients[1].number}']").count() == 1

    page.reload()
    assert page.get_by_label("Client", exact=True).input_value().endswith(PHARMACY)
    assert page.locator("tr[data-number]").count() == 1
    screenshot(page, "billing-picker-filtered-1366")


def test_contract_picker_on_rates_at_tablet_width(tablet, live_server, two_clients):
    page = tablet
    login(page, live_server, "e2e-manager-pick", "secret-pass-123")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/billing/rates/")
    picker = _choose(page, "#id_contract-contract", "boulang", "rates-picker-open-768")
    assert picker.input_value().endswith(BAKERY)
    screenshot(page, "rates-picker-chosen-768")
    page.locator("#id_contract-hourly_rate").fill("82")
    page.locator("#id_contract-hourly_rate").press("Enter")
    page.wait_for_url("**/billing/rates/")
    assert ContractRates.objects.get(contract__client__name=BAKERY).hourly_rate == (Decimal("82"))
    screenshot(page, "rates-picker-saved-768")
