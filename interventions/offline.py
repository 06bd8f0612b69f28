"""The tablet offline (issue 16): what the customer is shown when signing without network and
its fingerprint, the device's time of an action replayed later, and the data bundle the
tablet caches. The contract with the browser is docs/offline.md.

`offline_summary` keeps to what the tablet knows without the server: the cached job data
and what the technician typed or chose (no price, no computed amount), so that the browser
builds, from the bundle and its queued actions, the very dict the server builds on replay;
`summary_fingerprint` of both must be equal for an offline signature to be frozen.
"""

import datetime
import hashlib
import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import extensions, limits, selectors
from .models import (
    CLOSED_STATUSES,
    Intervention,
    InterventionEvent,
    Part,
    PartUsed,
    Status,
    Visit,
)
from .people import display_name

SUMMARY_TEXTS = ("diagnostics", "work_done", "remarks")


def decimal_text(value) -> str:
    """A decimal as the tablet writes it: no trailing zeros, no exponent ("2", "1.5")."""
    value = Decimal(value or 0)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def local_minute(value: datetime.datetime | None) -> str:
    """Europe/Paris local time, truncated to the minute: "YYYY-MM-DDTHH:MM" ("" for None)."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M") if value else ""


def build_offline_summary(intervention: Intervention, visits: list, parts: list) -> dict:
    """The summary from objects already loaded (client, site, equipment of `intervention`)."""
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "number": intervention.number,
            "client": intervention.client.name,
            "site": str(intervention.site) if intervention.site_id else "",
            "equipment": str(intervention.equipment) if intervention.equipment_id else "",
            "object": intervention.object,
            **{name: getattr(intervention, name) for name in SUMMARY_TEXTS},
            "parts": [
                {
                    "reference": line.reference,
                    "designation": line.description,
                    "quantity": decimal_text(line.quantity),
                }
                for line in sorted(parts, key=lambda line: line.pk)
            ],
            "visits": [
                {
                    "arrived_at": local_minute(v.arrived_at),
                    "left_at": local_minute(v.left_at),
                    "km": decimal_text(v.travel_km),
                }
                for v in sorted(visits, key=lambda v: (v.arrived_at, v.pk))
            ],
            "outcome": intervention.outcome or "",
        }


def offline_summary(intervention: Intervention) -> dict:
    """What the customer is shown on the sign page of the tablet, as docs/offline.md §4."""
    intervention = Intervention.objects.select_related("client", "site", "equipment").get(
        pk=intervention.pk
    )
    return build_offline_summary(
        intervention,
        list(Visit.objects.filter(intervention=intervention)),
        list(PartUsed.objects.filter(intervention=intervention)),
    )


def summary_fingerprint(summary: dict) -> str:
    text = json.dumps(summary, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class OfflineSummaryChanged(ValidationError):
    """The job changed between the signature on the tablet and its reception."""

    def __init__(self, message: str, *, theirs: dict, by: str, at: str):
        self.theirs = theirs
        self.by = by
        self.at = at
        super().__init__(message, code="offline_changed")


def offline_summary_verify(
    *,
    intervention: Intervention,
    actor,
    fingerprint: str,
    who: str,
    shown: dict | None = None,
    signed_on_device_at: datetime.datetime | None = None,
) -> None:
    """Refuse a signature made offline on a summary that is no longer the job's.

    The refusal is written in the job's history (the dispatcher sees it on the detail page)
    before `OfflineSummaryChanged` is raised; the caller's transaction keeps it (no atomic
    block here: the refusal must not be rolled back with the signature)."""
    current = offline_summary(intervention)
    if summary_fingerprint(current) == (fingerprint or "").strip().lower():
        return
    since = signed_on_device_at or timezone.now() - datetime.timedelta(days=settings.OFFLINE_DAYS)
    other = (
        intervention.events.exclude(actor=actor)
        .filter(at__gte=since)
        .exclude(code=InterventionEvent.Code.OFFLINE_SIGNATURE_REFUSED)
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    by = display_name(other.actor, _("someone else")) if other else _("someone else")
    at = date_format(timezone.localtime(other.at), "SHORT_DATETIME_FORMAT") if other else "…"
    InterventionEvent.objects.create(
        intervention=intervention,
        kind=InterventionEvent.Kind.SIGNATURE,
        code=InterventionEvent.Code.OFFLINE_SIGNATURE_REFUSED,
        actor=actor,
        data={
            "who": who,
            "by": by,
            "signed_on_device_at": signed_on_device_at.isoformat() if signed_on_device_at else None,
            "fingerprint": fingerprint,
            "current": summary_fingerprint(current),
        },
    )
    raise OfflineSummaryChanged(
        _(
            "The report was changed by %(name)s since it was signed on the tablet: read it "
            "again and have the customer sign again."
        )
        % {"name": by},
        theirs=current,
        by=by,
        at=at,
    )


# Device time ------------------------------------------------------------------------------


def parse_device_time(value: str | None) -> datetime.datetime | None:
    """`X-Device-Time` (ISO 8601 with an offset) → aware datetime; None when absent; French
    ValidationError when unreadable or without offset."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    try:
        # Years 1 and 9999 with an offset fall outside what a datetime holds in UTC.
        if parsed is not None and timezone.is_aware(parsed):
            return parsed.astimezone(datetime.UTC)
    except OverflowError:
        pass
    raise ValidationError(
        _("The time of the tablet is unreadable (expected ISO 8601 with its offset).")
    )


def check_device_time(
    intervention: Intervention,
    at: datetime.datetime,
    *,
    now: datetime.datetime | None = None,
    after: datetime.datetime | None = None,
) -> None:
    """A time given by the tablet for an action done offline: not after the server's now
    beyond a small clock skew, not before the request (limits.VISIT_BEFORE_REQUEST), and for
    a departure after the arrival and within `limits.VISIT_MAX_DURATION` of it."""
    now = now or timezone.now()
    skew = datetime.timedelta(minutes=settings.OFFLINE_CLOCK_SKEW_MINUTES)
    when = date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT")
    if at > now + skew:
        raise ValidationError(
            _("The time of the tablet (%(at)s) is in the future: check the tablet's clock.")
            % {"at": when}
        )
    if at < intervention.requested_at - limits.VISIT_BEFORE_REQUEST:
        raise ValidationError(
            _("The time of the tablet (%(at)s) is before the request: check the tablet's clock.")
            % {"at": when}
        )
    if after is not None:
        if at <= after:
            raise ValidationError(
                _("The departure (%(at)s) must be after the arrival.") % {"at": when}
            )
        if at - after > limits.VISIT_MAX_DURATION:
            raise ValidationError(_("A visit cannot last more than 24 hours."))


def device_time_data(at: datetime.datetime | None, received_at: datetime.datetime) -> dict:
    """The facts of an event for an action done offline: both times."""
    if at is None:
        return {}
    return {"device_time": at.isoformat(), "received_at": received_at.isoformat()}


# The bundle -------------------------------------------------------------------------------


def _job_urls(pk: int) -> dict:
    names = {
        "work": "interventions-work",
        "sign": "interventions-sign",
        "arrive": "interventions-work-arrive",
        "report": "interventions-work-report",
        "part_add": "interventions-work-part-add",
        "other_request": "interventions-work-other-request",
        "resolve": "interventions-work-resolve",
        "follow_up": "interventions-work-follow-up",
        "submit": "interventions-work-submit",
        "reopen": "interventions-work-reopen",
        "out_of_conditions": "interventions-out-of-conditions",
        "sign_technician": "interventions-sign-technician",
        "sign_customer": "interventions-sign-customer",
        "procedures": "procedures-intervention",
        "procedures_record": "procedures-intervention-record",
    }
    return {key: reverse(name, args=[pk]) for key, name in names.items()}


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def offline_jobs(user, *, now: datetime.datetime | None = None) -> list[Intervention]:
    """The technician's jobs to cache: planned from today to today + OFFLINE_DAYS, in
    progress or awaiting signature, or not planned yet (assigned, open)."""
    now = now or timezone.now()
    today = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    until = today + datetime.timedelta(days=settings.OFFLINE_DAYS + 1)
    return list(
        Intervention.objects.filter(technician=user)
        .exclude(status__in=CLOSED_STATUSES)
        .filter(
            Q(status__in=(Status.IN_PROGRESS, Status.AWAITING_SIGNATURE))
            | Q(scheduled_start__isnull=True)
            | Q(scheduled_start__lt=until, scheduled_end__gte=today)
            | Q(scheduled_start__gte=today, scheduled_start__lt=until)
        )
        .select_related("client", "site", "equipment")
        .prefetch_related(
            Prefetch("visits", queryset=Visit.objects.order_by("arrived_at", "pk")),
            Prefetch("parts", queryset=PartUsed.objects.order_by("pk")),
        )
        .order_by("scheduled_start", "pk")
    )


def _job(intervention: Intervention, user, extras: dict) -> dict:
    visits = list(intervention.visits.all())
    parts = list(intervention.parts.all())
    summary = build_offline_summary(intervention, visits, parts)
    open_visit = selectors.open_visit(visits, user.pk)
    contract = intervention.contract_snapshot or {}
    return {
        "id": intervention.pk,
        "number": intervention.number,
        "status": intervention.status,
        "urls": _job_urls(intervention.pk),
        "client": summary["client"],
        "site": summary["site"],
        "equipment": summary["equipment"],
        "object": intervention.object,
        "planned_tasks": intervention.planned_tasks,
        "scheduled_start": _iso(intervention.scheduled_start),
        "scheduled_end": _iso(intervention.scheduled_end),
        "contract": (
            f"{contract['number']} ({contract.get('kind_label', '')})".replace(" ()", "")
            if contract.get("number")
            else ""
        ),
        "under_contract": intervention.under_contract,
        "under_warranty": intervention.under_warranty,
        "warranty_until": intervention.warranty_until.isoformat()
        if intervention.warranty_until
        else None,
        "versions": versions(intervention, visits),
        "texts": {name: getattr(intervention, name) for name in SUMMARY_TEXTS},
        "outcome": intervention.outcome or "",
        # What the sign page proposes for the signed report's e-mail (the offline sign panel too).
        "signatory_email_guess": selectors.signatory_email_guess(intervention),
        "open_visit": {
            "id": open_visit.pk,
            "arrived_at": open_visit.arrived_at.isoformat(),
            "version": open_visit.version,
        }
        if open_visit
        else None,
        "visits": [
            {
                "id": v.pk,
                "technician_id": v.technician_id,
                "arrived_at": v.arrived_at.isoformat(),
                "left_at": _iso(v.left_at),
                "travel_km": decimal_text(v.travel_km),
                "travel_minutes": v.travel_minutes,
                "version": v.version,
                # The correction page, kept by the service worker for the technician's visits.
                "url": reverse("interventions-work-visit", args=[intervention.pk, v.pk]),
            }
            for v in visits
        ],
        "parts": [
            {
                "id": line.pk,
                "part_id": line.part_id,
                "reference": line.reference,
                "designation": line.description,
                "quantity": decimal_text(line.quantity),
                "unit_price": str(line.unit_price),
            }
            for line in parts
        ],
        **{name: values.get(intervention.pk, []) for name, values in extras.items()},
        "offline_summary": summary,
        "offline_summary_sha256": summary_fingerprint(summary),
    }


def versions(intervention: Intervention, visits: list | None = None) -> dict:
    """The counters an offline action is based on (interventions/conflicts.py)."""
    if visits is None:
        visits = list(Visit.objects.filter(intervention=intervention).only("pk", "version"))
    return {
        "texts": intervention.texts_version,
        "parts": intervention.parts_version,
        "assignment": intervention.assignment_version,
        "visits": {str(v.pk): v.version for v in visits},
    }


def offline_bundle(user, *, now: datetime.datetime | None = None) -> dict:
    """Everything the tablet caches for `user` (docs/offline.md §1), in a constant number of
    queries whatever the number of jobs: the jobs with their visits and parts, the catalogue,
    and one query per extension (`extensions.offline_extras`: procedures)."""
    now = now or timezone.now()
    jobs = offline_jobs(user, now=now)
    extras = {name: provider(jobs) for name, provider in extensions.offline_extras.items()}
    catalogue = Part.objects.filter(active=True).order_by("reference")
    return {
        "generated_at": timezone.localtime(now).isoformat(),
        "days": settings.OFFLINE_DAYS,
        "key_days": settings.OFFLINE_KEY_DAYS,
        "user": {"id": user.pk, "name": display_name(user)},
        "parts": [
            {
                "id": part.pk,
                "reference": part.reference,
                "designation": part.name,
                "unit_price": str(part.unit_price),
            }
            for part in catalogue.only("pk", "reference", "name", "unit_price")
        ],
        "interventions": [_job(job, user, extras) for job in jobs],
    }
