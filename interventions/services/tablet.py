"""The technician's tablet: report texts, visits, parts, outcome, linked requests, the
out-of-conditions observation, and sending the report to signature (or back)."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .. import limits, offline, roles, workflow
from ..conflicts import EditConflict, is_stale, last_change
from ..guards import ensure_editable, ensure_report_open
from ..models import (
    Channel,
    Intervention,
    InterventionEvent,
    Outcome,
    Part,
    PartUsed,
    Relation,
    Status,
    TechnicianSignature,
    Visit,
)
from ..people import display_name
from .billing import billing_refresh
from .intake import intervention_create
from .signing import signature_blockers

REPORT_FIELDS = ("diagnostics", "work_done", "remarks")


# Autosave sends the texts every few seconds while someone types: the history keeps one
# event per person and field per editing session (see `_report_text_event`).
REPORT_EDIT_WINDOW = datetime.timedelta(minutes=10)


def report_update(
    *,
    intervention: Intervention,
    actor=None,
    version: int | None = None,
    now: datetime.datetime | None = None,
    page: str = "",
    **texts: str,
) -> Intervention:
    """Save the report's texts (diagnostics, work done, remarks), while the report is open.

    `version` is the `texts_version` the texts were read at (forms, autosave): a save read at
    an older version is refused with the other person's texts (`EditConflict`), unless it
    changes nothing (the same texts sent twice). Every change raises the version and is
    recorded in the history (who, when, field, before and after); `page` names the open page
    (tablet) the autosave comes from, so that two tablets of one person are two sessions."""
    unknown = set(texts) - set(REPORT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown report fields: {sorted(unknown)}")
    now = now or timezone.now()
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_report_open(locked)
        changed = [name for name, value in texts.items() if getattr(locked, name) != value]
        if not changed:
            return locked
        if is_stale(version, locked.texts_version):
            raise EditConflict(
                _("this report"),
                theirs={name: getattr(locked, name) for name in REPORT_FIELDS},
                by=locked.texts_edited_by,
                at=locked.texts_edited_at,
                version=locked.texts_version,
            )
        for name in changed:
            _report_text_event(locked, name, texts[name], actor, now, page)
            setattr(locked, name, texts[name])
        locked.texts_version += 1
        locked.texts_edited_by = actor
        locked.texts_edited_at = now
        # Only the texts change: they are validated, not the whole row again (its references,
        # numbering and constraints, 17 of an autosave's 28 queries, unchanged since the write
        # that validated them; the texts take part in none of them). Autosave is the tablet's
        # most frequent request (bench/README.md, issue 14, mixed load).
        locked.clean_fields(
            exclude=[f.name for f in Intervention._meta.fields if f.name not in changed]
        )
        locked.save(
            update_fields=[
                *changed,
                "texts_version",
                "texts_edited_by",
                "texts_edited_at",
                "updated_at",
            ]
        )
    for name in changed:
        setattr(intervention, name, texts[name])
    intervention.texts_version = locked.texts_version
    return locked


def _report_text_event(locked: Intervention, field: str, after: str, actor, now, page) -> None:
    """One event per editing session: a save by the same person from the same page, on the
    same field, within `REPORT_EDIT_WINDOW` of the session's first save, while nobody else
    changed that field, writes nothing (events are append-only). The session's event keeps
    the first `before`; the history reads its latest `after` as the next session's `before`,
    or the current text (`history.intervention_history`), which holds since every text change
    goes through here."""
    last = (
        locked.events.filter(code=InterventionEvent.Code.REPORT_TEXT, data__field=field)
        .order_by("-at", "-pk")
        .first()
    )
    if (
        last is not None
        and last.actor_id == (actor.pk if actor else None)
        and last.data.get("page", "") == page
        and now - last.at < REPORT_EDIT_WINDOW
    ):
        return
    InterventionEvent.objects.create(
        intervention=locked,
        kind=InterventionEvent.Kind.REPORT,
        code=InterventionEvent.Code.REPORT_TEXT,
        actor=actor,
        at=now,
        data={
            "field": field,
            "before": getattr(locked, field),
            "after": after,
            **({"page": page} if page else {}),
        },
    )


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
    event_data: dict | None = None,
) -> Visit:
    """Record a technician's time on site; the first arrival starts the work (in progress).
    `event_data`: more facts for the history (the times of an action done offline)."""
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
            code=InterventionEvent.Code.VISIT_ARRIVED,
            actor=actor or technician,
            data={"visit": visit.pk, "arrived_at": arrived_at.isoformat(), **(event_data or {})},
        )
        if locked.status in (Status.NEW, Status.SCHEDULED):
            workflow.transition(locked, Status.IN_PROGRESS, actor=actor or technician)
    return visit


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


def visit_correctable_by(visit: Visit, user) -> bool:
    """A technician corrects only their own visits (the times they stamped); the office
    (dispatcher, manager) may correct any. Another technician's visit is read-only."""
    if user is None:
        return False
    return visit.technician_id == user.pk or roles.has_role(user, roles.DISPATCHER, roles.MANAGER)


def _locked_visit(visit: Visit, actor) -> tuple[Visit, Intervention]:
    """The visit and its intervention, locked, once the report is open and the visit is the
    actor's to change."""
    locked = Intervention.objects.select_for_update().get(pk=visit.intervention_id)
    ensure_report_open(locked)
    visit = Visit.objects.select_for_update().select_related("technician").get(pk=visit.pk)
    if not visit_correctable_by(visit, actor):
        raise ValidationError(
            _("This visit is %(name)s's: only they can change it.")
            % {"name": display_name(visit.technician)}
        )
    return visit, locked


def visit_arrive(
    *,
    intervention: Intervention,
    technician,
    at: datetime.datetime | None = None,
    device_time: datetime.datetime | None = None,
):
    """One tap on arrival: a new visit starting now. Refused while this technician's previous
    visit has no departure (stamp the departure first). `device_time`: the tablet's time of an
    arrival stamped offline and sent later (bounded by `offline.check_device_time`); the
    history keeps it and the time it was received."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_report_open(locked)
        if locked.visits.filter(technician=technician, left_at__isnull=True).exists():
            raise ValidationError(_("Stamp the departure of your visit in progress first."))
        received_at = timezone.now()
        if device_time is not None:
            offline.check_device_time(locked, device_time, now=received_at)
        return visit_record(
            intervention=locked,
            technician=technician,
            arrived_at=device_time or at or received_at,
            actor=technician,
            event_data=offline.device_time_data(device_time, received_at),
        )


def visit_depart(
    *,
    visit: Visit,
    actor,
    left_at: datetime.datetime | None = None,
    travel_km=None,
    travel_minutes: int | None = None,
    device_time: datetime.datetime | None = None,
) -> Visit:
    """One tap on departure (now, or the time given), with the travel of this visit.
    `device_time`: the tablet's time of a departure stamped offline (see `visit_arrive`)."""
    with transaction.atomic():
        visit, locked = _locked_visit(visit, actor)
        if visit.left_at is not None:
            raise ValidationError(_("The departure of this visit is already stamped."))
        received_at = timezone.now()
        if device_time is not None:
            offline.check_device_time(locked, device_time, now=received_at, after=visit.arrived_at)
        visit.left_at = device_time or left_at or received_at
        visit.version += 1
        if travel_km is not None:
            visit.travel_km = travel_km
        if travel_minutes is not None:
            visit.travel_minutes = travel_minutes
        visit.full_clean()
        visit.save()
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.VISIT,
            code=InterventionEvent.Code.VISIT_DEPARTED,
            actor=actor,
            data={
                "visit": visit.pk,
                "left_at": visit.left_at.isoformat(),
                **offline.device_time_data(device_time, received_at),
            },
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
    version: int | None = None,
) -> Visit:
    """Correct a stamped visit (times and travel); the first arrival is recomputed. Only the
    visit's own technician, or the office (`visit_correctable_by`). `version`: the visit's
    version the form was read at (a stale one is refused with the visit as it is now)."""
    with transaction.atomic():
        visit, locked = _locked_visit(visit, actor)
        if is_stale(version, visit.version):
            by, at = last_change(locked, VISIT_CODES, visit=visit.pk)
            raise EditConflict(
                _("this visit"),
                theirs={"arrived_at": visit.arrived_at, "left_at": visit.left_at},
                by=by,
                at=at,
                version=visit.version,
                now_reads=_("arrival %(arrived)s, departure %(left)s, %(km)s km")
                % {
                    "arrived": _local(visit.arrived_at),
                    "left": _local(visit.left_at),
                    "km": visit.travel_km,
                },
            )
        check_visit_window(locked, arrived_at, left_at)
        before = {"arrived_at": visit.arrived_at.isoformat(), "left_at": _iso(visit.left_at)}
        visit.arrived_at = arrived_at
        visit.left_at = left_at
        visit.travel_km = travel_km
        visit.travel_minutes = travel_minutes
        visit.version += 1
        visit.full_clean()
        visit.save()
        _refresh_first_arrival(locked)
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.VISIT,
            code=InterventionEvent.Code.VISIT_CORRECTED,
            actor=actor,
            data={
                "visit": visit.pk,
                "before": before,
                "after": {"arrived_at": arrived_at.isoformat(), "left_at": _iso(left_at)},
            },
        )
    return visit


VISIT_CODES = (
    InterventionEvent.Code.VISIT_ARRIVED,
    InterventionEvent.Code.VISIT_DEPARTED,
    InterventionEvent.Code.VISIT_CORRECTED,
)


def _local(value) -> str:
    return date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT") if value else "…"


def _iso(value):
    return value.isoformat() if value else None


def _check_part_line(intervention: Intervention, quantity: Decimal, price: Decimal) -> None:
    """The bounds of `limits`: each line, and the parts of the whole job, fit the columns the
    signature writes (a numeric overflow at signing, before)."""
    errors = {}
    if quantity > limits.PART_QUANTITY_MAX:
        errors["quantity"] = _("The quantity cannot exceed %(limit_value)s.") % {
            "limit_value": limits.PART_QUANTITY_MAX
        }
    if price < 0 or price > limits.PART_PRICE_MAX:
        errors["unit_price"] = _("The unit price cannot exceed %(limit_value)s € excl. VAT.") % {
            "limit_value": limits.PART_PRICE_MAX
        }
    if errors:
        raise ValidationError(errors)
    total = sum(
        (p.quantity * p.unit_price for p in intervention.parts.only("quantity", "unit_price")),
        quantity * price,
    )
    if total > limits.PARTS_TOTAL_MAX:
        raise ValidationError(
            _("The parts of one intervention cannot exceed %(limit)s € excl. VAT in total.")
            % {"limit": f"{limits.PARTS_TOTAL_MAX:,}".replace(",", "\u202f")}
        )


def check_visit_window(
    intervention: Intervention, arrived_at: datetime.datetime, left_at: datetime.datetime | None
) -> None:
    """A typed visit sits in `limits`' window around the intervention (French errors)."""
    errors = {}
    earliest = intervention.requested_at - limits.VISIT_BEFORE_REQUEST
    latest = timezone.now() + limits.VISIT_AFTER_NOW
    if arrived_at < earliest:
        requested = date_format(timezone.localtime(intervention.requested_at), "SHORT_DATE_FORMAT")
        errors["arrived_at"] = _(
            "The arrival cannot be more than a day before the request (%(date)s)."
        ) % {"date": requested}
    elif arrived_at > latest:
        errors["arrived_at"] = _("The arrival cannot be in the future.")
    if left_at is not None:
        if left_at > latest:
            errors["left_at"] = _("The departure cannot be in the future.")
        elif left_at - arrived_at > limits.VISIT_MAX_DURATION:
            errors["left_at"] = _("A visit cannot last more than 24 hours.")
    if errors:
        raise ValidationError(errors)


PARTS_CODES = (InterventionEvent.Code.PART_ADDED, InterventionEvent.Code.PART_REMOVED)


def _ensure_parts_current(locked: Intervention, version: int | None) -> None:
    """Refuse a change of the parts list read at an older `parts_version` (two tablets adding
    the same toner), saying who changed it; the page shows the list as it is now."""
    if not is_stale(version, locked.parts_version):
        return
    by, at = last_change(locked, PARTS_CODES)
    lines = "; ".join(
        f"{used.quantity.normalize():f} × {used.description}" for used in locked.parts.all()
    )
    raise EditConflict(
        _("the list of parts"),
        theirs={"parts": [used.pk for used in locked.parts.all()]},
        by=by,
        at=at,
        version=locked.parts_version,
        now_reads=lines or _("no part"),
    )


def _parts_changed(locked: Intervention) -> None:
    locked.parts_version += 1
    locked.save(update_fields=["parts_version", "updated_at"])


def part_add(
    *,
    intervention: Intervention,
    quantity,
    part: Part | None = None,
    description: str = "",
    unit_price=None,
    actor=None,
    version: int | None = None,
) -> PartUsed:
    """Add a replaced part: from the catalogue (price and cost copied now, whatever price was
    posted) or a free line at its typed price; within `limits`. `version`: the `parts_version`
    the list was read at (a stale one is refused)."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_report_open(locked)
        _ensure_parts_current(locked, version)
        if part is None and not description.strip():
            raise ValidationError(
                {"description": _("Choose a catalogue part or describe the part.")}
            )
        price = part.unit_price if part else Decimal(unit_price or 0)
        _check_part_line(locked, Decimal(quantity), price)
        used = PartUsed(
            intervention=locked,
            part=part,
            reference=part.reference if part else "",
            description=description.strip() or (part.name if part else ""),
            quantity=quantity,
            unit_price=price,
            unit_cost=part.unit_cost if part else 0,
        )
        used.full_clean()
        used.save()
        _parts_changed(locked)
        _part_event(locked, InterventionEvent.Code.PART_ADDED, used, actor)
    return used


def _part_event(locked: Intervention, code, line: PartUsed, actor) -> None:
    """The history line of a parts line added or removed (who changed the list: conflicts)."""
    InterventionEvent.objects.create(
        intervention=locked,
        kind=InterventionEvent.Kind.NOTE,
        code=code,
        actor=actor,
        data={
            "quantity": str(line.quantity),
            "reference": line.reference,
            "description": line.description,
        },
    )


def part_remove(*, part_used: PartUsed, actor, version: int | None = None) -> None:
    """Remove a line of replaced parts (typing mistake); refused once signed."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=part_used.intervention_id)
        ensure_report_open(locked)
        _ensure_parts_current(locked, version)
        _part_event(locked, InterventionEvent.Code.PART_REMOVED, part_used, actor)
        PartUsed.objects.filter(pk=part_used.pk).delete()
        _parts_changed(locked)


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
            code=InterventionEvent.Code.ADDITIONAL_REQUEST,
            actor=actor,
            note=child.object,
            data={"child": child.number, "relation": Relation.ADDITIONAL_REQUEST.value},
        )
    return child


def intervention_resolve(
    *,
    intervention: Intervention,
    actor,
    resolved_at: datetime.datetime | None = None,
    device_time: datetime.datetime | None = None,
) -> Intervention:
    """The problem is solved: outcome resolved, resolution time recorded (`device_time`: the
    tablet's time of a resolution marked offline, see `visit_arrive`)."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        ensure_report_open(locked)
        received_at = timezone.now()
        if device_time is not None:
            offline.check_device_time(locked, device_time, now=received_at)
        locked.outcome = Outcome.RESOLVED
        locked.resolved_at = device_time or resolved_at or received_at
        locked.full_clean()
        locked.save(update_fields=["outcome", "resolved_at", "updated_at"])
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.REPORT,
            code=InterventionEvent.Code.RESOLVED,
            actor=actor,
            data={
                "outcome": Outcome.RESOLVED.value,
                "resolved_at": locked.resolved_at.isoformat(),
                **offline.device_time_data(device_time, received_at),
            },
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
            code=InterventionEvent.Code.FOLLOW_UP,
            actor=actor,
            note=reason.strip(),
            data={"child": child.number, "relation": Relation.FOLLOW_UP.value},
        )
    return child


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
            code=InterventionEvent.Code.OUT_OF_CONDITIONS
            if out_of_conditions
            else InterventionEvent.Code.WITHIN_CONDITIONS,
            actor=actor,
            note=locked.out_of_conditions_note,
            data={"out_of_conditions": out_of_conditions},
        )
    intervention.refresh_from_db()
    return intervention


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
