"""A part line added on the tablet without network can be removed before it is sent
(static/js/offline-work.js): its waiting add is taken back, or, once the add is on its way, a
removal naming the line by the add's key is queued. Chromium at 768 × 1024 with touch."""

import re

import pytest
from playwright.sync_api import expect

from interventions import roles, services
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.offline_helpers import (
    launch_tablet,
    login_tablet,
    queued,
    wait_until_cached,
)
from tests.factories import UserFactory, make_intervention

PASSWORD = "secret-pass-123"
SHOTS = ARTIFACTS / "offline"
SHOTS.mkdir(parents=True, exist_ok=True)


def shot(page, name):
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"))
    except OSError:
        pass


@pytest.fixture
def ninas_job(db):
    nina = UserFactory(
        username="nina-off", first_name="Nina", last_name="Roux", role=roles.TECHNICIAN
    )
    job = make_intervention(object="Le poste de l’accueil ne démarre plus.")
    services.intervention_assign(intervention=job, technician=nina)
    return nina, job


def sent(page):
    """Everything was sent (the page may reload itself once it is: the indicator's state is
    awaited, not read once)."""
    expect(page.get_by_test_id("offline-indicator")).to_have_attribute(
        "data-state", "online", timeout=30_000
    )
    assert queued(page) == []


def add_free_line(page, description, price):
    page.get_by_label("Ligne libre (pièce hors catalogue)").fill(description)
    page.get_by_label("Prix unitaire HT").fill(price)
    page.get_by_role("button", name="Ajouter", exact=True).tap()
    expect(page.get_by_test_id("part-row-pending").filter(has_text=description)).to_be_visible()


def test_a_part_added_offline_and_removed_before_sending_is_never_sent(
    playwright, live_server, ninas_job, tmp_path
):
    nina, job = ninas_job
    tablet = launch_tablet(playwright, tmp_path / "tablet")
    page = tablet.new_page()
    login_tablet(page, live_server, "nina-off", PASSWORD)
    wait_until_cached(page)
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")
    tablet.set_offline(True)
    page.reload()

    add_free_line(page, "Alimentation ATX 500 W", "45")
    add_free_line(page, "Câble SATA", "4.50")
    expect(page.get_by_test_id("parts-total")).to_have_text("49,50 €")
    assert [e["kind"] for e in queued(page)] == ["part-add", "part-add"]
    page.get_by_test_id("part-row-pending").first.scroll_into_view_if_needed()
    shot(page, "pending-part-remove")

    page.get_by_role("button", name="Retirer Alimentation ATX 500 W").tap()
    expect(page.get_by_test_id("part-row-pending")).to_have_count(1)
    expect(page.get_by_test_id("part-row-pending")).to_contain_text("Câble SATA")
    expect(page.get_by_test_id("parts-total")).to_have_text("4,50 €")
    assert [e["kind"] for e in queued(page)] == ["part-add"]
    # Opened again from the cache, the removed line stays away.
    page.reload()
    expect(page.get_by_test_id("part-row-pending")).to_have_count(1)

    tablet.set_offline(False)
    page.get_by_test_id("offline-send").tap()
    sent(page)
    assert [line.description for line in job.parts.all()] == ["Câble SATA"]
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")
    expect(page.get_by_test_id("part-row")).to_have_count(1)
    tablet.close()


def test_a_line_whose_add_is_on_its_way_is_removed_by_the_add_key(
    playwright, live_server, ninas_job, tmp_path
):
    nina, job = ninas_job
    tablet = launch_tablet(playwright, tmp_path / "tablet")
    page = tablet.new_page()
    login_tablet(page, live_server, "nina-off", PASSWORD)
    wait_until_cached(page)
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")
    tablet.set_offline(True)
    page.reload()
    add_free_line(page, "Ventilateur 80 mm", "12")
    add_key = queued(page)[0]["key"]

    # Back online, the add is held on its way to the server while the technician removes it.
    held = []
    tablet.route(re.compile(r"/work/parts/add/$"), lambda route: held.append(route))
    tablet.set_offline(False)
    page.get_by_test_id("offline-send").tap()
    expect(page.get_by_test_id("offline-indicator")).to_have_attribute("data-state", "syncing")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "the add did not reach the network"
    page.get_by_role("button", name="Retirer Ventilateur 80 mm").tap()
    expect(page.get_by_test_id("part-row-removed")).to_contain_text("Ventilateur 80 mm")
    waiting = queued(page)
    assert [e["kind"] for e in waiting] == ["part-add", "part-remove"]
    assert waiting[1]["url"] == f"/interventions/{job.pk}/work/parts/0/remove/"
    fields = page.evaluate("() => OfflineStore.all().then(all => all[1].fields)")
    assert ["created_by_key", add_key] in fields

    held[0].continue_()
    tablet.unroute(re.compile(r"/work/parts/add/$"))
    sent(page)
    assert job.parts.count() == 0
    assert queued(page) == []
    tablet.close()
