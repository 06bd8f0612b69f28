"""After signature, billing follows the signed report.

A manager may waive an item the signed report marks billable; making billable an item it marks
not billable needs an amendment (a new version, signed again by the customer, own PDF and hash).
"""

import csv
import html
import io
import re
import subprocess
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from interventions import selectors, services
from interventions.models import (
    BillingRates,
    InterventionEvent,
    ReportAmendment,
    SignedReport,
)
from interventions.services import amendments
from interventions.verification import report_check

from .billing_helpers import covered_equipment, signed_intervention
from .integrity_helpers import triggers_off
from .tablet_helpers import drawn_signature


@pytest.fixture
def rates(db):
    return BillingRates.objects.update_or_create(
        pk=1,
        defaults={
            "hourly_rate": Decimal("60"),
            "travel_per_km": Decimal("0.50"),
            "travel_flat_fee": Decimal("15"),
            "vat_rate": Decimal("20"),
        },
    )[0]


@pytest.fixture
def job(technician, rates):
    """Like the demo's 2026-00005: a contract covering labour and travel, signed; the report
    prints labour and travel not billable, parts billable. 90 min on site, 24 km, 1 visit,
    2 parts at 50.00."""
    return signed_intervention(technician, equipment=covered_equipment(labour=True, travel=True))


def export_row(client, number):
    response = client.get(reverse("interventions-billing-export", args=["csv"]))
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    header = rows[0]
    found = [dict(zip(header, row, strict=True)) for row in rows[1:] if row[0] == number]
    assert len(found) == 1
    return found[0]


def pdf_text(path) -> str:
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.replace("\u00a0", " ")


def request_labour(job, manager, reason="Main-d'œuvre hors contrat : intervention le samedi"):
    return amendments.amendment_request(
        intervention=job, actor=manager, changes={"labour": True}, reason=reason
    )


def sign(amendment, actor, name="Mme Roux", image=None):
    return amendments.amendment_sign(
        amendment=amendment,
        actor=actor,
        signatory_name=name,
        image=drawn_signature() if image is None else image,
    )


# --- the observation ---------------------------------------------------------------------------


def test_override_cannot_bill_what_the_signed_report_says_is_not_billable(job, manager, client):
    assert job.signed_report.snapshot["billable"] == {
        "travel": False,
        "labour": False,
        "parts": True,
    }
    with pytest.raises(ValidationError) as excinfo:
        services.billing_override(
            intervention=job, actor=manager, flag="labour", billable=True, reason="Oubli"
        )
    assert "avenant" in " ".join(excinfo.value.messages)
    job.refresh_from_db()
    assert job.billable_labour is False and job.billing_overrides == {}
    assert not InterventionEvent.objects.filter(intervention=job, kind="billing").exists()
    client.force_login(manager)
    row = export_row(client, job.number)
    assert row["Main-d'œuvre HT"] == "0,00"  # an amount keeps its two decimals
    assert row["Total HT"] == "100,00"


def test_override_from_the_page_is_refused_with_a_french_message(job, manager, client):
    client.force_login(manager)
    response = client.post(
        reverse("interventions-billing-override", args=[job.pk]),
        {"flag": "labour", "billable": "1", "reason": "Oubli"},
        follow=True,
    )
    page = html.unescape(response.content.decode())
    assert "marque «\u00a0Main-d'œuvre\u00a0» comme non facturable" in page
    assert "Demander un avenant" in page
    job.refresh_from_db()
    assert job.billable_labour is False


def test_waiver_of_a_billable_item_after_signature_is_allowed_with_reason_and_event(
    job, manager, client
):
    services.billing_override(
        intervention=job, actor=manager, flag="parts", billable=False, reason="Geste commercial"
    )
    job.refresh_from_db()
    assert job.billable_parts is False
    event = InterventionEvent.objects.get(intervention=job, kind="billing")
    assert event.actor == manager and event.note == "Geste commercial"
    assert event.data["flag"] == "parts" and event.data["from"] is True
    assert event.data["to"] is False
    client.force_login(manager)
    assert export_row(client, job.number)["Total HT"] == "0,00"
    # Taking the waiver back bills what the signed report says again.
    services.billing_override(
        intervention=job, actor=manager, flag="parts", billable=True, reason="Geste annulé"
    )
    job.refresh_from_db()
    assert job.billable_parts is True


def test_waiver_needs_a_reason(job, manager):
    with pytest.raises(ValidationError):
        services.billing_override(
            intervention=job, actor=manager, flag="parts", billable=False, reason="  "
        )
    job.refresh_from_db()
    assert job.billable_parts is True


def test_before_signature_the_override_works_as_before(technician, manager, rates):
    job = signed_intervention(
        technician,
        equipment=covered_equipment(labour=True),
        manager_override=("labour", True, "Intervention le samedi"),
    )
    assert job.billable_labour is True
    assert job.signed_report.snapshot["billable"]["labour"] is True


# --- the amendment -----------------------------------------------------------------------------


def test_amendment_signed_gives_a_new_version_and_billing_follows_it(
    job, manager, technician, client
):
    original = SignedReport.objects.get(intervention=job)
    original_values = (original.sha256, original.content_sha256, original.snapshot)
    original_bytes = original.pdf.read()

    amendment = request_labour(job, manager)
    assert amendment.version == 2 and amendment.signed_at is None
    assert amendment.changes == {"labour": {"from": False, "to": True}}
    job.refresh_from_db()
    assert job.billable_labour is False  # nothing billed before the customer signs

    amendment = sign(amendment, technician)
    assert amendment.signed_at is not None
    assert amendment.amends == original
    assert len(amendment.sha256) == 64 and amendment.sha256 != original.sha256
    assert amendment.snapshot["billable"] == {"travel": False, "labour": True, "parts": True}
    section = amendment.snapshot["amendment"]
    assert section["version"] == 2
    assert section["amends"] == {
        "number": job.number,
        "version": 1,
        "sha256": original.sha256,
        "content_sha256": original.content_sha256,
    }
    assert section["changes"] == {"labour": {"from": False, "to": True}}
    assert section["reason"] == "Main-d'œuvre hors contrat : intervention le samedi"
    assert section["signature"]["name"] == "Mme Roux"
    assert section["signature"]["image"].startswith("data:image/png;base64,")
    assert report_check(amendment).intact

    text = pdf_text(amendment.pdf.path)
    assert f"Avenant n° 2 au rapport {job.number}" in text
    assert original.content_sha256 in text
    assert "Main-d'œuvre : non facturable → facturable" in text
    assert "intervention le samedi" in text
    assert amendment.content_sha256 in text  # the footer's fingerprint is its own

    original.refresh_from_db()
    assert (original.sha256, original.content_sha256, original.snapshot) == original_values
    assert original.pdf.read() == original_bytes
    assert report_check(original).intact

    job.refresh_from_db()
    assert job.billable_labour is True
    assert selectors.latest_signed_version(job) == amendment
    event = InterventionEvent.objects.filter(intervention=job, kind="signature").last()
    assert event.data["amendment"] == 2 and event.data["sha256"] == amendment.sha256

    # 90 min × 60.00 = 90.00 labour; parts 2 × 50.00 = 100.00; travel still covered.
    client.force_login(manager)
    row = export_row(client, job.number)
    assert row["Version du rapport"] == "2"
    assert row["Main-d'œuvre HT"] == "90,00"
    assert row["Total HT"] == "190,00"
    assert row["TVA"] == "38,00"
    assert row["Total TTC"] == "228,00"


def test_a_waiver_granted_before_the_amendment_stays(job, manager, technician):
    services.billing_override(
        intervention=job, actor=manager, flag="parts", billable=False, reason="Geste commercial"
    )
    sign(request_labour(job, manager), technician)
    job.refresh_from_db()
    assert (job.billable_travel, job.billable_labour, job.billable_parts) == (False, True, False)


def test_waiver_after_the_amendment_and_second_amendment(job, manager, technician):
    sign(request_labour(job, manager), technician)
    services.billing_override(
        intervention=job, actor=manager, flag="labour", billable=False, reason="Geste"
    )
    job.refresh_from_db()
    assert job.billable_labour is False
    # Labour is billable in version 2: taking the waiver back needs no amendment.
    services.billing_override(
        intervention=job, actor=manager, flag="labour", billable=True, reason="Geste annulé"
    )
    # Travel is still not billable in version 2.
    with pytest.raises(ValidationError):
        services.billing_override(
            intervention=job, actor=manager, flag="travel", billable=True, reason="Oubli"
        )
    third = amendments.amendment_request(
        intervention=job, actor=manager, changes={"travel": True}, reason="Déplacement hors zone"
    )
    third = sign(third, manager, name="M. Petit")
    assert third.version == 3
    assert third.snapshot["amendment"]["amends"]["version"] == 2
    assert third.snapshot["billable"] == {"travel": True, "labour": True, "parts": True}
    job.refresh_from_db()
    assert (job.billable_travel, job.billable_labour, job.billable_parts) == (True, True, True)
    assert [v.version for v in selectors.report_versions(job)] == [1, 2, 3]


@pytest.mark.parametrize(
    "changes,reason,message",
    [
        ({"labour": True}, "  ", "Dites pourquoi le rapport est modifié par un avenant."),
        ({}, "Oubli", "Choisissez au moins un élément à rendre facturable."),
        (
            {"parts": True},
            "Oubli",
            "«\u00a0Pièces\u00a0» est déjà facturable dans le rapport signé.",
        ),
        (
            {"parts": False},
            "Oubli",
            "Un avenant rend des éléments facturables\u00a0; "
            "pour ne plus facturer «\u00a0Pièces\u00a0»",
        ),
    ],
)
def test_amendment_request_errors_in_french(job, manager, changes, reason, message):
    with pytest.raises(ValidationError) as excinfo:
        amendments.amendment_request(
            intervention=job, actor=manager, changes=changes, reason=reason
        )
    assert message in " ".join(excinfo.value.messages)
    assert not ReportAmendment.objects.exists()


def test_no_amendment_on_an_unsigned_or_billed_intervention(job, manager, technician):
    from tests.factories import make_intervention

    with pytest.raises(ValidationError) as excinfo:
        request_labour(make_intervention(), manager)
    assert "n'est pas signée" in " ".join(excinfo.value.messages)
    services.interventions_mark_billed(pks=[job.pk], actor=manager)
    with pytest.raises(ValidationError) as excinfo:
        request_labour(job, manager)
    assert "déjà facturée" in " ".join(excinfo.value.messages)
    assert not ReportAmendment.objects.exists()


def test_one_pending_amendment_at_a_time(job, manager):
    request_labour(job, manager)
    with pytest.raises(ValidationError) as excinfo:
        amendments.amendment_request(
            intervention=job, actor=manager, changes={"travel": True}, reason="Autre"
        )
    assert "Un avenant attend déjà la signature du client." in excinfo.value.messages
    assert ReportAmendment.objects.count() == 1


@pytest.mark.parametrize(
    "name,image,message",
    [
        ("Mme Roux", "", "La signature est vide"),
        ("Mme Roux", drawn_signature(ink=False), "La signature est vide"),
        ("  ", None, "Le nom du signataire est obligatoire."),
    ],
)
def test_amendment_sign_errors_write_nothing(job, manager, technician, name, image, message):
    amendment = request_labour(job, manager)
    with pytest.raises(ValidationError) as excinfo:
        sign(amendment, technician, name=name, image=image)
    assert message in " ".join(excinfo.value.messages)
    amendment.refresh_from_db()
    assert amendment.signed_at is None and not amendment.pdf and amendment.sha256 == ""
    job.refresh_from_db()
    assert job.billable_labour is False


def test_amendment_sign_is_atomic_when_the_pdf_fails(job, manager, technician, monkeypatch):
    amendment = request_labour(job, manager)

    def broken(*args, **kwargs):
        raise RuntimeError("WeasyPrint crashed")

    monkeypatch.setattr("interventions.pdf.render_report_pdf", broken)
    with pytest.raises(RuntimeError):
        sign(amendment, technician)
    amendment.refresh_from_db()
    assert amendment.signed_at is None and amendment.sha256 == ""
    job.refresh_from_db()
    assert job.billable_labour is False and job.billing_overrides == {}


def test_amendment_sign_is_atomic_when_the_last_write_fails(
    job, manager, technician, monkeypatch, settings
):
    """Everything is written or nothing: the flags, the signed row, the stored PDF file."""
    amendment = request_labour(job, manager)

    class Broken:
        Kind = InterventionEvent.Kind
        Code = InterventionEvent.Code

        class objects:  # noqa: N801 - stands in for the model manager
            @staticmethod
            def create(**kwargs):
                raise RuntimeError("database went away")

    monkeypatch.setattr(amendments, "InterventionEvent", Broken)
    with pytest.raises(RuntimeError):
        sign(amendment, technician)
    amendment.refresh_from_db()
    assert amendment.signed_at is None and amendment.sha256 == "" and not amendment.pdf
    job.refresh_from_db()
    assert job.billable_labour is False and job.billing_overrides == {}
    stored = sorted(p.name for p in (settings.MEDIA_ROOT / "reports").rglob("*.pdf"))
    assert stored == [f"{job.number}.pdf"]


def test_signed_amendment_is_frozen(job, manager, technician):
    amendment = sign(request_labour(job, manager), technician)
    amendment.reason = "Autre motif"
    with pytest.raises(ValidationError):
        amendment.save()
    with pytest.raises(ValidationError):
        amendment.delete()
    with pytest.raises(ValidationError):
        sign(ReportAmendment.objects.get(pk=amendment.pk), technician)


def test_verify_report_command_reports_every_version(job, manager, technician):
    amendment = sign(request_labour(job, manager), technician)
    out = io.StringIO()
    call_command("verify_report", job.number, stdout=out)
    text = out.getvalue()
    assert "version 1" in text and "version 2" in text
    assert amendment.sha256 in text and job.signed_report.sha256 in text
    assert text.count("INTACT") == 2


# --- pages -------------------------------------------------------------------------------------


def test_manager_requests_an_amendment_from_the_detail_page(job, manager, client):
    client.force_login(manager)
    detail = reverse("interventions-detail", args=[job.pk])
    page = client.get(detail).content.decode()
    assert "Demander un avenant" in page
    url = reverse("interventions-amendment-request", args=[job.pk])

    response = client.post(url, {"items": ["labour"], "reason": "  "})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Dites pourquoi le rapport est modifié par un avenant." in page
    assert re.search(r'value="labour"[^>]*checked', page)
    assert not re.search(r'value="travel"[^>]*checked', page)
    response = client.post(url, {"reason": "Intervention le samedi"})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "Choisissez au moins un élément à rendre facturable." in page
    assert "Intervention le samedi</textarea>" in page
    assert not ReportAmendment.objects.exists()

    response = client.post(url, {"items": ["labour"], "reason": "Intervention le samedi"})
    assert response.status_code == 302
    amendment = ReportAmendment.objects.get()
    assert amendment.version == 2 and amendment.requested_by == manager
    assert amendment.changes == {"labour": {"from": False, "to": True}}
    page = html.unescape(client.get(detail).content.decode())
    assert "L'avenant n°\u00a02 attend la signature du client\u00a0: Intervention le samedi" in page
    assert reverse("interventions-amendment-sign", args=[job.pk]) in page
    assert "Demander un avenant" not in page  # one pending at a time


def test_amendment_form_offers_only_items_not_billable_in_the_signed_report(job, manager, client):
    client.force_login(manager)
    form = client.get(reverse("interventions-detail", args=[job.pk])).context["amendment_form"]
    assert [value for value, _label in form.fields["items"].choices] == ["travel", "labour"]


@pytest.mark.parametrize("who", ["dispatcher", "technician"])
def test_only_managers_request_amendments(job, client, request, who):
    client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("interventions-amendment-request", args=[job.pk]),
        {"items": ["labour"], "reason": "Oubli"},
    )
    assert response.status_code == 403
    assert not ReportAmendment.objects.exists()


def test_technician_has_the_amendment_signed_on_the_tablet(job, manager, technician, client):
    request_labour(job, manager, reason="Intervention le samedi")
    client.force_login(technician)
    work = client.get(reverse("interventions-work", args=[job.pk])).content.decode()
    url = reverse("interventions-amendment-sign", args=[job.pk])
    assert url in work
    page = html.unescape(client.get(url).content.decode())
    assert "Avenant n°\u00a02 au rapport " + job.number in page
    assert "Main-d'œuvre" in page and "non facturable" in page
    assert "Intervention le samedi" in page
    assert 'data-testid="signature-canvas-signature"' in page

    response = client.post(url, {"signatory_name": "Mme Roux", "signature": ""})
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert "La signature est vide" in page
    assert 'value="Mme Roux"' in page
    assert ReportAmendment.objects.get().signed_at is None

    response = client.post(url, {"signatory_name": "Mme Roux", "signature": drawn_signature()})
    assert response.status_code == 302
    assert response.url == reverse("interventions-work", args=[job.pk])
    amendment = ReportAmendment.objects.get()
    assert amendment.signed_at is not None
    assert amendment.snapshot["amendment"]["signature"]["name"] == "Mme Roux"
    job.refresh_from_db()
    assert job.billable_labour is True


def test_manager_has_the_amendment_signed_later(job, manager, client):
    request_labour(job, manager)
    client.force_login(manager)
    url = reverse("interventions-amendment-sign", args=[job.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"signatory_name": "M. Petit", "signature": drawn_signature()})
    assert response.status_code == 302
    assert response.url == reverse("interventions-detail", args=[job.pk])
    assert ReportAmendment.objects.get().signed_at is not None


def test_amendment_sign_page_access(job, manager, other_technician, dispatcher, client):
    request_labour(job, manager)
    url = reverse("interventions-amendment-sign", args=[job.pk])
    client.force_login(other_technician)
    assert client.get(url).status_code == 404
    assert client.post(
        url, {"signatory_name": "X", "signature": drawn_signature()}
    ).status_code == (404)
    client.force_login(dispatcher)
    assert client.get(url).status_code == 403
    assert ReportAmendment.objects.get().signed_at is None


def test_each_version_pdf_is_downloaded_byte_for_byte(job, manager, technician, client):
    amendment = sign(request_labour(job, manager), technician)
    client.force_login(manager)

    def download(version):
        url = reverse("interventions-report-version-pdf", args=[job.pk, version])
        return client.get(url)

    assert b"".join(download(1).streaming_content) == job.signed_report.pdf.read()
    assert b"".join(download(2).streaming_content) == amendment.pdf.read()
    assert download(3).status_code == 404
    page = client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
    assert reverse("interventions-report-version-pdf", args=[job.pk, 2]) in page


def test_verify_page_lists_the_versions(job, manager, technician, client):
    amendment = sign(request_labour(job, manager, reason="Intervention le samedi"), technician)
    response = client.get(reverse("reports-verify", args=[job.number]))
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert page.count('<tr data-version="') == 2
    assert job.signed_report.content_sha256 in page
    assert amendment.content_sha256 in page
    assert "rapport d'origine" in page and "avenant n°\u00a02" in page
    assert "Main-d'œuvre → facturable" in page and "Intervention le samedi" in page
    assert page.count(">intact<") == 2
    assert "Intact." in page


def test_verify_page_flags_an_altered_amendment(job, manager, technician, client):
    amendment = sign(request_labour(job, manager), technician)
    snapshot = dict(amendment.snapshot, remarks="ajouté après coup")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportAmendment.objects.filter(pk=amendment.pk).update(snapshot=snapshot)
    with triggers_off():  # what only a database superuser could do
        ReportAmendment.objects.filter(pk=amendment.pk).update(snapshot=snapshot)
    page = html.unescape(client.get(reverse("reports-verify", args=[job.number])).content.decode())
    assert "Altéré\u00a0!" in page
    assert page.count(">intact<") == 1 and page.count(">altéré<") == 1
