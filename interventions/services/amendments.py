"""Amendments to a signed report: after signature, billing follows the signed report.

Once the customer has signed, `Intervention.billable_*` follow the latest signed version of the
report (`selectors.latest_signed_version`):

* a manager may still *waive* an item that version marks billable (a commercial gesture, with a
  reason: `services.billing_override`), or take the waiver back;
* making billable an item that version marks *not* billable needs an amendment: a manager
  requests it (`amendment_request`: the items and why), the customer signs it (on the
  technician's tablet, or later with a manager: `amendment_sign`). Signing renders a new PDF
  (version 2, 3, …) from the previous version's snapshot with the new `billable` and an
  "amendment" section, stores it with its own SHA-256 and content fingerprint, then applies the
  new flags. The original `SignedReport` is never touched and stays verifiable; the public
  verify page and the `verify_report` command list every version.

Only the changed items are applied at signature: a waiver granted earlier on another item stays.
The new flags are recorded as overrides marked with the amendment's version, so that
`billing.decide()` (override, else proposal) keeps giving what is billed, with the reason.
"""

import copy
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import pdf
from ..billing import FLAGS, flag_label
from ..models import Intervention, InterventionEvent, ReportAmendment, Status
from ..people import display_name
from ..selectors import latest_signed_version
from ..signatures import clean_signature
from .billing import _apply_signed_billing


def _ensure_amendable(intervention: Intervention) -> None:
    if intervention.status == Status.BILLED:
        raise ValidationError(
            _("Intervention %(number)s is already billed: its report can no longer be amended.")
            % {"number": intervention.number}
        )
    if intervention.status != Status.SIGNED:
        raise ValidationError(
            _(
                "Intervention %(number)s is not signed: change the billing decision directly, "
                "no amendment is needed."
            )
            % {"number": intervention.number}
        )


def amendment_request(
    *, intervention: Intervention, actor, changes: dict[str, bool], reason: str
) -> ReportAmendment:
    """A manager asks to make billable items the latest signed version marks not billable.

    `changes` = {flag: True, …}. Refused unless the intervention is signed (not billed), with a
    reason, at least one item, only items not billable in the latest signed version, and no
    other amendment awaiting signature. The amendment is pending until the customer signs.
    """
    reason = (reason or "").strip()
    unknown = set(changes) - set(FLAGS)
    if unknown:
        raise ValidationError({"items": _("Unknown billing item.")})
    if not reason:
        raise ValidationError({"reason": _("Say why the report is amended.")})
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        _ensure_amendable(locked)
        if ReportAmendment.objects.filter(intervention=locked, signed_at__isnull=True).exists():
            raise ValidationError(_("An amendment is already awaiting the customer's signature."))
        signed = latest_signed_version(locked)
        signed_flags = signed.snapshot["billable"]
        recorded = {}
        for flag in FLAGS:
            if flag not in changes:
                continue
            if not changes[flag]:
                raise ValidationError(
                    {
                        "items": _(
                            "An amendment makes items billable; to stop billing “%(item)s”, "
                            "waive it in the billing decision."
                        )
                        % {"item": flag_label(flag)}
                    }
                )
            if signed_flags.get(flag):
                raise ValidationError(
                    {
                        "items": _("“%(item)s” is already billable in the signed report.")
                        % {"item": flag_label(flag)}
                    }
                )
            recorded[flag] = {"from": bool(signed_flags.get(flag)), "to": True}
        if not recorded:
            raise ValidationError({"items": _("Choose at least one item to make billable.")})
        version = signed.version + 1
        amendment = ReportAmendment(
            intervention=locked,
            amends=locked.signed_report,
            version=version,
            changes=recorded,
            reason=reason,
            requested_by=actor,
            requested_at=timezone.now(),
        )
        amendment.full_clean()
        amendment.save()
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.BILLING,
            code=InterventionEvent.Code.AMENDMENT_REQUESTED,
            actor=actor,
            note=reason,
            data={"amendment": version, "changes": recorded},
        )
    return amendment


def amendment_snapshot(
    *, base, amendment: ReportAmendment, signatory_name: str, image: str, signed_at
) -> dict:
    """The snapshot of the new version: the previous signed version's snapshot with `billable`
    changed, plus an "amendment" section (what changed, why, on which version, the customer's
    new signature). The original signatures stay: they signed the rest of the report."""
    snapshot = copy.deepcopy(base.snapshot)
    snapshot.pop("amendment", None)
    billable = dict(snapshot.get("billable") or {})
    for flag, change in amendment.changes.items():
        billable[flag] = change["to"]
    snapshot["billable"] = billable
    requested_by = amendment.requested_by
    signature = pdf.prepare_signatures(
        {"customer": {"name": signatory_name, "signed_at": signed_at.isoformat(), "image": image}}
    )["customer"]
    snapshot["amendment"] = {
        "version": amendment.version,
        "amends": {
            "number": snapshot.get("number", ""),
            "version": base.version,
            "sha256": base.sha256,
            "content_sha256": base.content_sha256,
        },
        "changes": amendment.changes,
        "reason": amendment.reason,
        "requested_by": display_name(requested_by),
        "requested_at": amendment.requested_at.isoformat(),
        "signature": signature,
        "signed_at": signed_at.isoformat(),
    }
    return pdf.frozen_copy(snapshot)


def amendment_sign(
    *, amendment: ReportAmendment, actor, signatory_name: str, image: str
) -> ReportAmendment:
    """The customer signs the pending amendment: freeze its snapshot, render and store its PDF
    with its SHA-256 and content fingerprint, then apply the new billable flags — all in one
    transaction (either fully signed with its PDF stored, or nothing changed)."""
    signatory_name = (signatory_name or "").strip()
    if not signatory_name:
        raise ValidationError({"signatory_name": _("The signatory's name is required.")})
    image = clean_signature(image)
    signed_at = timezone.now()
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=amendment.intervention_id)
        pending = ReportAmendment.objects.select_for_update().get(pk=amendment.pk)
        if pending.signed_at is not None:
            raise ValidationError(_("This amendment is already signed."))
        _ensure_amendable(locked)
        base = latest_signed_version(locked)
        snapshot = amendment_snapshot(
            base=base,
            amendment=pending,
            signatory_name=signatory_name,
            image=image,
            signed_at=signed_at,
        )
        pdf_bytes = pdf.render_report_pdf(snapshot, draft=False)
        pending.snapshot = snapshot
        pending.sha256 = hashlib.sha256(pdf_bytes).hexdigest()
        pending.content_sha256 = pdf.content_fingerprint(snapshot)
        pending.signed_at = signed_at
        pending.pdf.save(
            f"{locked.number}-v{pending.version}.pdf", ContentFile(pdf_bytes), save=False
        )
        try:
            pending.save()
            overrides = dict(locked.billing_overrides or {})
            for flag, change in pending.changes.items():
                overrides[flag] = {
                    "value": change["to"],
                    "reason": pending.reason,
                    "by": pending.requested_by.get_username() if pending.requested_by else "",
                    "at": signed_at.isoformat(),
                    "amendment": pending.version,
                }
            locked.billing_overrides = overrides
            _apply_signed_billing(
                locked,
                {flag: change["to"] for flag, change in pending.changes.items()},
                reason=pending.reason,
            )
            InterventionEvent.objects.create(
                intervention=locked,
                kind=InterventionEvent.Kind.SIGNATURE,
                code=InterventionEvent.Code.AMENDMENT_SIGNED,
                actor=actor,
                data={
                    "amendment": pending.version,
                    "name": signatory_name,
                    "sha256": pending.sha256,
                    "changes": pending.changes,
                },
            )
        except Exception:
            pending.pdf.delete(save=False)
            raise
    amendment.refresh_from_db()
    return amendment
