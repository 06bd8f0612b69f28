"""The manager reads a client's change log from the intervention page (768 × 1024)."""

from playwright.sync_api import expect

from interventions import roles
from tests.e2e.conftest import login, screenshot
from tests.factories import UserFactory, make_intervention


def test_manager_opens_the_client_change_log_from_the_job(tablet, live_server, db):
    UserFactory(
        username="e2e-manager-log", first_name="Paul", last_name="Girard", role=roles.MANAGER
    )
    job = make_intervention(object="Imprimante en panne")
    customer = job.client
    customer.phone = "04 72 00 00 01"
    customer.save()
    login(tablet, live_server, "e2e-manager-log", "secret-pass-123")
    tablet.goto(f"{live_server.url}/interventions/{job.pk}/")
    tablet.get_by_test_id("change-log-links").get_by_role("link", name="client").click()
    expect(tablet.get_by_role("heading", name="Historique des modifications")).to_be_visible()
    row = tablet.get_by_test_id("change-row").first
    expect(row).to_contain_text("04 72 00 00 01")
    screenshot(tablet, "change-log-client-768x1024")
