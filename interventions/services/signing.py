"""Signing: what a signature covers (`report_content`), the two signatures, and the frozen
report (`report_freeze`: snapshot, PDF, SHA-256, figures)."""

import datetime
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import extensions, offline, pdf, workflow
from ..billing import decide, figures_from_snapshot, snapshot_figures
from ..guards import ReportLocked, ensure_editable
from ..models import (
    Intervention,
    InterventionEvent,
    ReportFigures,
    SignedReport,
    Status,
    TechnicianSignature,
)
from ..people import display_name
from ..signatures import clean_signature
from ..snapshot import report_snapshot
from . import emails
from .billing import billing_refresh


def signature_blockers(intervention: Intervention) -> list[str]:
    """What still prevents the report from going to signature, in French sentences.

    Empty list: the technician may hand the tablet to the customer.
    """
    blockers = []
    if not intervention.work_done.strip():
        blockers.append(_("Describe the work done."))
    if not intervention.visits.exists():
        blockers.append(_("Record at least one visit (arrival on site)."))
    elif intervention.visits.filter(left_at__isnull=True).exists():
        blockers.append(_("Record the departure of the visit in progress."))
    for _name, provider in extensions.signature_blockers.items():
        blockers += provider(intervention)
    return blockers


class ReportChanged(ValidationError):
    """The report changed after it was shown for signature: nobody signs unseen content."""


def report_content(intervention: Intervention) -> tuple[dict, str]:
    """What a signature covers, as shown on the sign page, and its fingerprint.

    The content is the report snapshot with the billing decision that will be frozen (the
    stored flags may lag behind an observation or an override until `billing_refresh`), without
    the status, which only the signature itself changes. The sign page carries the fingerprint;
    `report_sign_technician`, `report_sign_customer` and `report_freeze` refuse a different one,
    so what is frozen is, key for key, what the signatories read.
    """
    content = report_snapshot(intervention)
    content["billable"] = {flag: d.billable for flag, d in decide(intervention).items()}
    content = pdf.frozen_copy(content)
    covered = {k: v for k, v in content.items() if k not in ("status", "status_label")}
    return content, pdf.content_fingerprint(covered)


def _ensure_content_shown(intervention: Intervention, shown_sha256: str) -> tuple[dict, str]:
    content, fingerprint = report_content(intervention)
    if shown_sha256 != fingerprint:
        raise ReportChanged(
            _(
                "The report of intervention %(number)s changed after it was shown: "
                "read it again before signing."
            )
            % {"number": intervention.number},
            code="changed",
        )
    return content, fingerprint


def _ensure_awaiting(intervention: Intervention) -> None:
    current = Intervention.objects.only("status", "number").get(pk=intervention.pk)
    ensure_editable(current)
    if current.status != Status.AWAITING_SIGNATURE:
        raise ValidationError(_("Finish the report before signing it."))


def report_sign_technician(
    *,
    intervention: Intervention,
    actor,
    image: str,
    shown_sha256: str,
    signed_on_device_at: datetime.datetime | None = None,
) -> TechnicianSignature:
    """The technician signs the finished report as shown (`report_content` fingerprint); the
    signature is kept, with that fingerprint, until the customer signs the same content.
    `signed_on_device_at`: the tablet's time of a signature made offline (`signed_at` is then
    the time the server received it)."""
    # The status first (as stored: the caller's copy may be stale): an image is decoded only
    # for a job that can be signed. Checked again under the lock below.
    _ensure_awaiting(intervention)
    image = clean_signature(image)
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_editable(locked)
        if locked.status != Status.AWAITING_SIGNATURE:
            raise ValidationError(_("Finish the report before signing it."))
        if locked.technician_id != actor.pk:
            raise ValidationError(_("Only the technician of this intervention can sign it."))
        _ensure_content_shown(locked, shown_sha256)
        TechnicianSignature.objects.filter(intervention=locked).delete()
        signature = TechnicianSignature(
            intervention=locked,
            technician=actor,
            name=display_name(actor),
            image=image,
            content_sha256=shown_sha256,
            signed_at=timezone.now(),
            signed_on_device_at=signed_on_device_at,
        )
        signature.full_clean()
        signature.save()
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.SIGNATURE,
            code=InterventionEvent.Code.TECHNICIAN_SIGNED,
            actor=actor,
        )
    return signature


def report_sign_customer(
    *,
    intervention: Intervention,
    actor,
    signatory_name: str,
    image: str,
    shown_sha256: str,
    stamp: str | None = None,
    signatory_email: str = "",
    signed_on_device_at: datetime.datetime | None = None,
    offline_summary_sha256: str = "",
) -> SignedReport:
    """The customer signs the report as shown to them (`report_content` fingerprint): both
    signatures go into the frozen report (`report_freeze`). Refused (`ReportChanged`) if the
    report changed since it was shown, or since the technician signed it.

    Once committed, the signed PDF is e-mailed to `signatory_email` and to the client's billing
    address (`emails.report_email_after_signature`, a background task).

    `signed_on_device_at`, `offline_summary_sha256`: a signature made offline on the tablet
    (interventions/offline.py): the device's time and the summary's fingerprint are frozen
    with the report, `signed_at` being the time the server received it."""
    signatory_name = signatory_name.strip()
    if not signatory_name:
        raise ValidationError({"signatory_name": _("The signatory's name is required.")})
    signatory_email = (signatory_email or "").strip()
    if signatory_email:
        try:
            validate_email(signatory_email)
        except ValidationError:
            raise ValidationError(
                {"signatory_email": _("Enter a valid e-mail address, e.g. nom@exemple.fr.")}
            ) from None
    ensure_editable(intervention)
    image = clean_signature(image)
    signed_at = timezone.now()
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        try:
            technician = TechnicianSignature.objects.get(intervention=intervention)
        except TechnicianSignature.DoesNotExist:
            raise ValidationError(_("The technician must sign first.")) from None
        if technician.content_sha256 != shown_sha256:
            # A customer's stale page is said first; otherwise `report_freeze` compares the
            # content once, under the same lock.
            _ensure_content_shown(locked, shown_sha256)
            raise ReportChanged(
                _(
                    "The report changed after the technician signed it: "
                    "the technician must read it and sign again."
                ),
                code="changed",
            )
        report = report_freeze(
            intervention=intervention,
            signatures={
                "technician": {
                    "name": technician.name,
                    "signed_at": technician.signed_at.isoformat(),
                    "image": technician.image,
                    **_device_times(technician.signed_on_device_at, technician.signed_at),
                },
                "customer": {
                    "name": signatory_name,
                    "signed_at": signed_at.isoformat(),
                    "image": image,
                    "stamp": stamp or None,
                    **_device_times(signed_on_device_at, signed_at),
                },
            },
            actor=actor,
            signed_at=signed_at,
            shown_sha256=shown_sha256,
            signatory_email=signatory_email,
            signed_on_device_at=signed_on_device_at,
            offline_summary_sha256=offline_summary_sha256,
        )
        InterventionEvent.objects.create(
            intervention=intervention,
            kind=InterventionEvent.Kind.SIGNATURE,
            code=InterventionEvent.Code.CUSTOMER_SIGNED,
            actor=actor,
            data={"sha256": report.sha256, "name": signatory_name},
        )
        emails.report_email_after_signature(report=report, actor=actor)
    return report


def report_freeze(
    *,
    intervention: Intervention,
    signatures: dict,
    actor,
    signed_at: datetime.datetime | None = None,
    shown_sha256: str | None = None,
    signatory_email: str = "",
    signed_on_device_at: datetime.datetime | None = None,
    offline_summary_sha256: str = "",
) -> SignedReport:
    """Issue the report: freeze its snapshot with both signatures, render and store the PDF once
    with its SHA-256, and move the intervention to `signed`. Refused unless awaiting signature.

    `signatures` = {"technician": {"name", "signed_at", "image"}, "customer": {"name",
    "signed_at", "image", "stamp"}} where images are PNG/JPEG data URIs (see snapshot.py).
    `shown_sha256` (the sign page's `report_content` fingerprint) is refused with
    `ReportChanged` if the report no longer reads the same; the signing services always pass it
    (demo data and tests that freeze directly may omit it). All or nothing: a refusal or a
    failed render leaves the intervention awaiting signature with no file written.
    """
    signed_at = signed_at or timezone.now()
    with transaction.atomic():
        # With its client and site, which the signed report's e-mail reads from the report
        # returned (`emails.report_email_after_signature`); only the intervention's row is
        # locked (`of`), not the client's that other jobs share.
        locked = (
            Intervention.objects.select_for_update(of=("self",))
            .select_related("client", "site")
            .get(pk=intervention.pk)
        )
        if locked.status != Status.AWAITING_SIGNATURE:
            raise ReportLocked(
                _("Intervention %(number)s is not awaiting a signature.")
                % {"number": locked.number}
            )
        if shown_sha256 is None:
            snapshot, shown_sha256 = report_content(locked)
        else:
            snapshot, shown_sha256 = _ensure_content_shown(locked, shown_sha256)
        billing_refresh(intervention=locked)
        snapshot["signed_content_sha256"] = shown_sha256
        snapshot["status"] = Status.SIGNED.value
        snapshot["status_label"] = str(Status.SIGNED.label)
        snapshot["signed_at"] = signed_at.isoformat()
        # Stored trimmed and downscaled to their printed size: smaller, faster to render.
        snapshot["signatures"] = pdf.prepare_signatures(signatures)
        snapshot["figures"] = snapshot_figures(figures_from_snapshot(snapshot, locked))
        snapshot = pdf.frozen_copy(snapshot)
        pdf_bytes = pdf.render_report_pdf(snapshot, draft=False)
        report = SignedReport(
            intervention=locked,
            snapshot=snapshot,
            sha256=hashlib.sha256(pdf_bytes).hexdigest(),
            content_sha256=pdf.content_fingerprint(snapshot),
            signed_at=signed_at,
            signatory_email=signatory_email,
            signed_on_device_at=signed_on_device_at,
            offline_summary_sha256=offline_summary_sha256,
        )
        report.pdf.save(f"{locked.number}.pdf", ContentFile(pdf_bytes), save=False)
        try:
            report.save()
            report_figures_record(intervention=locked, snapshot=snapshot)
            workflow.transition(locked, Status.SIGNED, actor=actor)
        except Exception:
            report.pdf.delete(save=False)
            raise
    return report


def report_figures_record(*, intervention: Intervention, snapshot: dict) -> ReportFigures:
    """Copy the frozen report's figures into columns (billing reads them; see billing.py)."""
    facts = figures_from_snapshot(snapshot, intervention)
    return ReportFigures.objects.create(intervention=intervention, **facts.as_figures())


def _device_times(device_at: datetime.datetime | None, received_at: datetime.datetime) -> dict:
    """A signature made offline: its device time and its reception, frozen in the snapshot
    (the PDF prints both)."""
    if device_at is None:
        return {}
    return {"signed_on_device_at": device_at.isoformat(), "received_at": received_at.isoformat()}


def _verify_offline(intervention, actor, summary_sha256: str, who: str, device_at) -> None:
    """What both offline signatures check first: the report still awaits a signature, the
    tablet's time is plausible, and the summary the tablet showed is the report as it is now
    (`offline.offline_summary_verify`, which tells the dispatcher otherwise)."""
    _ensure_awaiting(intervention)
    offline.check_device_time(intervention, device_at)
    offline.offline_summary_verify(
        intervention=intervention,
        actor=actor,
        fingerprint=summary_sha256,
        who=who,
        signed_on_device_at=device_at,
    )


def report_sign_technician_offline(
    *,
    intervention: Intervention,
    actor,
    image: str,
    summary_sha256: str,
    signed_on_device_at: datetime.datetime,
) -> TechnicianSignature:
    """The technician's signature made on the tablet without network, received now: signed
    on the report as it is now if its offline summary is the one the tablet showed
    (`offline.offline_summary_verify`, which tells the dispatcher otherwise)."""
    _verify_offline(intervention, actor, summary_sha256, "technician", signed_on_device_at)
    return report_sign_technician(
        intervention=intervention,
        actor=actor,
        image=image,
        shown_sha256=report_content(intervention)[1],
        signed_on_device_at=signed_on_device_at,
    )


def report_sign_customer_offline(
    *,
    intervention: Intervention,
    actor,
    signatory_name: str,
    image: str,
    summary_sha256: str,
    signed_on_device_at: datetime.datetime,
    stamp: str | None = None,
    signatory_email: str = "",
) -> SignedReport:
    """The customer's signature made on the tablet without network (see
    `report_sign_technician_offline`): frozen through `report_sign_customer` on the report as
    it is now, with the device's time and the summary's fingerprint; the signed PDF is e-mailed
    to `signatory_email` as after an online signature."""
    _verify_offline(intervention, actor, summary_sha256, "customer", signed_on_device_at)
    return report_sign_customer(
        intervention=intervention,
        actor=actor,
        signatory_name=signatory_name,
        image=image,
        stamp=stamp,
        signatory_email=signatory_email,
        shown_sha256=report_content(intervention)[1],
        signed_on_device_at=signed_on_device_at,
        offline_summary_sha256=summary_sha256.strip().lower(),
    )
