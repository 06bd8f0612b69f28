"""The planning grid: each technician's scheduled interventions per day or per week, with the
overlapping slots flagged (a technician cannot be in two places at once)."""

import datetime
from dataclasses import dataclass, field
from html import escape  # what django.utils.html.escape does, without its lazy-string wrapper

from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from . import selectors
from .people import display_name

DAY_FIRST_HOUR, DAY_LAST_HOUR = 7, 20  # the day view's time axis


@dataclass(frozen=True)
class SlotJob:
    """What a slot knows of its intervention."""

    pk: int
    number: str
    client_name: str


@dataclass
class Slot:
    job: SlotJob
    start: datetime.datetime  # local
    end: datetime.datetime  # local
    overlaps: list = field(default_factory=list)  # numbers of the jobs it overlaps
    lane: int = 0  # day view: stacked row when slots overlap
    left: float = 0.0  # day view: position on the time axis, in %
    width: float = 0.0

    # A week shows about a thousand slots at ten technicians: what each one prints is made
    # once in Python, plain strings the template only inserts (a `{% url %}` and three
    # filters per slot were most of the page's time, bench/README.md).
    url: str = ""
    hours: str = ""  # "09:00–11:00"
    client: str = ""  # the client's name, cut at 28 characters


def _short(text: str, length: int = 28) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


@dataclass
class Row:
    technician: object
    days: list  # one list of Slot per day
    lanes: int = 1

    @property
    def slots(self):
        return [slot for day in self.days for slot in day]

    @cached_property
    def week_cells(self) -> list[SafeString]:
        """The week view's cells, one per day, as HTML made here: a week shows about a
        thousand slots, and six template lookups with auto-escaping per slot were half the
        page's time (bench/README.md, "List and planning rendering")."""
        return [mark_safe("".join(_week_slot(slot) for slot in day)) for day in self.days]


def _week_slot(slot: Slot) -> str:
    """One slot of the week view, escaped as the template would (the template's indentation
    is one space: the browser shows the same)."""
    number = escape(slot.job.number)
    clash = " planning-clash" if slot.overlaps else ""
    return (
        f'<a href="{escape(slot.url)}" class="planning-slot planning-slot-week{clash}" '
        f'data-testid="slot-{number}"> <strong>{escape(slot.hours)}</strong> '
        f"{number}<br><small>{escape(slot.client)}</small></a> "
    )


@dataclass
class Planning:
    days: list[datetime.date]
    rows: list[Row]
    hours: list[int]

    @cached_property
    def overlaps(self) -> list[tuple]:
        """(technician, slot, other job number) for every clash, each pair once."""
        clashes = []
        for row in self.rows:
            for slot in row.slots:
                for other in slot.overlaps:
                    if slot.job.number < other:
                        clashes.append((row.technician, slot, other))
        return clashes

    @cached_property
    def overlap_lines(self) -> list[SafeString]:
        """The warning's lines, "Name: A and B at the same time", escaped as the template's
        `blocktranslate` would; a busy week has hundreds of them (264 at 100,000
        interventions), and the template tag made them slowly (bench/README.md)."""
        names: dict[int, str] = {}
        message = gettext("%(name)s: %(a)s and %(b)s at the same time")
        lines = []
        for tech, slot, other in self.overlaps:
            if tech.pk not in names:
                names[tech.pk] = escape(display_name(tech))
            values = {"name": names[tech.pk], "a": escape(slot.job.number), "b": escape(other)}
            lines.append(mark_safe(message % values))
        return lines


def _last_day(slot: Slot) -> datetime.date:
    """A slot ending at midnight does not spill onto the next day."""
    return (slot.end - datetime.timedelta(microseconds=1)).date()


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _flag_overlaps(slots: list[Slot]) -> None:
    ordered = sorted(slots, key=lambda s: s.start)
    for i, slot in enumerate(ordered):
        for other in ordered[i + 1 :]:
            if other.start >= slot.end:
                break
            slot.overlaps.append(other.job.number)
            other.overlaps.append(slot.job.number)


def _place_on_axis(slots: list[Slot], day: datetime.date) -> int:
    """Day view: horizontal position in % and a lane per slot; returns the number of lanes."""
    axis_start = datetime.datetime.combine(day, datetime.time(DAY_FIRST_HOUR))
    axis_minutes = (DAY_LAST_HOUR - DAY_FIRST_HOUR) * 60
    lane_ends: list[datetime.datetime] = []
    for slot in sorted(slots, key=lambda s: s.start):
        begin = max(0.0, (slot.start - axis_start).total_seconds() / 60)
        finish = min(axis_minutes, (slot.end - axis_start).total_seconds() / 60)
        # Short (or off-axis) slots still get one hour of width, to stay readable and tappable.
        slot.left = round(100 * min(begin, axis_minutes - 60) / axis_minutes, 2)
        slot.width = round(100 * max(finish - begin, 60) / axis_minutes, 2)
        for lane, lane_end in enumerate(lane_ends):
            if lane_end <= slot.start:
                slot.lane, lane_ends[lane] = lane, slot.end
                break
        else:
            slot.lane = len(lane_ends)
            lane_ends.append(slot.end)
    return max(1, len(lane_ends))


def build_planning(first_day: datetime.date, n_days: int) -> Planning:
    """Every technician (even without work: free time is information too) and their open,
    scheduled interventions from `first_day` for `n_days` days."""
    days = [first_day + datetime.timedelta(days=n) for n in range(n_days)]
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.datetime.combine(days[0], datetime.time()), tz)
    end = timezone.make_aware(
        datetime.datetime.combine(days[-1] + datetime.timedelta(days=1), datetime.time()), tz
    )
    jobs = (
        selectors.open_interventions()
        .filter(
            technician__isnull=False,
            scheduled_start__lt=end,
            scheduled_end__gt=start,
        )
        # What a slot shows, as tuples: a thousand model instances (with deferred fields and
        # their clients) were a third of the week's time. The open-slot partial index finds
        # the week's jobs.
        .values_list(
            "pk", "number", "client__name", "scheduled_start", "scheduled_end", "technician_id"
        )
        .order_by("scheduled_start")
    )
    by_tech: dict[int, list[tuple]] = {}
    for row in jobs:
        by_tech.setdefault(row[5], []).append(row)
    # The detail URL of every slot from one reverse(): "/interventions/0/" split at the id.
    url_head, url_tail = reverse("interventions-detail", args=[0]).rsplit("0", 1)
    day_index = {day: n for n, day in enumerate(days)}
    rows = []
    for tech in selectors.technicians():
        slots = []
        for pk, number, client_name, job_start, job_end, _tech in by_tech.get(tech.pk, []):
            start = timezone.localtime(job_start, tz).replace(tzinfo=None)
            end = timezone.localtime(job_end, tz).replace(tzinfo=None)
            slots.append(
                Slot(
                    job=SlotJob(pk=pk, number=number, client_name=client_name),
                    start=start,
                    end=end,
                    url=f"{url_head}{pk}{url_tail}",
                    hours=f"{start:%H:%M}–{end:%H:%M}",
                    client=_short(client_name),
                )
            )
        _flag_overlaps(slots)
        # Each slot on the days it spans, in start order (not every slot tested for every day).
        per_day: list[list[Slot]] = [[] for _ in days]
        for slot in slots:
            day, last = max(slot.start.date(), days[0]), min(_last_day(slot), days[-1])
            while day <= last:
                per_day[day_index[day]].append(slot)
                day += datetime.timedelta(days=1)
        row = Row(technician=tech, days=per_day)
        if n_days == 1:
            row.lanes = _place_on_axis(per_day[0], days[0])
        rows.append(row)
    return Planning(days=days, rows=rows, hours=list(range(DAY_FIRST_HOUR, DAY_LAST_HOUR)))
