"""Response deadlines: where an intervention stands against its contract's response time."""

import datetime
import functools
from dataclasses import dataclass

import holidays
from django.conf import settings
from django.utils import timezone

AT_RISK_SHARE = 0.25  # under 25 % of the allowed time left: at risk


@dataclass(frozen=True)
class DeadlineState:
    state: str  # "met", "missed", "ok", "at_risk", "overdue"
    deadline: datetime.datetime
    remaining: datetime.timedelta  # negative when overdue


def deadline_state(intervention, now: datetime.datetime | None = None) -> DeadlineState | None:
    """None when the contract sets no deadline. Once the technician has arrived, the verdict
    is final (met / missed); before that, ok / at risk / overdue against `now`."""
    deadline = intervention.deadline_at
    if deadline is None:
        return None
    if intervention.first_arrival_at is not None:
        met = intervention.first_arrival_at <= deadline
        return DeadlineState(
            "met" if met else "missed", deadline, deadline - intervention.first_arrival_at
        )
    now = now or timezone.now()
    remaining = deadline - now
    if remaining.total_seconds() < 0:
        return DeadlineState("overdue", deadline, remaining)
    allowed = (deadline - intervention.requested_at).total_seconds()
    if allowed <= 0 or remaining.total_seconds() < AT_RISK_SHARE * allowed:
        return DeadlineState("at_risk", deadline, remaining)
    return DeadlineState("ok", deadline, remaining)


def _clock(value: str) -> datetime.time:
    hours, minutes = value.split(":")
    return datetime.time(int(hours), int(minutes))


@functools.lru_cache(maxsize=64)
def _holidays(country: str, subdiv: str | None, year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year))


def is_business_day(day: datetime.date) -> bool:
    """An opening day (settings.BUSINESS_DAYS) that is not a public holiday (computed)."""
    if day.weekday() not in settings.BUSINESS_DAYS:
        return False
    return day not in _holidays(settings.HOLIDAYS_COUNTRY, settings.HOLIDAYS_SUBDIV, day.year)


def add_business_hours(start: datetime.datetime, hours: float) -> datetime.datetime:
    """`start` + `hours` counted only inside business hours, on business days.

    A call taken outside opening hours starts the clock at the next opening. Computed on the
    local wall clock (opening hours are local), returned as an aware datetime.
    """
    if not settings.BUSINESS_DAYS:
        raise ValueError("BUSINESS_DAYS is empty: no deadline can ever be reached.")
    opening, closing = _clock(settings.BUSINESS_HOURS_START), _clock(settings.BUSINESS_HOURS_END)
    if closing <= opening:
        raise ValueError("BUSINESS_HOURS_END must be after BUSINESS_HOURS_START.")
    tz = timezone.get_current_timezone()
    cursor = timezone.localtime(start, tz).replace(tzinfo=None)
    remaining = datetime.timedelta(hours=hours)
    while True:
        day = cursor.date()
        if is_business_day(day):
            open_at = datetime.datetime.combine(day, opening)
            close_at = datetime.datetime.combine(day, closing)
            cursor = max(cursor, open_at)
            if cursor < close_at:
                available = close_at - cursor
                if remaining <= available:
                    return timezone.make_aware(cursor + remaining, tz)
                remaining -= available
        cursor = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())


def response_deadline(
    requested_at: datetime.datetime, response_time_hours: int | None
) -> datetime.datetime | None:
    """The contract's response deadline for a call taken at `requested_at`; None without a
    contract or without a committed response time."""
    if not response_time_hours:
        return None
    return add_business_hours(requested_at, response_time_hours)
