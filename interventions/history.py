"""The intervention's history as people read it.

An event stores facts (`kind`, `data`: user ids, flags, values) and the reader's words are made
here, when the page is read: people by their names (`people.display_name`), billing items and
statuses by their labels in the reader's language. Old events, which stored only logins
(`"from": "karim"`), read the same way: the login is looked up once for the whole page.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from .billing import flag_label
from .models import Intervention, InterventionEvent, Status
from .people import display_name

# Events that move a job from one person to another: data "from"/"to" (logins, always),
# "from_id"/"to_id" and "from_name"/"to_name" (`people.person_data`, since names are shown).
PEOPLE_KINDS = frozenset({InterventionEvent.Kind.ASSIGNED, InterventionEvent.Kind.HANDOVER})


@dataclass(frozen=True)
class HistoryLine:
    event: InterventionEvent
    change: str  # what changed, in words ("— → Karim Haddad"); empty when the kind says it all
    reason: bool  # the note is the reason of the change (shown after "Reason:")


class _People:
    """The users the events name, fetched in one query (by id, or by login for old events)."""

    def __init__(self, events: list[InterventionEvent]):
        ids, logins = set(), set()
        for event in events:
            if event.kind not in PEOPLE_KINDS:
                continue
            for side in ("from", "to"):
                if event.data.get(f"{side}_id"):
                    ids.add(event.data[f"{side}_id"])
                elif event.data.get(side):
                    logins.add(event.data[side])
        self.by_id, self.by_login = {}, {}
        if ids or logins:
            User = get_user_model()
            for user in User.objects.filter(
                Q(pk__in=ids) | Q(**{f"{User.USERNAME_FIELD}__in": logins})
            ):
                self.by_id[user.pk] = user
                self.by_login[user.get_username()] = user

    def name(self, data: dict, side: str) -> str:
        user = self.by_id.get(data.get(f"{side}_id")) or self.by_login.get(data.get(side))
        if user is not None:
            return display_name(user)
        return data.get(f"{side}_name") or data.get(side) or "—"


def _billable(value) -> str:
    return _("billable") if value else _("not billable")


def _change(event: InterventionEvent, people: _People) -> tuple[str, bool]:
    data = event.data or {}
    if event.to_status:
        moved = Status(event.to_status).label
        if event.from_status:
            moved = f"{Status(event.from_status).label} → {moved}"
        return str(moved), event.to_status == Status.CANCELLED and bool(event.note)
    if event.kind in PEOPLE_KINDS:
        return f"{people.name(data, 'from')} → {people.name(data, 'to')}", False
    if event.kind == InterventionEvent.Kind.BILLING and data.get("flag"):
        change = _("%(item)s: %(before)s → %(after)s") % {
            "item": flag_label(data["flag"]),
            "before": _billable(data.get("from")),
            "after": _billable(data.get("to")),
        }
        if "proposed" in data:
            change += " " + _("(proposed: %(proposed)s)") % {
                "proposed": _billable(data["proposed"])
            }
        return change, True
    return "", False


def intervention_history(intervention: Intervention) -> list[HistoryLine]:
    """Every event of the job, oldest first, with what changed in words (two queries)."""
    events = list(intervention.events.select_related("actor"))
    people = _People(events)
    return [HistoryLine(event, *_change(event, people)) for event in events]


@dataclass(frozen=True)
class HandoverNote:
    by: str  # who handed over (the technician, or the office)
    previous: str  # who had the job before
    at: object
    note: str


def handover_received(intervention: Intervention, user) -> HandoverNote | None:
    """The latest handover of this job to `user`, if any: what the receiving technician reads
    before starting (who handed over, when, what is done and what remains)."""
    received = Q(data__to_id=user.pk) | Q(data__to_id__isnull=True, data__to=user.get_username())
    event = (
        intervention.events.filter(kind=InterventionEvent.Kind.HANDOVER)
        .filter(received)
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    if event is None:
        return None
    people = _People([event])
    return HandoverNote(
        by=display_name(event.actor, _("system")),
        previous=people.name(event.data, "from"),
        at=event.at,
        note=event.note,
    )
