"""An amendment to a signed report, signed by the customer on the technician's tablet."""

import pytest
from playwright.sync_api import expect

from interventions import roles
from interventions.models import ReportAmendment
from interventions.services import amendments
from tests.e2e.conftest import login, screenshot
from tests.e2e.test_tablet import PASSWORD, draw_with_touch
from tests.factories import UserFactory
from tests.interventions.billing_helpers import covered_equipment, signed_intervention


@pytest.fixture
def pending_amendment(db):
    karim = UserFactory(
        username="karim-e2e", first_name="Karim", last_name="Haddad", role=roles.TECHNICIAN
    )
    manager = UserFactory(username="claire-e2e", role=roles.MANAGER)
    job = signed_intervention(karim, equipment=covered_equipment(labour=True, travel=True))
    amendment = amendments.amendment_request(
        intervention=job,
        actor=manager,
        changes={"labour": True},
        reason="Intervention un samedi, hors horaires du contrat",
    )
    return job, amendment


def test_customer_signs_the_amendment_on_the_tablet(tablet_page, live_server, pending_amendment):
    page = tablet_page
    job, amendment = pending_amendment
    login(page, live_server, "karim-e2e", PASSWORD)
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")
    page.get_by_role("link", name="Faire signer l'avenant").tap()

    summary = page.get_by_test_id("amendment-summary")
    expect(summary).to_contain_text("Main-d'œuvre")
    expect(summary).to_contain_text("Intervention un samedi, hors horaires du contrat")

    # An empty pad is refused before anything is sent.
    page.get_by_label("Nom du signataire").fill("Mme Claire Roux")
    page.get_by_test_id("amendment-sign").tap()
    expect(page.locator("[data-signature-empty]")).to_be_visible()

    draw_with_touch(page, page.get_by_test_id("signature-canvas-signature"))
    screenshot(page, "tablet-amendment-sign")
    page.get_by_test_id("amendment-sign").tap()
    expect(page.get_by_test_id("locked-banner")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Avenant n°\u00a02 signé. Son PDF est enregistré.")).to_be_visible()

    amendment = ReportAmendment.objects.get(pk=amendment.pk)
    assert amendment.signed_at is not None and len(amendment.sha256) == 64
    signature = amendment.snapshot["amendment"]["signature"]
    assert signature["name"] == "Mme Claire Roux"
    assert signature["image"].startswith("data:image/png;base64,")
    job.refresh_from_db()
    assert job.billable_labour is True

    page.goto(f"{live_server.url}/verify/{job.number}/")
    expect(page.locator("tr[data-version]")).to_have_count(2)
    screenshot(page, "verify-versions")
