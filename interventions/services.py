"""Every write that matters on an intervention goes through here (status: `workflow`)."""

import datetime
import hashlib
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Client, Contract, Equipment, Site
from clients.selectors import active_contract_for

from . import workflow
from .guards import Change, ReportLocked, ensure_can_write
from .models import (
    BillingRates,
    Channel,
    ContractRates,
    IntegrityPermit,
    Intervention,
    InterventionCounter,
    InterventionEvent,
    Outcome,
    Part,
    PartUsed,
    Priority,
    Relation,
    ReportFigures,
    SignedReport,
    Status,
    TechnicianSignature,
    Visit,
)
from .people import display_name
from .sla import response_deadline


def ensure_editable(intervention: Intervention) -> None:
    """The job is still handled (not signed, billed nor cancelled): see `guards.WRITABLE`."""
    ensure_can_write(intervention, Change.HANDLING)


def ensure_report_open(intervention: Intervention) -> None:
    """What the report shows may be written (see `guards.WRITABLE`): call it on the locked row."""
    ensure_can_write(intervention, Change.REPORT)


def _take_number(year: int) -> tuple[int, str]:
    """Next number of `year`, inside the caller's transaction.

    Gap-free: the counter row stays locked until commit, and a rollback gives the number back.
    """
    InterventionCounter.objects.bulk_create(
        [InterventionCounter(year=year, last_number=0)], ignore_conflicts=True
    )
    counter = InterventionCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number, f"{year}-{counter.last_number:05d}"


def entitlement_snapshot(
    *,
    client: Client,
    equipment: Equipment | None,
    day: datetime.date,
    contract: Contract | None = None,
) -> dict:
    """What the customer is entitled to on `day`: contract (as a snapshot) and warranty.

    `contract` imposes the contract (a planned visit of this contract) instead of looking it up.
    """
    if contract is None:
        contract = active_contract_for(client, equipment, day)
    under_warranty = bool(equipment and equipment.under_warranty_on(day))
    return {
        "contract": contract,
        "contract_snapshot": contract.snapshot() if contract else {},
        "under_contract": contract is not None,
        "under_warranty": under_warranty,
        "warranty_until": equipment.warranty_until if equipment else None,
    }


def intervention_create(
    *,
    client: Client,
    object: str,
    actor=None,
    site: Site | None = None,
    equipment: Equipment | None = None,
    caller_name: str = "",
    caller_phone: str = "",
    channel: str = Channel.PHONE,
    priority: int = Priority.NORMAL,
    requested_at: datetime.datetime | None = None,
    parent: Intervention | None = None,
    relation: str = Relation.NONE,
    contract: Contract | None = None,
    planned_tasks: str = "",
) -> Intervention:
    """Open a ticket: number it, record what the customer is entitled to at the time of the call,
    and set the response deadline (contract's response time in business hours; none for a
    planned visit, which is scheduled, not answered)."""
    requested_at = requested_at or timezone.now()
    if equipment is not None and site is None:
        site = equipment.site
    entitlement = entitlement_snapshot(
        client=client, equipment=equipment, day=timezone.localdate(requested_at), contract=contract
    )
    deadline_at = None
    if entitlement["contract"] is not None and channel != Channel.PLANNED:
        deadline_at = response_deadline(requested_at, entitlement["contract"].response_time_hours)
    intervention = Intervention(
        client=client,
        site=site,
        equipment=equipment,
        object=object.strip(),
        caller_name=caller_name.strip(),
        caller_phone=caller_phone.strip(),
        channel=channel,
        priority=priority,
        requested_at=requested_at,
        parent=parent,
        relation=relation,
        created_by=actor,
        deadline_at=deadline_at,
        planned_tasks=planned_tasks.strip(),
        **entitlement,
    )
    if not intervention.object:
        raise ValidationError({"object": _("The object of the intervention is required.")})
    with transaction.atomic():
        intervention.year = timezone.localdate().year
        intervention.sequence, intervention.number = _take_number(intervention.year)
        intervention.full_clean()
        intervention.save()
        InterventionEvent.objects.create(
            intervention=intervention,
            kind=InterventionEvent.Kind.CREATED,
            actor=actor,
            to_status=intervention.status,
            note=intervention.object,
            data={"parent": parent.number, "relation": relation} if parent else {},
        )
        from procedures.services import attach_procedures

        attach_procedures(intervention, actor=actor)
    return intervention


def intervention_assign(
    *,
    intervention: Intervention,
    technician,
    actor=None,
    scheduled_start: datetime.datetime | None = None,
    scheduled_end: datetime.datetime | None = None,
    note: str = "",
) -> Intervention:
    """Give the job (and optionally a time slot) to a technician; a new ticket becomes scheduled."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        if locked.is_closed:
            raise ReportLocked(
                _("Intervention %(number)s is closed: it cannot be reassigned.")
                % {"number": locked.number}
            )
        previous = locked.technician
        locked.technician = technician
        locked.scheduled_start = scheduled_start
        locked.scheduled_end = scheduled_end
        locked.full_clean()
        locked.save(update_fields=["technician", "scheduled_start", "scheduled_end", "updated_at"])
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.ASSIGNED,
            actor=actor,
            note=note,
            data={
                "from": previous.get_username() if previous else None,
                "to": technician.get_username() if technician else None,
            },
        )
        if locked.status == Status.NEW and technician is not None:
            locked = workflow.transition(locked, Status.SCHEDULED, actor=actor)
    return locked


def intervention_cancel(*, intervention: Intervention, actor, reason: str) -> Intervention:
    return workflow.transition(intervention, Status.CANCELLED, actor=actor, note=reason)


REPORT_FIELDS = ("diagnostics", "work_done", "remarks")


def report_update(*, intervention: Intervention, actor=None, **texts: str) -> Intervention:
    """Save the report's texts (diagnostics, work done, remarks), while the report is open."""
    unknown = set(texts) - set(REPORT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown report fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_report_open(locked)
        changed = [name for name, value in texts.items() if getattr(locked, name) != value]
        if not changed:
            return locked
        for name in changed:
            setattr(locked, name, texts[name])
        locked.full_clean()
        locked.save(update_fields=[*changed, "updated_at"])
    for name in changed:
        setattr(intervention, name, texts[name])
    return locked


def _record_first_arrival(intervention: Intervention, arrived_at: datetime.datetime) -> None:
    """The first arrival on site is what the contract's response time is judged on."""
    if intervention.first_arrival_at is not None and intervention.first_arrival_at <= arrived_at:
        return
    intervention.first_arrival_at = arrived_at
    intervention.met_deadline = (
        None if intervention.deadline_at is None else arrived_at <= intervention.deadline_at
    )
    intervention.save(update_fields=["first_arrival_at", "met_deadline", "updated_at"])


def visit_record(
    *,
    intervention: Intervention,
    technician,
    arrived_at: datetime.datetime,
    left_at: datetime.datetime | None = None,
    travel_km=0,
    travel_minutes: int = 0,
    actor=None,
) -> Visit:
    """Record a technician's time on site; the first arrival starts the work (in progress)."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_report_open(locked)
        visit = Visit(
            intervention=locked,
            technician=technician,
            arrived_at=arrived_at,
            left_at=left_at,
            travel_km=travel_km,
            travel_minutes=travel_minutes,
        )
        visit.full_clean()
        visit.save()
        _record_first_arrival(locked, arrived_at)
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.VISIT,
            actor=actor or technician,
            data={"visit": visit.pk, "arrived_at": arrived_at.isoformat()},
        )
        if locked.status in (Status.NEW, Status.SCHEDULED):
            workflow.transition(locked, Status.IN_PROGRESS, actor=actor or technician)
    return visit


def part_add(
    *,
    intervention: Intervention,
    quantity,
    part: Part | None = None,
    description: str = "",
    unit_price=None,
    actor=None,
) -> PartUsed:
    """Add a replaced part: from the catalogue (price and cost copied now) or a free line."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_report_open(locked)
        if part is None and not description.strip():
            raise ValidationError(
                {"description": _("Choose a catalogue part or describe the part.")}
            )
        used = PartUsed(
            intervention=locked,
            part=part,
            reference=part.reference if part else "",
            description=description.strip() or (part.name if part else ""),
            quantity=quantity,
            unit_price=part.unit_price if part and unit_price is None else (unit_price or 0),
            unit_cost=part.unit_cost if part else 0,
        )
        used.full_clean()
        used.save()
    return used


def intervention_handover(
    *, intervention: Intervention, to_technician, actor, note: str
) -> Intervention:
    """Hand the job to another technician with a note of what was already done.

    One service for both entry points (the dispatcher's page and the technician's tablet).
    The response deadline is not touched: a handover never resets the customer's clock.
    """
    if not note.strip():
        raise ValidationError(
            {"note": _("Say what has already been done, so that nothing is redone or undone.")}
        )
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_editable(locked)
        previous = locked.technician
        if previous is not None and previous.pk == to_technician.pk:
            raise ValidationError(
                {"to_technician": _("The intervention is already assigned to this technician.")}
            )
        locked.technician = to_technician
        locked.save(update_fields=["technician", "updated_at"])
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.HANDOVER,
            actor=actor,
            note=note.strip(),
            data={
                "from": previous.get_username() if previous else None,
                "from_name": display_name(previous) if previous else None,
                "to": to_technician.get_username(),
                "to_name": display_name(to_technician),
            },
        )
        if locked.status == Status.NEW:
            locked = workflow.transition(locked, Status.SCHEDULED, actor=actor)
    return locked


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
    from procedures.selectors import signature_blockers as procedure_blockers

    blockers += procedure_blockers(intervention)
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
    from .billing import decide
    from .pdf import content_fingerprint, frozen_copy
    from .snapshot import report_snapshot

    content = report_snapshot(intervention)
    content["billable"] = {flag: d.billable for flag, d in decide(intervention).items()}
    content = frozen_copy(content)
    covered = {k: v for k, v in content.items() if k not in ("status", "status_label")}
    return content, content_fingerprint(covered)


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


def report_freeze(
    *,
    intervention: Intervention,
    signatures: dict,
    actor,
    signed_at: datetime.datetime | None = None,
    shown_sha256: str | None = None,
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
    from .billing import figures_from_snapshot, snapshot_figures
    from .pdf import content_fingerprint, frozen_copy, prepare_signatures, render_report_pdf

    signed_at = signed_at or timezone.now()
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
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
        snapshot["signatures"] = prepare_signatures(signatures)
        snapshot["figures"] = snapshot_figures(figures_from_snapshot(snapshot, locked))
        snapshot = frozen_copy(snapshot)
        pdf_bytes = render_report_pdf(snapshot, draft=False)
        report = SignedReport(
            intervention=locked,
            snapshot=snapshot,
            sha256=hashlib.sha256(pdf_bytes).hexdigest(),
            content_sha256=content_fingerprint(snapshot),
            signed_at=signed_at,
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


def planned_visits_create(*, contract: Contract, actor) -> list[Intervention]:
    """Create this year's missing planned visits of a contract (channel "planned"), each
    pre-filled with the contract's standard tasks. Visits already planned (not cancelled)
    count: running it twice creates nothing more."""
    year = timezone.localdate().year
    if not contract.annual_visits:
        raise ValidationError(_("This contract includes no planned visit."))
    with transaction.atomic():
        # Serialise two dispatchers clicking at once on the same contract.
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        existing = (
            Intervention.objects.filter(
                contract=contract, channel=Channel.PLANNED, requested_at__year=year
            )
            .exclude(status=Status.CANCELLED)
            .count()
        )
        site = contract.client.sites.order_by("pk").first()
        created = []
        for rank in range(existing + 1, contract.annual_visits + 1):
            created.append(
                intervention_create(
                    client=contract.client,
                    site=site,
                    contract=contract,
                    channel=Channel.PLANNED,
                    object=_("Planned visit %(rank)s/%(total)s %(year)s — contract %(number)s")
                    % {
                        "rank": rank,
                        "total": contract.annual_visits,
                        "year": year,
                        "number": contract.number,
                    },
                    planned_tasks=contract.standard_tasks,
                    actor=actor,
                )
            )
    return created


# --- Technician on a tablet (issue 4) ------------------------------------------------------


def _refresh_first_arrival(intervention: Intervention) -> None:
    """Recompute the first arrival (and the deadline verdict) after a visit was edited."""
    first = intervention.visits.order_by("arrived_at").values_list("arrived_at", flat=True).first()
    intervention.first_arrival_at = first
    intervention.met_deadline = (
        None
        if first is None or intervention.deadline_at is None
        else first <= intervention.deadline_at
    )
    intervention.save(update_fields=["first_arrival_at", "met_deadline", "updated_at"])


def _locked_visit(visit: Visit) -> tuple[Visit, Intervention]:
    locked = Intervention.objects.select_for_update().get(pk=visit.intervention_id)
    ensure_report_open(locked)
    return Visit.objects.select_for_update().get(pk=visit.pk), locked


def visit_arrive(*, intervention: Intervention, technician, at: datetime.datetime | None = None):
    """One tap on arrival: a new visit starting now. Refused while this technician's previous
    visit has no departure (stamp the departure first)."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_report_open(locked)
        if locked.visits.filter(technician=technician, left_at__isnull=True).exists():
            raise ValidationError(_("Stamp the departure of your visit in progress first."))
        return visit_record(
            intervention=locked,
            technician=technician,
            arrived_at=at or timezone.now(),
            actor=technician,
        )


def visit_depart(
    *,
    visit: Visit,
    actor,
    left_at: datetime.datetime | None = None,
    travel_km=None,
    travel_minutes: int | None = None,
) -> Visit:
    """One tap on departure (now, or the time given), with the travel of this visit."""
    with transaction.atomic():
        visit, locked = _locked_visit(visit)
        if visit.left_at is not None:
            raise ValidationError(_("The departure of this visit is already stamped."))
        visit.left_at = left_at or timezone.now()
        if travel_km is not None:
            visit.travel_km = travel_km
        if travel_minutes is not None:
            visit.travel_minutes = travel_minutes
        visit.full_clean()
        visit.save()
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.VISIT,
            actor=actor,
            data={"visit": visit.pk, "left_at": visit.left_at.isoformat()},
        )
    return visit


def visit_update(
    *,
    visit: Visit,
    actor,
    arrived_at: datetime.datetime,
    left_at: datetime.datetime | None,
    travel_km,
    travel_minutes: int,
) -> Visit:
    """Correct a stamped visit (times and travel); the first arrival is recomputed."""
    with transaction.atomic():
        visit, locked = _locked_visit(visit)
        before = {"arrived_at": visit.arrived_at.isoformat(), "left_at": _iso(visit.left_at)}
        visit.arrived_at = arrived_at
        visit.left_at = left_at
        visit.travel_km = travel_km
        visit.travel_minutes = travel_minutes
        visit.full_clean()
        visit.save()
        _refresh_first_arrival(locked)
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.VISIT,
            actor=actor,
            note=_("Visit corrected"),
            data={
                "visit": visit.pk,
                "before": before,
                "after": {"arrived_at": arrived_at.isoformat(), "left_at": _iso(left_at)},
            },
        )
    return visit


def _iso(value):
    return value.isoformat() if value else None


def part_remove(*, part_used: PartUsed, actor) -> None:
    """Remove a line of replaced parts (typing mistake); refused once signed."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=part_used.intervention_id)
        ensure_report_open(locked)
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.NOTE,
            actor=actor,
            note=_("Part removed: %(part)s") % {"part": str(part_used)},
        )
        PartUsed.objects.filter(pk=part_used.pk).delete()


def intervention_additional_request(
    *, intervention: Intervention, actor, object: str
) -> Intervention:
    """The customer asks for something outside the object (the modem during a printer visit):
    a NEW intervention linked to this one, for the dispatcher to qualify and plan."""
    with transaction.atomic():
        ensure_report_open(Intervention.objects.select_for_update().get(pk=intervention.pk))
        child = intervention_create(
            client=intervention.client,
            site=intervention.site,
            object=object,
            actor=actor,
            channel=Channel.ON_SITE,
            parent=intervention,
            relation=Relation.ADDITIONAL_REQUEST,
        )
        InterventionEvent.objects.create(
            intervention=intervention,
            kind=InterventionEvent.Kind.LINKED,
            actor=actor,
            note=child.object,
            data={"child": child.number, "relation": Relation.ADDITIONAL_REQUEST.value},
        )
    return child


def intervention_resolve(
    *, intervention: Intervention, actor, resolved_at: datetime.datetime | None = None
) -> Intervention:
    """The problem is solved: outcome resolved, resolution time recorded."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_report_open(locked)
        locked.outcome = Outcome.RESOLVED
        locked.resolved_at = resolved_at or timezone.now()
        locked.full_clean()
        locked.save(update_fields=["outcome", "resolved_at", "updated_at"])
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.REPORT,
            actor=actor,
            note=str(Outcome.RESOLVED.label),
            data={"outcome": Outcome.RESOLVED.value, "resolved_at": locked.resolved_at.isoformat()},
        )
    return locked


def intervention_follow_up(*, intervention: Intervention, actor, reason: str) -> Intervention:
    """Not resolved: outcome follow-up, and a follow-up intervention is opened (returned)."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say what remains to be done.")})
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_report_open(locked)
        if locked.children.filter(relation=Relation.FOLLOW_UP).exists():
            raise ValidationError(_("A follow-up intervention is already open for this one."))
        locked.outcome = Outcome.FOLLOW_UP
        locked.resolved_at = None
        locked.save(update_fields=["outcome", "resolved_at", "updated_at"])
        child = intervention_create(
            client=locked.client,
            site=locked.site,
            equipment=locked.equipment,
            object=_("Follow-up of %(number)s: %(reason)s")
            % {"number": locked.number, "reason": reason.strip()},
            actor=actor,
            channel=Channel.PLANNED,
            priority=locked.priority,
            parent=locked,
            relation=Relation.FOLLOW_UP,
        )
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.LINKED,
            actor=actor,
            note=reason.strip(),
            data={"child": child.number, "relation": Relation.FOLLOW_UP.value},
        )
    return child


def report_submit(*, intervention: Intervention, actor) -> Intervention:
    """The technician has finished: to `awaiting_signature`, unless something is missing
    (the message lists every blocker)."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_editable(locked)
        blockers = signature_blockers(locked)
        if blockers:
            raise ValidationError(
                _("The report cannot go to signature yet: %(missing)s")
                % {"missing": " ".join(blockers)}
            )
        return workflow.transition(
            locked, Status.AWAITING_SIGNATURE, actor=actor, expected_from=Status.IN_PROGRESS
        )


def report_reopen(*, intervention: Intervention, actor) -> Intervention:
    """Back to the report before the customer signs; the technician will sign again."""
    with transaction.atomic():
        ensure_editable(Intervention.objects.select_for_update().get(pk=intervention.pk))
        locked = workflow.transition(
            intervention, Status.IN_PROGRESS, actor=actor, expected_from=Status.AWAITING_SIGNATURE
        )
        TechnicianSignature.objects.filter(intervention=locked).delete()
    return locked


def report_sign_technician(
    *, intervention: Intervention, actor, image: str, shown_sha256: str
) -> TechnicianSignature:
    """The technician signs the finished report as shown (`report_content` fingerprint); the
    signature is kept, with that fingerprint, until the customer signs the same content."""
    from .signatures import clean_signature

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
        )
        signature.full_clean()
        signature.save()
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.SIGNATURE,
            actor=actor,
            note=_("Technician's signature"),
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
) -> SignedReport:
    """The customer signs the report as shown to them (`report_content` fingerprint): both
    signatures go into the frozen report (`report_freeze`). Refused (`ReportChanged`) if the
    report changed since it was shown, or since the technician signed it."""
    from .signatures import clean_signature

    signatory_name = signatory_name.strip()
    if not signatory_name:
        raise ValidationError({"signatory_name": _("The signatory's name is required.")})
    image = clean_signature(image)
    ensure_editable(intervention)
    signed_at = timezone.now()
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        try:
            technician = TechnicianSignature.objects.get(intervention=intervention)
        except TechnicianSignature.DoesNotExist:
            raise ValidationError(_("The technician must sign first.")) from None
        _ensure_content_shown(locked, shown_sha256)
        if technician.content_sha256 != shown_sha256:
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
                },
                "customer": {
                    "name": signatory_name,
                    "signed_at": signed_at.isoformat(),
                    "image": image,
                    "stamp": stamp or None,
                },
            },
            actor=actor,
            signed_at=signed_at,
            shown_sha256=shown_sha256,
        )
        InterventionEvent.objects.create(
            intervention=intervention,
            kind=InterventionEvent.Kind.SIGNATURE,
            actor=actor,
            note=_("Signed by the customer: %(name)s") % {"name": signatory_name},
            data={"sha256": report.sha256},
        )
    return report


# ---------------------------------------------------------------------------------------------
# Billing (rules in `interventions.billing`)


def billing_refresh(*, intervention: Intervention) -> Intervention:
    """Store the billing decision (override, else proposal) in the `billable_*` flags."""
    from .billing import decide

    decision = decide(intervention)
    changed = []
    for flag, choice in decision.items():
        if getattr(intervention, f"billable_{flag}") != choice.billable:
            setattr(intervention, f"billable_{flag}", choice.billable)
            changed.append(f"billable_{flag}")
    if changed:
        intervention.save(update_fields=[*changed, "updated_at"])
    return intervention


def out_of_conditions_record(
    *, intervention: Intervention, actor, out_of_conditions: bool, note: str = ""
) -> Intervention:
    """The technician's observation that the equipment was used outside the contract's
    conditions (a fact, not a billing decision: it turns the proposal to billable)."""
    note = note.strip()
    if out_of_conditions and not note:
        raise ValidationError(
            {"out_of_conditions_note": _("Describe what is outside the contract's conditions.")}
        )
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_report_open(locked)
        locked.out_of_conditions = out_of_conditions
        locked.out_of_conditions_note = note if out_of_conditions else ""
        locked.full_clean()
        locked.save(update_fields=["out_of_conditions", "out_of_conditions_note", "updated_at"])
        billing_refresh(intervention=locked)
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.REPORT,
            actor=actor,
            note=(_("Outside the contract's conditions: %(note)s") % {"note": note})
            if out_of_conditions
            else _("Within the contract's conditions."),
            data={"out_of_conditions": out_of_conditions},
        )
    intervention.refresh_from_db()
    return intervention


@contextmanager
def signed_billing_change(intervention: Intervention, *, reason: str):
    """Open the database's one door in a signed report (interventions/integrity.py): its billing
    columns may change inside this block, in this transaction only. The permit row is deleted
    before commit, so no other transaction ever sees it; on an error it is rolled back."""
    with transaction.atomic():
        permit = IntegrityPermit.objects.create(intervention=intervention, reason=reason[:200])
        yield
        permit.delete()


def _apply_signed_billing(
    intervention: Intervention, flags: dict[str, bool], *, reason: str
) -> None:
    """The one place that writes `billable_*` on a signed intervention (a waiver, or a signed
    amendment), through the database's permit (`signed_billing_change`)."""
    changed = []
    for flag, value in flags.items():
        if getattr(intervention, f"billable_{flag}") != value:
            setattr(intervention, f"billable_{flag}", value)
            changed.append(f"billable_{flag}")
    with signed_billing_change(intervention, reason=reason):
        intervention.save(update_fields=["billing_overrides", *changed, "updated_at"])


def billing_override(
    *, intervention: Intervention, actor, flag: str, billable: bool, reason: str
) -> Intervention:
    """A manager decides whether `flag` (travel / labour / parts) is billed, saying why.

    Before signature the decision is free. Once signed, billing follows the latest signed
    version of the report (`selectors.latest_signed_version`): the manager may waive an item it
    marks billable (a commercial gesture) or take a waiver back, but an item it marks not
    billable can only become billable through an amendment the customer signs
    (`amendments.amendment_request`).
    """
    from .billing import FLAGS, flag_label, propose
    from .selectors import latest_signed_version

    if flag not in FLAGS:
        raise ValidationError({"flag": _("Unknown billing item.")})
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("A reason is required to change what is billed.")})
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_can_write(locked, Change.BILLING)
        before = getattr(locked, f"billable_{flag}")
        signed = latest_signed_version(locked) if locked.status == Status.SIGNED else None
        if signed is not None and billable and not signed.snapshot["billable"].get(flag):
            raise ValidationError(
                _(
                    "The signed report (version %(version)s) marks “%(item)s” as not billable: "
                    "to bill it, request an amendment to the report, which the customer signs."
                )
                % {"version": signed.version, "item": flag_label(flag)}
            )
        overrides = dict(locked.billing_overrides or {})
        overrides[flag] = {
            "value": bool(billable),
            "reason": reason,
            "by": actor.get_username() if actor else "",
            "at": timezone.now().isoformat(),
        }
        locked.billing_overrides = overrides
        if locked.status == Status.SIGNED:
            _apply_signed_billing(locked, {flag: bool(billable)}, reason=reason)
        else:
            locked.save(update_fields=["billing_overrides", "updated_at"])
            billing_refresh(intervention=locked)
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.BILLING,
            actor=actor,
            note=reason,
            data={
                "flag": flag,
                "from": before,
                "to": bool(billable),
                "proposed": propose(locked)[flag].billable,
            },
        )
    intervention.refresh_from_db()
    return intervention


def interventions_mark_billed(*, pks: list[int], actor) -> list[Intervention]:
    """Move the selected signed interventions to `billed`, all or none.

    Each row is locked and must still be `signed` (`expected_from`): an intervention can never
    be billed twice, even by two managers clicking at once. The amounts billed are recorded
    on the event.
    """
    from .billing import RatesBook, compute_amounts, facts_for

    if not pks:
        raise ValidationError(_("Select at least one intervention."))
    book = RatesBook()
    billed = []
    with transaction.atomic():
        for pk in sorted(set(pks)):
            locked = workflow.transition(
                pk,
                Status.BILLED,
                actor=actor,
                expected_from=Status.SIGNED,
                note=_("Billed"),
            )
            amounts = compute_amounts(
                facts_for(locked),
                {f: getattr(locked, f"billable_{f}") for f in ("travel", "labour", "parts")},
                book.for_contract(locked.contract_id),
            )
            InterventionEvent.objects.create(
                intervention=locked,
                kind=InterventionEvent.Kind.BILLING,
                actor=actor,
                note=_("Marked as billed."),
                data={
                    "billed": True,
                    "total_excl_vat": str(amounts.total_excl_vat),
                    "total_incl_vat": str(amounts.total_incl_vat),
                },
            )
            billed.append(locked)
    return billed


def intervention_unbill(*, intervention: Intervention, actor, reason: str) -> Intervention:
    """An administrator takes back a billing mistake (billed → signed), with a reason."""
    locked = workflow.transition(
        intervention, Status.SIGNED, actor=actor, note=reason.strip(), expected_from=Status.BILLED
    )
    InterventionEvent.objects.create(
        intervention=locked,
        kind=InterventionEvent.Kind.BILLING,
        actor=actor,
        note=reason.strip(),
        data={"billed": False},
    )
    return locked


def billing_rates_update(*, actor, **values) -> BillingRates:
    """The company's rates (one row)."""
    with transaction.atomic():
        rates = BillingRates.current()
        for name, value in values.items():
            setattr(rates, name, value)
        rates.full_clean()
        rates.save()
    return rates


def contract_rates_set(*, actor, contract, **values) -> ContractRates | None:
    """A contract's own rates; with every rate empty, the contract uses the company's again."""
    with transaction.atomic():
        if all(value is None for value in values.values()):
            ContractRates.objects.filter(contract=contract).delete()
            return None
        rates, _created = ContractRates.objects.get_or_create(contract=contract)
        for name, value in values.items():
            setattr(rates, name, value)
        rates.full_clean()
        rates.save()
    return rates


def report_figures_record(*, intervention: Intervention, snapshot: dict) -> ReportFigures:
    """Copy the frozen report's figures into columns (billing reads them; see billing.py)."""
    from .billing import figures_from_snapshot

    facts = figures_from_snapshot(snapshot, intervention)
    return ReportFigures.objects.create(
        intervention=intervention,
        minutes=facts.minutes,
        travel_minutes=facts.travel_minutes,
        km=facts.km,
        visits=facts.visits,
        parts_price=facts.parts_price,
        parts_cost=facts.parts_cost,
        parts_quantity=facts.parts_count,
    )
