from pathlib import Path

import pytest

from interventions import roles
from interventions.models import Status
from tests.e2e.conftest import login, screenshot
from tests.factories import EquipmentFactory, UserFactory
from tests.interventions.billing_helpers import signed_intervention


@pytest.fixture
def billing_data(db):
    technician = UserFactory(username="e2e-tech6", role=roles.TECHNICIAN)
    equipment = EquipmentFactory()
    jobs = [
        signed_intervention(technician, equipment=equipment if k == 0 else None) for k in range(3)
    ]
    return technician, equipment, jobs


def test_manager_sees_charts_exports_csv_and_marks_billed(page, live_server, billing_data):
    _technician, _equipment, jobs = billing_data
    UserFactory(username="e2e-manager6", role=roles.MANAGER)
    login(page, live_server, "e2e-manager6", "secret-pass-123")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    canvas = page.locator("#chart-months")
    canvas.wait_for()
    page.wait_for_function("document.querySelector('#chart-months').dataset.drawn === '1'")
    # Chart.js drew something: the canvas holds non-transparent pixels.
    painted = page.evaluate(
        """() => { const c = document.querySelector('#chart-months');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; }"""
    )
    assert painted > 100
    assert page.locator("canvas[data-drawn='1']").count() >= 5
    screenshot(page, "billing-dashboard-1280")
    page.set_viewport_size({"width": 768, "height": 1024})
    page.reload()
    page.wait_for_function("document.querySelector('#chart-months').dataset.drawn === '1'")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "billing-dashboard-768")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Facturation").click()
    page.wait_for_url(f"{live_server.url}/billing/")
    for job in jobs:
        assert page.locator(f"tr[data-number='{job.number}']").count() == 1
    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    content = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert all(job.number in content for job in jobs)
    screenshot(page, "billing-list-1280")
    page.set_viewport_size({"width": 768, "height": 1024})
    screenshot(page, "billing-list-768")

    page.locator(f"tr[data-number='{jobs[0].number}'] input[name=pk]").check()
    page.locator(f"tr[data-number='{jobs[1].number}'] input[name=pk]").check()
    page.get_by_test_id("mark-billed").click()
    page.wait_for_selector(".alert-success")
    assert "2 interventions marquées comme facturées" in page.content()
    assert page.locator(f"tr[data-number='{jobs[0].number}']").count() == 0
    for job in jobs:
        job.refresh_from_db()
    assert [j.status for j in jobs] == [Status.BILLED, Status.BILLED, Status.SIGNED]

    page.goto(f"{live_server.url}/interventions/{jobs[2].pk}/#billing")
    assert page.get_by_test_id("billing-panel").is_visible()
    screenshot(page, "billing-detail-768")
    page.goto(f"{live_server.url}/billing/rates/")
    screenshot(page, "billing-rates-768")


def test_technician_reads_the_equipment_history(page, live_server, billing_data):
    technician, equipment, jobs = billing_data
    login(page, live_server, "e2e-tech6", "secret-pass-123")
    page.goto(f"{live_server.url}/clients/equipment/{equipment.pk}/history/")
    assert jobs[0].number in page.content()
    page.set_viewport_size({"width": 768, "height": 1024})
    screenshot(page, "equipment-history-768")
