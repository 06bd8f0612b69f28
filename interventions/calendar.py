"""A technician's scheduled interventions as an iCalendar feed (RFC 5545), read by phone
calendars from a private address: /calendar/<token>.ics (README, « Agenda (iCalendar) »).

The feed holds the technician's interventions with a time slot from CALENDAR_DAYS_BEFORE days
ago to CALENDAR_DAYS_AFTER days ahead, cancelled ones left out (a phone drops an event that
leaves the feed). Times are written in Europe/Paris with its VTIMEZONE, so a slot after the
autumn change keeps its wall-clock hour. UID: the intervention's pk (stable); SEQUENCE: its
`assignment_version`, raised by every assignment, new slot or handover.
"""

import datetime
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from .models import CalendarFeed, Intervention, Status
from .people import display_name

CALENDAR_DAYS_BEFORE = 30
CALENDAR_DAYS_AFTER = 90


def _new_token() -> str:
    return secrets.token_urlsafe(32)  # 43 characters, 256 bits


@transaction.atomic
def calendar_feed_regenerate(*, user) -> CalendarFeed:
    """Create the user's private address, or replace it (the old one stops working)."""
    token = _new_token()
    feed, _created = CalendarFeed.objects.select_for_update().get_or_create(
        user=user, defaults={"selector": token[: CalendarFeed.SELECTOR_LENGTH], "token": token}
    )
    if not _created:
        feed.selector, feed.token = token[: CalendarFeed.SELECTOR_LENGTH], token
        feed.created_at = timezone.now()
        feed.save(update_fields=["selector", "token", "created_at"])
    return feed


def feed_for_token(token: str) -> CalendarFeed | None:
    """The feed of a token, or None; one query, the secret compared in constant time."""
    if not token or len(token) > 64:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(selector=token[: CalendarFeed.SELECTOR_LENGTH], user__is_active=True)
        .first()
    )
    if feed is None or not hmac.compare_digest(feed.token.encode(), token.encode()):
        return None
    return feed


def feed_interventions(user, now: datetime.datetime | None = None):
    now = now or timezone.now()
    return (
        Intervention.objects.filter(
            technician=user,
            scheduled_start__isnull=False,
            scheduled_end__isnull=False,
            scheduled_start__lt=now + datetime.timedelta(days=CALENDAR_DAYS_AFTER),
            scheduled_end__gt=now - datetime.timedelta(days=CALENDAR_DAYS_BEFORE),
        )
        .exclude(status=Status.CANCELLED)
        .select_related("client", "site", "equipment")
        .order_by("scheduled_start", "pk")
    )


def _description(job: Intervention, work_url: str) -> str:
    lines = [_("Client: %(name)s") % {"name": job.client.name}]
    if job.site is not None:
        lines.append(_("Site: %(label)s") % {"label": job.site.label})
        contact = " — ".join(p for p in (job.site.contact_name, job.site.contact_phone) if p)
        if contact:
            lines.append(_("On-site contact: %(contact)s") % {"contact": contact})
    if job.equipment is not None:
        lines.append(_("Equipment: %(equipment)s") % {"equipment": job.equipment})
    lines.append(_("Object: %(object)s") % {"object": job.object})
    lines.append(_("Work page: %(url)s") % {"url": work_url})
    return "\n".join(lines)


def build_calendar(
    user, *, base_url: str, host: str, now: datetime.datetime | None = None
) -> bytes:
    """The feed's bytes. `base_url`: scheme and host of the links (« https://example.org »);
    `host`: the UIDs' domain; `now`: the moment the window is centred on (tests)."""
    tz = timezone.get_default_timezone()  # Europe/Paris (settings.TIME_ZONE)
    calendar = Calendar()
    calendar.add("prodid", "-//InfoDepann//Rapports d'intervention//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Interventions — %(name)s") % {"name": display_name(user)})
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    # What the apps that honour it use as their refresh delay (Apple, Outlook).
    calendar.add("refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    url_head, url_tail = reverse("interventions-work", args=[0]).rsplit("0", 1)
    for job in feed_interventions(user, now):
        event = Event()
        event.add("uid", f"intervention-{job.pk}@{host}")
        event.add("dtstamp", stamp)
        event.add("last-modified", job.updated_at.astimezone(datetime.UTC).replace(microsecond=0))
        event.add("sequence", job.assignment_version)
        event.add("dtstart", timezone.localtime(job.scheduled_start, tz).replace(microsecond=0))
        event.add("dtend", timezone.localtime(job.scheduled_end, tz).replace(microsecond=0))
        event.add("summary", f"{job.number} — {job.object.splitlines()[0] if job.object else ''}")
        place = job.site or job.client
        event.add("location", place.full_address or job.client.name)
        work_url = f"{base_url}{url_head}{job.pk}{url_tail}"
        event.add("description", _description(job, work_url))
        event.add("url", work_url)
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
