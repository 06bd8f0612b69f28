"""The billing list on a 1366×768 laptop: no horizontal scrolling, numbers on one line, and a
period already marked billed downloads again."""

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from interventions import roles, services
from tests.e2e.conftest import login, screenshot
from tests.factories import ClientFactory, EquipmentFactory, PartFactory, UserFactory
from tests.interventions.billing_helpers import signed_intervention

LONG_NAMES = [
    "Cabinet d'expertise comptable Dupont-Moreau & Associés",
    "Boulangerie-Pâtisserie de la Place du Marché Saint-Antoine",
    "Groupement des Pharmacies Mutualistes du Rhône",
]

# Every cell of the table's body and totals: the width the table takes, and whether it scrolls.
TABLE_FITS = """() => {
    const table = document.querySelector('[data-testid=billing-table]');
    const box = table.parentElement;
    return {table: table.scrollWidth, box: box.clientWidth, boxScroll: box.scrollWidth,
            page: document.documentElement.scrollWidth, window: window.innerWidth};
}"""

# An inline element broken over two lines has two client rectangles.
NUMBER_LINES = """() => Array.from(
    document.querySelectorAll('[data-testid=billing-table] tbody [data-testid=number] a'),
    (a) => a.getClientRects().length)"""


@pytest.fixture
def wide_period(db):
    """Three interventions with long client names and amounts in the thousands; the first
    one already billed."""
    technician = UserFactory(username="e2e-tech13", role=roles.TECHNICIAN)
    manager = UserFactory(username="e2e-manager13", role=roles.MANAGER)
    jobs = []
    for name in LONG_NAMES:
        equipment = EquipmentFactory(client=ClientFactory(name=name))
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
    services.interventions_mark_billed(pks=[jobs[0].pk], actor=manager)
    return jobs


def _assert_fits(page):
    sizes = page.evaluate(TABLE_FITS)
    assert sizes["boxScroll"] <= sizes["box"], sizes
    assert sizes["page"] <= sizes["window"], sizes
    lines = page.evaluate(NUMBER_LINES)
    assert lines and set(lines) == {1}, lines
    for label in ("Prix de revient", "Marge"):
        header = page.locator("[data-testid=billing-table] thead th", has_text=label)
        box = header.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1366, (label, box)


def test_billing_list_fits_a_laptop_and_downloads_a_billed_period(page, live_server, wide_period):
    jobs = wide_period
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_server, "e2e-manager13", "secret-pass-123")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/billing/")
    # Only what is left to bill, by default.
    assert page.locator("tr[data-number]").count() == 2
    assert page.locator(f"tr[data-number='{jobs[0].number}']").count() == 0
    _assert_fits(page)
    screenshot(page, "billing-list-1366")

    page.get_by_label("Statut").select_option("billed")
    page.get_by_label("Période selon").select_option("billed")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**/billing/?*status=billed*")
    rows = page.locator("tr[data-number]")
    assert rows.count() == 1
    billed_row = page.locator(f"tr[data-number='{jobs[0].number}']")
    today = timezone.localdate().strftime("%d/%m/%Y")
    assert today in billed_row.get_by_test_id("billed-on").inner_text()
    # Already billed: nothing to tick, no "mark as billed" button.
    assert billed_row.locator("input[name=pk]").count() == 0
    assert page.get_by_test_id("mark-billed").count() == 0
    _assert_fits(page)
    screenshot(page, "billing-list-billed-1366")

    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    data = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    assert [row["Numéro"] for row in data] == [jobs[0].number]
    assert isinstance(data[0]["Facturée le"], datetime.datetime)
    assert data[0]["Facturée le"].date() == timezone.localdate()

    # The tablet's width: the table may scroll sideways there, numbers still on one line.
    page.set_viewport_size({"width": 768, "height": 1024})
    assert set(page.evaluate(NUMBER_LINES)) == {1}
    screenshot(page, "billing-list-billed-768")
