"""The intervention's history as people read it, in the reader's language.

An event stores what happened as a stable `code` with its facts in `data` (user ids, flags,
amounts, ISO date-times), and in `note` only what a person typed (a reason, a handover note).
The words are made here, when the page is read, in the reader's active language (`MESSAGES`):
people by their names (`people.display_name`), billing items and statuses by their labels,
dates and amounts in the reader's format. So a French manager reads in French what an
English-speaking technician did, and the other way round. Old events, which stored only logins
(`"from": "karim"`), read the same way: the login is looked up once for the whole page. Events
written before the codes were converted by migration 0014 (their generated sentences, French or
English, turned into codes and facts); a note it did not recognise stays as it was typed.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clients.models import Contract

from .billing import flag_label
from .billing.amounts import money_display
from .models import Intervention, InterventionEvent, Outcome, Relation, Status
from .people import display_name

# Events that move a job from one person to another: data "from"/"to" (logins, always),
# "from_id"/"to_id" and "from_name"/"to_name" (`people.person_data`, since names are shown).
PEOPLE_KINDS = frozenset({InterventionEvent.Kind.ASSIGNED, InterventionEvent.Kind.HANDOVER})


@dataclass(frozen=True)
class HistoryLine:
    event: InterventionEvent
    change: str  # what happened, in words ("— → Karim Haddad"); empty when the kind says it all
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


def _flag_change(flag: str, before, after) -> str:
    return _("%(item)s: %(before)s → %(after)s") % {
        "item": flag_label(flag),
        "before": _billable(before),
        "after": _billable(after),
    }


def _when(value) -> str:
    """An ISO date-time of `data`, in the reader's format and the local time zone."""
    if not value:
        return "…"
    moment = datetime.datetime.fromisoformat(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "SHORT_DATETIME_FORMAT")


def _created(event: InterventionEvent, data: dict, people: _People) -> tuple[str, bool]:
    said = [str(Status(event.to_status).label)] if event.to_status else []
    if data.get("parent"):
        said.append(
            _("linked to %(number)s (%(relation)s)")
            % {"number": data["parent"], "relation": _relation(data.get("relation"))}
        )
    return ", ".join(said), False


def _relation(value) -> str:
    return str(Relation(value).label) if value in Relation.values else str(value or "")


def _status(event: InterventionEvent, data: dict, people: _People) -> tuple[str, bool]:
    moved = str(Status(event.to_status).label) if event.to_status else ""
    if event.from_status:
        moved = f"{Status(event.from_status).label} → {moved}"
    # Every note of a status change is typed by a person to say why (a cancellation, a billing
    # mistake taken back).
    return moved, bool(event.note)


def _people_move(event: InterventionEvent, data: dict, people: _People) -> tuple[str, bool]:
    return f"{people.name(data, 'from')} → {people.name(data, 'to')}", False


def _visit_arrived(event, data, people) -> tuple[str, bool]:
    if not data.get("arrived_at"):
        return "", False
    return _("arrival %(at)s") % {"at": _when(data["arrived_at"])}, False


def _visit_departed(event, data, people) -> tuple[str, bool]:
    if not data.get("left_at"):
        return "", False
    return _("departure %(at)s") % {"at": _when(data["left_at"])}, False


def _visit_corrected(event, data, people) -> tuple[str, bool]:
    before, after = data.get("before"), data.get("after")
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return _("corrected"), False

    def span(times: dict) -> str:
        return f"{_when(times.get('arrived_at'))} – {_when(times.get('left_at'))}"

    return _("corrected %(before)s → %(after)s") % {
        "before": span(before),
        "after": span(after),
    }, False


def _part(data) -> str:
    if data.get("quantity"):
        part = f"{floatformat(data['quantity'], '-2')} × "
        if data.get("reference"):
            part += f"{data['reference']} — "
        return part + data.get("description", "")
    return data.get("part", "")  # an old event whose sentence could not be taken apart


def _part_removed(event, data, people) -> tuple[str, bool]:
    return _("part removed: %(part)s") % {"part": _part(data)}, False


def _part_added(event, data, people) -> tuple[str, bool]:
    return _("part added: %(part)s") % {"part": _part(data)}, False


def _contract_chosen(event, data, people) -> tuple[str, bool]:
    contract = data.get("contract") or "—"
    if data.get("contract_kind") in Contract.Kind.values:
        contract = f"{contract} ({Contract.Kind(data['contract_kind']).label})"
    return _("contract chosen: %(contract)s") % {"contract": contract}, False


def _linked(event, data, people) -> tuple[str, bool]:
    if not data.get("child"):
        return "", False
    return f"{data['child']} ({_relation(data.get('relation'))})", False


def _billing_override(event, data, people) -> tuple[str, bool]:
    if not data.get("flag"):
        return "", True
    change = _flag_change(data["flag"], data.get("from"), data.get("to"))
    if "proposed" in data:
        change += " " + _("(proposed: %(proposed)s)") % {"proposed": _billable(data["proposed"])}
    return change, True


def _amendment_requested(event, data, people) -> tuple[str, bool]:
    version = data.get("amendment", "?")
    changes = data.get("changes") or {}
    if not changes:
        return _("amendment no. %(version)s requested") % {"version": version}, True
    items = "; ".join(
        _flag_change(flag, change.get("from"), change.get("to")) for flag, change in changes.items()
    )
    return _("amendment no. %(version)s requested (%(changes)s)") % {
        "version": version,
        "changes": items,
    }, True


def _billed(event, data, people) -> tuple[str, bool]:
    if data.get("total_excl_vat") in (None, ""):
        return _("marked as billed"), False
    amount = money_display(Decimal(data["total_excl_vat"]))
    return _("marked as billed, %(amount)s € excl. VAT") % {"amount": amount}, False


def _customer_signed(event, data, people) -> tuple[str, bool]:
    if not data.get("name"):
        return _("signed by the customer"), False
    return _("signed by the customer, %(name)s") % {"name": data["name"]}, False


def _amendment_signed(event, data, people) -> tuple[str, bool]:
    return _("amendment no. %(version)s signed by the customer, %(name)s") % {
        "version": data.get("amendment", "?"),
        "name": data.get("name") or "—",
    }, False


def _offline_signature_refused(event, data, people) -> tuple[str, bool]:
    if data.get("who") == "customer":
        text = _(
            "the customer's signature made offline was refused: %(name)s changed the report since"
        )
    else:
        text = _(
            "the technician's signature made offline was refused: %(name)s changed the report since"
        )
    return text % {"name": data.get("by") or "—"}, False


def _quoted(text) -> str:
    return _("“%(text)s”") % {"text": text} if text else "—"


def _report_text(event, data, people) -> tuple[str, bool]:
    """A report text changed: its first `before` and the latest `after` of the session
    (`data["latest"]`, set by `intervention_history`; the session's first save otherwise)."""
    field = data.get("field")
    label = (
        Intervention._meta.get_field(field).verbose_name
        if field in ("diagnostics", "work_done", "remarks")
        else field or ""
    )
    return _("%(field)s, %(before)s → %(after)s") % {
        "field": label,
        "before": _quoted(data.get("before")),
        "after": _quoted(data.get("latest", data.get("after"))),
    }, False


def _said(words: Callable[[], str], reason: bool = False):
    """A message without facts (the words are translated when the page is read)."""
    return lambda event, data, people: (str(words()), reason)


def _nothing(event, data, people) -> tuple[str, bool]:
    """The kind says it all (an event of an unknown shape, from before the codes)."""
    return "", event.kind == InterventionEvent.Kind.BILLING and bool(event.note)


Code = InterventionEvent.Code

# code → (event, data, people) → (what happened in the reader's language, the note is a reason).
# An event's code never changes once written: a code is only ever added here, never renamed.
MESSAGES: dict[str, Callable[[InterventionEvent, dict, _People], tuple[str, bool]]] = {
    Code.CREATED: _created,
    Code.STATUS: _status,
    Code.ASSIGNED: _people_move,
    Code.HANDOVER: _people_move,
    Code.VISIT: _nothing,
    Code.VISIT_ARRIVED: _visit_arrived,
    Code.VISIT_DEPARTED: _visit_departed,
    Code.VISIT_CORRECTED: _visit_corrected,
    Code.REPORT: _nothing,
    Code.RESOLVED: _said(lambda: Outcome.RESOLVED.label),
    Code.OUT_OF_CONDITIONS: _said(lambda: _("outside the contract's conditions")),
    Code.WITHIN_CONDITIONS: _said(lambda: _("within the contract's conditions")),
    Code.SIGNATURE: _nothing,
    Code.TECHNICIAN_SIGNED: _said(lambda: _("signed by the technician")),
    Code.CUSTOMER_SIGNED: _customer_signed,
    Code.AMENDMENT_SIGNED: _amendment_signed,
    Code.LINKED: _linked,
    Code.ADDITIONAL_REQUEST: _linked,
    Code.FOLLOW_UP: _linked,
    Code.BILLING: _nothing,
    Code.BILLING_OVERRIDE: _billing_override,
    Code.AMENDMENT_REQUESTED: _amendment_requested,
    Code.BILLED: _billed,
    Code.UNBILLED: _said(lambda: _("marked as not billed"), reason=True),
    Code.NOTE: _nothing,
    Code.CONTRACT_CHOSEN: _contract_chosen,
    Code.CONTRACT_NONE: _said(lambda: _("no contract: everything will be billed")),
    Code.PART_REMOVED: _part_removed,
    Code.REPORT_TEXT: _report_text,
    Code.PART_ADDED: _part_added,
    Code.OFFLINE_SIGNATURE_REFUSED: _offline_signature_refused,
}


def _line(event: InterventionEvent, people: _People, data: dict | None = None) -> HistoryLine:
    message = MESSAGES.get(event.code or event.kind, _nothing)
    return HistoryLine(event, *message(event, data or event.data or {}, people))


def _latest_texts(intervention: Intervention, events: list[InterventionEvent]) -> dict:
    """event pk → the latest `after` of its editing session: the `before` of the next event on
    the same field, or the field's current text for the last one (services.report_update
    writes one event per session, and every text change goes through it)."""
    latest, following = {}, {}
    for event in reversed(events):
        if event.code != InterventionEvent.Code.REPORT_TEXT or not event.data:
            continue
        field = event.data.get("field")
        if field in following:
            latest[event.pk] = following[field]
        elif field in ("diagnostics", "work_done", "remarks"):
            latest[event.pk] = getattr(intervention, field)
        following[field] = event.data.get("before", "")
    return latest


def intervention_history(intervention: Intervention) -> list[HistoryLine]:
    """Every event of the job, oldest first, with what happened in the reader's (active)
    language (two queries)."""
    events = list(intervention.events.select_related("actor"))
    people = _People(events)
    latest = _latest_texts(intervention, events)
    return [
        _line(event, people, {**event.data, "latest": latest[event.pk]})
        if event.pk in latest
        else _line(event, people)
        for event in events
    ]


def event_lines(events: list[InterventionEvent]) -> dict[int, HistoryLine]:
    """Several events (a page of the admin), by id: the people of all of them in one query."""
    people = _People(events)
    return {event.pk: _line(event, people) for event in events}


def event_line(event: InterventionEvent) -> HistoryLine:
    """One event as the history says it (the admin): at most one query, for the people."""
    return _line(event, _People([event]))


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
