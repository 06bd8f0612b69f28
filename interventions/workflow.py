"""The status machine of an intervention, and the one function that writes `status`.

    new ─► scheduled ─► in_progress ─► awaiting_signature ─► signed ─► billed
     │        │  ▲          │  ▲              │
     │        ▼  │          │  └──────────────┘ (back to the report before the customer signs)
     └──────► cancelled ◄───┘

`billed → signed` exists only for an administrator correcting a billing mistake, with a reason.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Intervention, InterventionEvent, Status

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.SCHEDULED, Status.IN_PROGRESS, Status.CANCELLED}),
    Status.SCHEDULED: frozenset({Status.NEW, Status.IN_PROGRESS, Status.CANCELLED}),
    Status.IN_PROGRESS: frozenset({Status.AWAITING_SIGNATURE, Status.CANCELLED}),
    Status.AWAITING_SIGNATURE: frozenset({Status.SIGNED, Status.IN_PROGRESS}),
    Status.SIGNED: frozenset({Status.BILLED}),
    Status.BILLED: frozenset({Status.SIGNED}),
    Status.CANCELLED: frozenset(),
}

# Transitions that only a superuser may make, and only with a written reason.
ADMIN_ONLY: frozenset[tuple[str, str]] = frozenset({(Status.BILLED, Status.SIGNED)})
# Transitions that must say why.
NOTE_REQUIRED: frozenset[str] = frozenset({Status.CANCELLED})


@dataclass
class TransitionError(Exception):
    message: str

    def __str__(self) -> str:
        return self.message


def allowed_targets(status: str) -> frozenset[str]:
    return TRANSITIONS.get(status, frozenset())


def can_transition(status: str, to: str) -> bool:
    return to in allowed_targets(status)


def transition(
    intervention: Intervention | int,
    to: str,
    *,
    actor=None,
    note: str = "",
    data: dict | None = None,
    expected_from: str | None = None,
) -> Intervention:
    """Move an intervention to `to`, or raise TransitionError saying why not.

    Locks the row so that two people acting at once cannot both move it; `expected_from`
    refuses the move if somebody changed the status since the caller read it.
    Returns the locked, updated instance.
    """
    pk = intervention.pk if isinstance(intervention, Intervention) else intervention
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=pk)
        current = locked.status
        if expected_from is not None and current != expected_from:
            raise TransitionError(
                _("Intervention %(number)s is now “%(status)s”: reload the page.")
                % {"number": locked.number, "status": Status(current).label}
            )
        if not can_transition(current, to):
            raise TransitionError(
                _("Intervention %(number)s cannot go from “%(from)s” to “%(to)s”.")
                % {"number": locked.number, "from": Status(current).label, "to": Status(to).label}
            )
        if (current, to) in ADMIN_ONLY:
            if actor is None or not actor.is_superuser:
                raise TransitionError(_("Only an administrator can make this change."))
            if not note.strip():
                raise TransitionError(_("A reason is required for this change."))
        if to in NOTE_REQUIRED and not note.strip():
            raise TransitionError(_("Please give a reason."))
        locked.status = to
        fields = ["status", "updated_at"]
        at = timezone.now()
        if to == Status.BILLED or current == Status.BILLED:
            # The billing date moves with the status, in the same UPDATE (the database refuses
            # it otherwise), and is the event's time.
            locked.billed_at = at if to == Status.BILLED else None
            fields.append("billed_at")
        locked.save(update_fields=fields)
        InterventionEvent.objects.create(
            intervention=locked,
            kind=InterventionEvent.Kind.STATUS,
            code=InterventionEvent.Code.STATUS,
            at=at,
            actor=actor,
            from_status=current,
            to_status=to,
            note=note,
            data=data or {},
        )
    if isinstance(intervention, Intervention):
        intervention.status = locked.status
        intervention.updated_at = locked.updated_at
        intervention.billed_at = locked.billed_at
    return locked
