"""The signatory's e-mail typed on the tablet without network (templates/interventions/
_offline_sign.html): the server refuses an address the browser let through, in French; the
technician corrects it in the refusal panel and the same signature goes again; the signed report
is e-mailed. Chromium at 768 × 1024 with touch."""

import contextlib

import pytest
from playwright.sync_api import expect

from interventions import roles
from interventions.models import OutgoingEmail, SignedReport, Status
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.offline_helpers import launch_tablet, login_tablet, queued, wait_until_cached
from tests.e2e.test_tablet import draw_with_touch
from tests.factories import UserFactory
from tests.interventions.tablet_helpers import finished_job

PASSWORD = "secret-pass-123"
SHOTS = ARTIFACTS / "offline"
SHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def job_to_sign(db):
    tech = UserFactory(
        username="ines-off", first_name="Inès", last_name="Morel", role=roles.TECHNICIAN
    )
    job = finished_job(tech)
    job.client.email = ""
    job.client.billing_email = ""
    job.client.save()
    return tech, job


def test_an_email_refused_by_the_server_is_corrected_and_the_signature_kept(
    playwright, live_server, job_to_sign, tmp_path
):
    tech, job = job_to_sign
    assert job.status == Status.AWAITING_SIGNATURE
    tablet = launch_tablet(playwright, tmp_path / "tablet")
    page = tablet.new_page()
    login_tablet(page, live_server, "ines-off", PASSWORD)
    wait_until_cached(page)
    tablet.set_offline(True)
    page.goto(f"{live_server.url}/interventions/{job.pk}/sign/")
    expect(page.get_by_test_id("offline-sign")).to_be_visible()
    draw_with_touch(page, page.get_by_test_id("offline-canvas-technician"))
    page.get_by_test_id("offline-technician-sign").tap()
    expect(page.get_by_test_id("offline-technician-signed")).to_be_visible()
    page.get_by_label("Nom du signataire").fill("M. Paul Vial")
    # No guess for this client: the field starts empty. The browser takes « paul@vial »
    # (no dot needed there); the server does not.
    email = page.get_by_test_id("offline-signatory-email")
    expect(email).to_have_accessible_name("E-mail pour recevoir le rapport signé (facultatif)")
    expect(email).to_have_value("")
    email.fill("paul@vial")
    draw_with_touch(page, page.get_by_test_id("offline-canvas-customer"))
    page.get_by_test_id("offline-customer-sign").tap()
    expect(page.get_by_test_id("offline-customer-signed")).to_be_visible()
    assert [e["kind"] for e in queued(page)] == ["sign-technician", "sign-customer"]

    tablet.set_offline(False)
    page.get_by_test_id("offline-send").tap()
    expect(page.get_by_test_id("offline-problem")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("offline-problem-message")).to_have_text(
        "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."
    )
    fix = page.get_by_test_id("offline-fix-email")
    expect(fix).to_have_value("paul@vial")
    job.refresh_from_db()
    assert job.status == Status.AWAITING_SIGNATURE
    page.evaluate("window.scrollTo(0, 0)")
    with contextlib.suppress(OSError):
        page.screenshot(path=str(SHOTS / "offline-sign-email-refused.png"))

    fix.fill("paul.vial@garage-vial.fr")
    page.get_by_test_id("offline-fix").tap()
    expect(page.get_by_test_id("offline-indicator")).to_have_attribute(
        "data-state", "online", timeout=30_000
    )
    assert queued(page) == []
    report = SignedReport.objects.get(intervention=job)
    assert report.signatory_email == "paul.vial@garage-vial.fr"
    assert report.snapshot["signatures"]["customer"]["name"] == "M. Paul Vial"
    assert OutgoingEmail.objects.get(intervention=job).recipients == ["paul.vial@garage-vial.fr"]
    tablet.close()
