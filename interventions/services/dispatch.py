"""Dispatch: who handles the job (assign, hand over) and cancelling it."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .. import workflow
from ..conflicts import EditConflict, is_stale, last_change
from ..guards import ReportLocked, ensure_editable
from ..models import Intervention, InterventionEvent, Status
from ..people import display_name, person_data

ASSIGNMENT_CODES = (InterventionEvent.Code.ASSIGNED, InterventionEvent.Code.HANDOVER)


def _ensure_assignment_current(locked: Intervention, version: int | None) -> None:
    """Refuse an assignment or handover read at an older `assignment_version`, saying who
    has the job now and when (optimistic locking, interventions/conflicts.py)."""
    if not is_stale(version, locked.assignment_version):
        return
    by, at = last_change(locked, ASSIGNMENT_CODES)
    now_reads = display_name(locked.technician, _("nobody"))
    if locked.scheduled_start:
        now_reads += ", " + date_format(
            timezone.localtime(locked.scheduled_start), "SHORT_DATETIME_FORMAT"
        )
    raise EditConflict(
        _("who does this job"),
        theirs={
            "technician": locked.technician_id,
            "scheduled_start": locked.scheduled_start,
            "scheduled_end": locked.scheduled_end,
        },
        by=by,
        at=at,
        version=locked.assignment_version,
        now_reads=now_reads,
    )


def intervention_assign(
    *,
    intervention: Intervention,
    technician,
    actor=None,
    scheduled_start: datetime.datetime | None = None,
    scheduled_end: datetime.datetime | None = None,
    note: str = "",
    version: int | None = None,
) -> Intervention:
    """Give the job (and optionally a time slot) to a technician; a new ticket becomes scheduled.
    `version`: the `assignment_version` the form was read at (a stale one is refused)."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        if locked.is_closed:
            raise ReportLocked(
                _("Intervention %(number)s is closed: it cannot be reassigned.")
                % {"number": locked.number}
            )
        _ensure_assignment_current(locked, version)
        previous = locked.technician
        locked.technician = technician
        locked.scheduled_start = scheduled_start
        locked.scheduled_end = scheduled_end
        locked.assignment_version += 1
        locked.full_clean()
        locked.save(
            update_fields=[
                "technician",
                "scheduled_start",
                "scheduled_end",
                "assignment_version",
                "updated_at",
            ]
        )
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.ASSIGNED,
            code=InterventionEvent.Code.ASSIGNED,
            actor=actor,
            note=note,
            data={**person_data(previous, "from"), **person_data(technician, "to")},
        )
        if locked.status == Status.NEW and technician is not None:
            locked = workflow.transition(locked, Status.SCHEDULED, actor=actor)
    return locked


def intervention_handover(
    *, intervention: Intervention, to_technician, actor, note: str, version: int | None = None
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
        _ensure_assignment_current(locked, version)
        previous = locked.technician
        if previous is not None and previous.pk == to_technician.pk:
            raise ValidationError(
                {"to_technician": _("The intervention is already assigned to this technician.")}
            )
        locked.technician = to_technician
        locked.assignment_version += 1
        locked.save(update_fields=["technician", "assignment_version", "updated_at"])
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.HANDOVER,
            code=InterventionEvent.Code.HANDOVER,
            actor=actor,
            note=note.strip(),
            data={**person_data(previous, "from"), **person_data(to_technician, "to")},
        )
        if locked.status == Status.NEW:
            locked = workflow.transition(locked, Status.SCHEDULED, actor=actor)
    return locked


def intervention_cancel(*, intervention: Intervention, actor, reason: str) -> Intervention:
    """Cancel the job, saying why. Only where the workflow allows it (`workflow.TRANSITIONS`:
    not once the report is submitted, signed or billed); raises TransitionError otherwise."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the intervention is cancelled.")})
    return workflow.transition(intervention, Status.CANCELLED, actor=actor, note=reason)
