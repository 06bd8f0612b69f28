"""The visit correction page without network, never opened before on this tablet: the service
worker keeps it with the technician's other pages (static/js/offline-sw.js), and the
correction made offline is sent once the network is back. Chromium at 768 × 1024 with touch."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interventions import roles, services
from tests.e2e.offline_helpers import launch_tablet, login_tablet, queued, wait_until_cached
from tests.factories import UserFactory, make_intervention

PASSWORD = "secret-pass-123"


@pytest.fixture
def visited_job(db):
    leo = UserFactory(
        username="leo-off", first_name="Léo", last_name="Garnier", role=roles.TECHNICIAN
    )
    job = make_intervention(
        object="La borne Wi-Fi du hall décroche.",
        requested_at=timezone.now() - datetime.timedelta(hours=6),
    )
    services.intervention_assign(intervention=job, technician=leo)
    arrived = timezone.now() - datetime.timedelta(hours=2)
    visit = services.visit_record(
        intervention=job,
        technician=leo,
        arrived_at=arrived,
        left_at=arrived + datetime.timedelta(minutes=40),
        travel_km=Decimal("8"),
    )
    return leo, job, visit


def test_the_correction_page_opens_offline_without_having_been_opened_online(
    playwright, live_server, visited_job, tmp_path
):
    leo, job, visit = visited_job
    tablet = launch_tablet(playwright, tmp_path / "tablet")
    page = tablet.new_page()
    login_tablet(page, live_server, "leo-off", PASSWORD)
    wait_until_cached(page)

    tablet.set_offline(True)
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/visits/{visit.pk}/")
    expect(page.get_by_role("heading", name="Corriger un passage")).to_be_visible()
    page.get_by_label("Déplacement (km)").fill("12.5")
    page.get_by_role("button", name="Enregistrer").tap()
    expect(page.get_by_test_id("offline-pending")).to_be_visible()
    assert [e["kind"] for e in queued(page)] == ["visit"]
    visit.refresh_from_db()
    assert visit.travel_km == Decimal("8")

    tablet.set_offline(False)
    page.get_by_test_id("offline-send").tap()
    expect(page.get_by_test_id("offline-indicator")).to_have_attribute(
        "data-state", "online", timeout=30_000
    )
    assert queued(page) == []
    visit.refresh_from_db()
    assert visit.travel_km == Decimal("12.5")
    tablet.close()
