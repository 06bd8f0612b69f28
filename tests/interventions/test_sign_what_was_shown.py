"""What is frozen at signature is exactly what the sign page showed. The page carries a
fingerprint of the content it displays; signing with a fingerprint that no longer matches is
refused, nothing is written, and the page shows the new content."""

import re

from django.urls import reverse

from interventions import services
from interventions.models import SignedReport, Status, TechnicianSignature
from tests.interventions.tablet_helpers import drawn_signature, finished_job, shown, shown_on_page

# Written at signature, not shown: the signatures themselves, and the figures billing reads
# (derived from the visits and parts shown).
SIGNATURE_KEYS = {
    "status",
    "status_label",
    "signatures",
    "signed_at",
    "signed_content_sha256",
    "figures",
}


def _sign_page(client, job) -> str:
    return client.get(reverse("interventions-sign", args=[job.pk])).content.decode()


def _customer_post(client, job, fingerprint):
    return client.post(
        reverse("interventions-sign-customer", args=[job.pk]),
        {"signatory_name": "Mme Roux", "signature": drawn_signature(), "shown_sha256": fingerprint},
    )


def test_customer_cannot_sign_a_text_changed_on_another_tablet(client, technician):
    """Tablet A shows the report to the customer; meanwhile tablet B reopens it, rewrites the
    diagnostics, resubmits and the technician signs again. The customer's signature on tablet
    A must not freeze a text they never read."""
    job = finished_job(technician)
    services.report_reopen(intervention=job, actor=technician)
    services.report_update(intervention=job, diagnostics="Bourrage papier.", actor=technician)
    services.report_submit(intervention=job, actor=technician)
    client.force_login(technician)
    client.post(
        reverse("interventions-sign-technician", args=[job.pk]),
        {"signature": drawn_signature(), "shown_sha256": shown_on_page(client, job)},
    )
    page_a = shown_on_page(client, job)

    services.report_reopen(intervention=job, actor=technician)
    services.report_update(intervention=job, diagnostics="Carte mère HS.", actor=technician)
    services.report_submit(intervention=job, actor=technician)
    services.report_sign_technician(
        intervention=job, actor=technician, image=drawn_signature(), shown_sha256=shown(job)
    )

    response = _customer_post(client, job, page_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("interventions-sign", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Status.AWAITING_SIGNATURE
    assert not SignedReport.objects.exists()
    body = client.get(response["Location"]).content.decode()
    assert "a changé après son affichage" in body
    assert "Carte mère HS." in body and "Bourrage papier." not in body

    response = _customer_post(client, job, shown_on_page(client, job))
    assert response.status_code == 302
    report = SignedReport.objects.get(intervention=job)
    assert report.snapshot["diagnostics"] == "Carte mère HS."


def test_billing_decision_changed_after_display_is_not_signed(client, technician, manager):
    """The billable boxes are printed on the PDF: a manager's override while the customer reads
    the tablet changes what they would sign, so the signature is refused."""
    job = finished_job(technician)
    client.force_login(technician)
    client.post(
        reverse("interventions-sign-technician", args=[job.pk]),
        {"signature": drawn_signature(), "shown_sha256": shown_on_page(client, job)},
    )
    fingerprint = shown_on_page(client, job)
    page = _sign_page(client, job)
    assert re.search(r'data-testid="summary-billable">☒ Déplacement &nbsp; ☒ Main-d', page)
    assert '<dt class="col-sm-3">Facturable</dt>' in page

    services.billing_override(
        intervention=job, actor=manager, flag="labour", billable=False, reason="Geste commercial"
    )

    response = _customer_post(client, job, fingerprint)
    assert response.status_code == 302
    assert not SignedReport.objects.exists()
    # The technician signed the old content too: the page asks them to sign again.
    body = _sign_page(client, job)
    assert 'data-testid="technician-sign-again"' in body
    assert 'data-testid="customer-sign"' not in body


def test_customer_signature_refused_when_the_technician_signed_other_content(technician, manager):
    job = finished_job(technician)
    services.report_sign_technician(
        intervention=job, actor=technician, image=drawn_signature(), shown_sha256=shown(job)
    )
    services.billing_override(
        intervention=job, actor=manager, flag="travel", billable=False, reason="Client fidèle"
    )
    try:
        services.report_sign_customer(
            intervention=job,
            actor=technician,
            signatory_name="Mme Roux",
            image=drawn_signature(),
            shown_sha256=shown(job),
        )
    except services.ReportChanged as error:
        assert "technicien doit le relire" in " ".join(error.messages)
    else:
        raise AssertionError("signed content the technician never signed")
    assert not SignedReport.objects.exists()
    assert TechnicianSignature.objects.filter(intervention=job).exists()


def test_frozen_report_reads_as_the_sign_page_showed_it(technician):
    job = finished_job(technician)
    services.report_reopen(intervention=job, actor=technician)
    services.report_update(intervention=job, remarks="Prévoir un onduleur.", actor=technician)
    services.report_submit(intervention=job, actor=technician)
    content, fingerprint = services.report_content(job)
    services.report_sign_technician(
        intervention=job, actor=technician, image=drawn_signature(), shown_sha256=fingerprint
    )
    report = services.report_sign_customer(
        intervention=job,
        actor=technician,
        signatory_name="Mme Roux",
        image=drawn_signature(),
        shown_sha256=fingerprint,
    )
    frozen = {k: v for k, v in report.snapshot.items() if k not in SIGNATURE_KEYS}
    shown_content = {k: v for k, v in content.items() if k not in SIGNATURE_KEYS}
    assert frozen == shown_content
    assert report.snapshot["signed_content_sha256"] == fingerprint
    assert report.snapshot["remarks"] == "Prévoir un onduleur."


def test_a_stale_sign_page_cannot_be_posted_without_its_fingerprint(client, technician):
    job = finished_job(technician)
    client.force_login(technician)
    response = client.post(
        reverse("interventions-sign-technician", args=[job.pk]), {"signature": drawn_signature()}
    )
    assert response.status_code == 400
    assert "Cette page n’est plus à jour" in response.content.decode()
    assert not TechnicianSignature.objects.exists()
