"""The e-mail of the signed report in Chromium at 768 × 1024: the address asked on the sign
page (prefilled from the site's contact, a wrong one refused in French with everything kept),
the e-mail sent after the signature (eager mode: no broker in the tests), the manager's
« E-mails envoyés » page and « Renvoyer le rapport »."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from interventions import roles, services
from interventions.models import OutgoingEmail
from tests.e2e.conftest import login, screenshot
from tests.e2e.test_tablet import draw_with_touch
from tests.factories import SiteFactory, UserFactory
from tests.interventions.tablet_helpers import drawn_signature, finished_job, shown

PASSWORD = "secret-pass-123"


@pytest.fixture
def job_to_sign(db):
    karim = UserFactory(
        username="karim-mail", first_name="Karim", last_name="Haddad", role=roles.TECHNICIAN
    )
    job = finished_job(karim)
    services.report_reopen(intervention=job, actor=karim)
    client = job.client
    client.name = "Garage Vial"
    client.billing_email = "compta@garage-vial.fr"
    client.save()
    job.site = SiteFactory(
        client=client,
        label="Atelier",
        contact_name="Mme Roux",
        contact_email="atelier@garage-vial.fr",
    )
    job.save()
    services.report_submit(intervention=job, actor=karim)
    services.report_sign_technician(
        intervention=job, shown_sha256=shown(job), actor=karim, image=drawn_signature()
    )
    return karim, job


def test_the_customer_gets_the_signed_report_by_email(tablet, live_server, job_to_sign):
    page = tablet
    karim, job = job_to_sign
    login(page, live_server, "karim-mail", PASSWORD)
    page.goto(f"{live_server.url}/interventions/{job.pk}/sign/")
    field = page.get_by_label("E-mail pour recevoir le rapport signé (facultatif)")
    expect(field).to_have_value("atelier@garage-vial.fr")
    field.scroll_into_view_if_needed()
    screenshot(page, "celery-sign-email-prefilled")

    page.get_by_label("Nom du signataire").fill("Mme Roux")
    field.fill("m.roux@")
    draw_with_touch(page, page.get_by_test_id("signature-canvas-signature"))
    page.get_by_test_id("signatory-email").scroll_into_view_if_needed()
    screenshot(page, "celery-sign-email-field")
    page.get_by_test_id("customer-sign").tap()

    # The browser's own check is off (novalidate): the server says it, in French.
    expect(page.get_by_test_id("signatory-email-error")).to_have_text(
        "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."
    )
    expect(page.get_by_label("Nom du signataire")).to_have_value("Mme Roux")
    expect(field).to_have_value("m.roux@")
    # The signature drawn is kept (shown behind the pad, sent again with the form).
    kept = page.locator("input[type=hidden][name=signature]").input_value()
    assert kept.startswith("data:image/png;base64,")
    field.scroll_into_view_if_needed()
    screenshot(page, "celery-sign-email-error")
    assert OutgoingEmail.objects.count() == 0

    field.fill("m.roux@garage-vial.fr")
    page.get_by_test_id("customer-sign").tap()
    page.wait_for_url(re.compile(r"/work/$"))
    email = OutgoingEmail.objects.get(intervention=job)
    assert email.state == OutgoingEmail.State.SENT
    assert sorted(m.to[0] for m in mail.outbox) == [
        "compta@garage-vial.fr",
        "m.roux@garage-vial.fr",
    ]

    boss = UserFactory(username="claire-mail", role=roles.MANAGER)
    assert boss.pk
    page.context.clear_cookies()
    login(page, live_server, "claire-mail", PASSWORD)
    page.goto(f"{live_server.url}/interventions/{job.pk}/")
    emails = page.get_by_test_id("intervention-emails")
    expect(emails).to_contain_text("Envoyé")
    expect(emails).to_contain_text("m.roux@garage-vial.fr, compta@garage-vial.fr")
    emails.scroll_into_view_if_needed()
    screenshot(page, "celery-detail-emails")
    page.get_by_test_id("report-resend").tap()
    expect(page.get_by_text("Le rapport signé va être renvoyé par e-mail.")).to_be_visible()
    assert OutgoingEmail.objects.filter(intervention=job).count() == 2
    assert len(mail.outbox) == 4

    OutgoingEmail.objects.create(
        kind=OutgoingEmail.Kind.SIGNED_REPORT,
        intervention=job,
        recipients=["ancienne@garage-vial.fr"],
        subject="Rapport d'intervention signé",
        body="…",
        state=OutgoingEmail.State.FAILED,
        attempts=6,
        last_error="Le serveur de messagerie a refusé la connexion (smtp.infodepann.example:587).",
    )
    page.get_by_test_id("emails-link").tap()
    expect(page.get_by_test_id("email-list").locator("tbody tr")).to_have_count(3)
    page.get_by_label("État").select_option("failed")
    page.get_by_role("button", name="Filtrer").tap()
    expect(page.get_by_test_id("email-list").locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id("email-error")).to_contain_text("a refusé la connexion")
    page.get_by_label("État").select_option("")
    page.get_by_role("button", name="Filtrer").tap()
    expect(page.get_by_test_id("email-list").locator("tbody tr")).to_have_count(3)
    screenshot(page, "celery-emails-page")
    page.get_by_test_id("email-list").get_by_role("button", name="Renvoyer").first.tap()
    expect(page.get_by_text("L’e-mail va être renvoyé.")).to_be_visible()
    expect(page.get_by_test_id("email-list").locator("tbody tr")).to_have_count(4)
