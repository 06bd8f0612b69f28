"""The manager's statistics: one aggregate query per table, whatever the amount of data.

Every function returns a `Table` (title, columns, rows) that the dashboard draws as a chart,
shows as a table and offers as a CSV download.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Count,
    F,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clients.models import Contract, Equipment

from . import stats_summary
from .billing import hours_from_seconds
from .models import Channel, Intervention, Status, Visit, to_sign_q
from .people import display_name
from .sla import deadline_state

TOP = 15


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    chart: str = "bar"  # bar | line | doughnut | stacked
    series: list[int] = field(default_factory=lambda: [1])  # columns drawn as datasets
    note: str = ""
    # A table cut to its first rows: how many there are, and the page that lists them all.
    total: int | None = None
    see_all: str = ""

    @property
    def element_id(self) -> str:
        return f"chart-data-{self.key}"

    @property
    def labels(self) -> list[str]:
        return [str(row[0]) for row in self.rows]

    def chart_data(self) -> dict:
        return {
            "type": self.chart,
            "labels": self.labels,
            "datasets": [
                {
                    "label": self.columns[i],
                    "data": [float(row[i]) if row[i] is not None else None for row in self.rows],
                }
                for i in self.series
            ],
        }


def _bounds(start: datetime.date, end: datetime.date):
    tz = timezone.get_current_timezone()
    low = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    high = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return low, high


def per_month(
    start: datetime.date, end: datetime.date, *, summary: bool = True, parts=None
) -> Table:
    """Interventions per month, share within the contract's deadline, mean time to resolution.
    Every period table reads `stats_summary` (closed months stored, the rest live); `summary=False`
    aggregates the whole period live (the reference the tests compare with)."""
    low, high = _bounds(start, end)
    table = []
    for month, (total, with_deadline, met, resolved, resolution_us) in stats_summary.period_months(
        low, high, summary=summary, parts=parts
    ).items():
        share = Decimal(100 * met / with_deadline).quantize(Decimal("1")) if with_deadline else None
        # The mean in whole seconds (rounded down), then hours half up, as every duration.
        mean = hours_from_seconds(resolution_us // (resolved * 1_000_000), 1) if resolved else None
        table.append([month.strftime("%m/%Y"), total, share, mean])
    return Table(
        key="months",
        title=_("Interventions per month"),
        columns=[
            _("Month"),
            _("Interventions"),
            _("Within the deadline (%)"),
            _("Mean time to resolution (h)"),
        ],
        rows=table,
        series=[1, 2, 3],
        note=_("Share within the deadline: among the interventions under a contract with one."),
    )


def _top(totals: dict, ordered_keys, n: int | None = TOP) -> list:
    """The keys with the largest totals, ties in the order of `ordered_keys(candidates)` (the
    database's collation for names and references, as an ORDER BY gave)."""
    if not totals:
        return []
    values = sorted(totals.values(), reverse=True)
    threshold = values[min(n, len(values)) - 1] if n else values[-1]
    candidates = [k for k, v in totals.items() if v >= threshold]
    rank = {k: i for i, k in enumerate(ordered_keys(candidates))}
    candidates.sort(key=lambda k: (-totals[k], rank[k]))
    return candidates[:n] if n else candidates


def per_technician(
    start: datetime.date, end: datetime.date, *, summary: bool = True, parts=None
) -> Table:
    """Hours on site, km and interventions per technician (finished visits arrived in the
    period), by name as the database orders them."""
    low, high = _bounds(start, end)
    by_technician = stats_summary.period_technicians(low, high, summary=summary, parts=parts)
    people = (
        get_user_model()
        .objects.filter(pk__in=by_technician)
        .only("username", "first_name", "last_name")
        .order_by("last_name", "username")
        if by_technician
        else []
    )
    table = [
        [
            display_name(p),
            hours_from_seconds(by_technician[p.pk][0] // 1_000_000, 1),
            by_technician[p.pk][1],
            by_technician[p.pk][2],
        ]
        for p in people
    ]
    return Table(
        key="technicians",
        title=_("Hours and km per technician"),
        columns=[_("Technician"), _("Hours on site"), _("Km"), _("Interventions")],
        rows=table,
        series=[1, 2],
    )


def _ordered_labels(keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(reference, description) pairs in the database's order."""
    if connection.vendor != "postgresql":
        return sorted(keys)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r, d FROM unnest(%s::varchar[], %s::varchar[]) AS t(r, d) ORDER BY r, d",
            [[k[0] for k in keys], [k[1] for k in keys]],
        )
        return [tuple(row) for row in cursor.fetchall()]


def parts_consumed(
    start: datetime.date, end: datetime.date, *, summary: bool = True, parts=None
) -> Table:
    low, high = _bounds(start, end)
    quantities = stats_summary.period_parts(low, high, summary=summary, parts=parts)
    table = [
        [" — ".join(p for p in key if p), quantities[key]]
        for key in _top(quantities, _ordered_labels)
    ]
    return Table(
        key="parts",
        title=_("Parts consumed"),
        columns=[_("Part"), _("Quantity")],
        rows=table,
        note=_("The %(n)s most used parts.") % {"n": TOP},
    )


def per_client(
    start: datetime.date, end: datetime.date, *, summary: bool = True, parts=None
) -> Table:
    low, high = _bounds(start, end)
    rows = stats_summary.top_clients(low, high, TOP, summary=summary, parts=parts)
    return Table(
        key="clients",
        title=_("Interventions per client"),
        columns=[_("Client"), _("Interventions")],
        rows=[[name, total] for name, total in rows],
        note=_("The %(n)s clients with the most interventions.") % {"n": TOP},
    )


def per_equipment_kind(
    start: datetime.date, end: datetime.date, *, summary: bool = True, parts=None
) -> Table:
    low, high = _bounds(start, end)
    totals = stats_summary.period_kinds(low, high, summary=summary, parts=parts)
    labels = dict(Equipment.Kind.choices)
    # Most first; ties in the order of the kinds' list, "no equipment" last.
    order = {kind: i for i, kind in enumerate(labels)}
    kinds = sorted(totals, key=lambda k: (-totals[k], order.get(k, len(order))))
    return Table(
        key="equipment",
        title=_("Interventions per equipment kind"),
        columns=[_("Equipment kind"), _("Interventions")],
        rows=[[str(labels.get(k, _("No equipment specified"))), totals[k]] for k in kinds],
        chart="doughnut",
    )


def work_to_sign(now: datetime.datetime | None = None) -> Table:
    """Work done but not signed (`models.to_sign_q`: report submitted, or in progress with a
    visit), now whatever the period, the longest waiting first: days since the last arrival."""
    rows = (
        Intervention.objects.filter(to_sign_q())
        .select_related("client", "technician")
        .only(
            "number",
            "status",
            "client__name",
            "technician__username",
            "technician__first_name",
            "technician__last_name",
        )
        # The last arrival, one probe of `visit_last_arrival_idx` per job to sign (~2,500 at
        # 100k) instead of grouping every visit with every column of the job (bench/README.md).
        .annotate(
            last_visit=Subquery(
                Visit.objects.filter(intervention=OuterRef("pk"))
                .order_by("-arrived_at")
                .values("arrived_at")[:1]
            )
        )
        .order_by(F("last_visit").asc(nulls_first=True), "number")
    )
    now = now or timezone.now()
    table = [
        [
            i.number,
            i.client.name,
            i.get_status_display(),
            display_name(i.technician, empty=""),
            (now - i.last_visit).days if i.last_visit else None,
        ]
        for i in rows[:50]
    ]
    return Table(
        key="signatures",
        title=_("Work done, not signed"),
        columns=[
            _("Number"),
            _("Client"),
            _("Status"),
            _("Technician"),
            _("Days since the last visit"),
        ],
        rows=table,
        series=[4],
        note=_("Report finished, or in progress with a visit on site: the customer must sign."),
    )


def _due_dates(contract: Contract, year_start: datetime.date, per_year: int):
    """The planned visit dates of one contract year, evenly spread."""
    return [year_start + datetime.timedelta(days=int(365 * k / per_year)) for k in range(per_year)]


def _contract_year_start(contract: Contract, today: datetime.date) -> datetime.date:
    """The last anniversary of the contract's start date, on or before today."""
    years = today.year - contract.start_date.year
    try:
        start = contract.start_date.replace(year=contract.start_date.year + years)
    except ValueError:  # 29 February
        start = contract.start_date.replace(year=contract.start_date.year + years, day=28)
    if start > today:
        try:
            start = start.replace(year=start.year - 1)
        except ValueError:
            start = start.replace(year=start.year - 1, day=28)
    return start


# The dashboard shows the contracts most behind; « Voir tout » lists them all, a page at a time.
VISITS_TOP = 10


def annual_visit_rows(today: datetime.date | None = None) -> list[list]:
    """Every active contract with planned visits: [contract, due, done, done not signed,
    overdue] this contract year, the most overdue first (then by contract).

    The contract year starts on the anniversary of the start date; its visits are spread
    evenly; a visit is overdue once its date has passed and fewer visits have been done.
    Done = planned interventions (channel "planned") signed or billed this contract year; done,
    not signed = those with work done but no signature yet (`models.to_sign_q`), never counted
    as overdue. Two queries: the contracts, and their planned interventions of the last year
    counted by contract and day (the contract year of each is applied to these counts).
    """
    today = today or timezone.localdate()
    # Plain rows, not model instances: ~1,700 contracts at 100k, where building Contract and
    # Client objects cost more than the query (bench/README.md).
    contracts = list(
        Contract.objects.filter(
            annual_visits__gt=0, start_date__lte=today, end_date__gte=today
        ).values_list("pk", "number", "start_date", "annual_visits", "client__name", named=True)
    )
    year_starts = {c.pk: _contract_year_start(c, today) for c in contracts}
    counts: dict[int, list[int]] = {}
    if contracts:
        low, _high = _bounds(min(year_starts.values()), today)
        per_day = (
            Intervention.objects.filter(
                channel=Channel.PLANNED,
                requested_at__gte=low,
                contract__annual_visits__gt=0,
                contract__start_date__lte=today,
                contract__end_date__gte=today,
            )
            .annotate(day=TruncDate("requested_at"))
            .values("contract_id", "day")
            .annotate(
                signed=Count("pk", filter=Q(status__in=[Status.SIGNED, Status.BILLED])),
                unsigned=Count("pk", filter=to_sign_q()),
            )
            .order_by()
            .values_list("contract_id", "day", "signed", "unsigned")
        )
        # ~7,500 rows at 100k read as the database returns them: Django's per-row converters
        # (the counts' int(), the day's) cost more than the loop below (bench/README.md).
        sql, params = per_day.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            per_day = cursor.fetchall()
        for contract_id, day, signed, unsigned in per_day:
            if isinstance(day, str):  # SQLite
                day = datetime.date.fromisoformat(day)
            if day >= year_starts[contract_id]:
                total = counts.setdefault(contract_id, [0, 0])
                total[0] += signed
                total[1] += unsigned
    rows = []
    for c in contracts:
        dates = _due_dates(c, year_starts[c.pk], c.annual_visits)
        expected = sum(1 for d in dates if d <= today)
        signed, unsigned = counts.get(c.pk, (0, 0))
        made = min(signed, c.annual_visits)
        unsigned = min(unsigned, c.annual_visits - made)
        overdue = max(0, expected - made - unsigned)
        to_come = c.annual_visits - made - unsigned - overdue
        rows.append([f"{c.number} — {c.client__name}", to_come, made, unsigned, overdue])
    rows.sort(key=lambda row: (-row[4], row[0]))
    return rows


def annual_visit_columns() -> list[str]:
    return [_("Contract"), _("Due"), _("Done"), _("Done, not signed"), _("Overdue")]


def annual_visits(today: datetime.date | None = None, *, top: int | None = None) -> Table:
    """The annual visits of every contract (`annual_visit_rows`), or of the `top` most behind
    with the count of all and a link to them all (`see_all`)."""
    rows = annual_visit_rows(today)
    shown = rows[:top] if top else rows
    return Table(
        key="visits",
        title=_("Annual contract visits"),
        columns=annual_visit_columns(),
        rows=shown,
        chart="stacked",
        series=[1, 2, 3, 4],
        note=_(
            "This contract year, for the active contracts that include planned visits. "
            "Done, not signed: visited or report finished, the customer has not signed yet."
        ),
        total=len(rows),
        see_all="interventions-dashboard-visits" if len(shown) < len(rows) else "",
    )


def deadlines_at_risk(now: datetime.datetime | None = None) -> Table:
    """Open interventions nobody has reached yet whose contract deadline is at risk or passed
    (now, whatever the period): most urgent first. Hours left are negative once overdue."""
    now = now or timezone.now()
    watched = Intervention.objects.filter(
        status__in=[Status.NEW, Status.SCHEDULED, Status.IN_PROGRESS],
        deadline_at__isnull=False,
        first_arrival_at__isnull=True,
    )
    # The 200 soonest read in order from `intervention_at_risk_idx` (0.3 ms), then joined:
    # one query. Joining first made PostgreSQL sort all ~2,000 watched jobs (8–19 ms at 100k).
    first = watched.order_by("deadline_at").values("pk")[:200]
    candidates = (
        Intervention.objects.filter(pk__in=first)
        .select_related("client", "technician")
        # Only what the table and `deadline_state` read: the jobs' texts and contract JSON
        # made these 200 rows cost more than the query (bench/README.md).
        .only(
            "number",
            "requested_at",
            "deadline_at",
            "first_arrival_at",
            "client__name",
            "technician__username",
            "technician__first_name",
            "technician__last_name",
        )
        .order_by("deadline_at")
    )
    labels = {"at_risk": _("at risk"), "overdue": _("overdue")}
    rows = []
    for i in candidates[:200]:
        state = deadline_state(i, now)
        if state is None or state.state not in labels:
            continue
        rows.append(
            [
                f"{i.number} — {i.client.name}",
                display_name(i.technician, empty=_("not assigned")),
                labels[state.state],
                date_format(timezone.localtime(state.deadline), "SHORT_DATETIME_FORMAT"),
                hours_from_seconds(state.remaining.total_seconds(), 1),
            ]
        )
    return Table(
        key="deadlines",
        title=_("Response deadlines at risk or overdue"),
        columns=[_("Intervention"), _("Technician"), _("State"), _("Deadline"), _("Hours left")],
        rows=rows[:50],
        series=[4],
        note=_("Open interventions not yet reached on site; negative hours: overdue."),
    )


def contracts_ending(today: datetime.date | None = None, within_days: int = 90) -> Table:
    """Contracts that end within `within_days` (to renew with the customer), soonest first."""
    today = today or timezone.localdate()
    contracts = Contract.objects.filter(
        start_date__lte=today,
        end_date__gte=today,
        end_date__lte=today + datetime.timedelta(days=within_days),
    ).select_related("client")
    rows = [
        [
            f"{c.number} — {c.client.name}",
            c.get_kind_display(),
            date_format(c.end_date, "SHORT_DATE_FORMAT"),
            (c.end_date - today).days,
        ]
        for c in contracts.order_by("end_date", "number")[:50]
    ]
    return Table(
        key="contracts",
        title=_("Contracts ending within %(days)d days") % {"days": within_days},
        columns=[_("Contract"), _("Kind"), _("End date"), _("Days left")],
        rows=rows,
        series=[3],
    )


def dashboard_tables(
    start: datetime.date, end: datetime.date, *, full: bool = False, summary: bool = True
) -> list[Table]:
    """Every table of the dashboard; the annual visits cut to the most behind unless `full`
    (a CSV holds them all); `summary=False`: the period tables aggregated live."""
    # The period's summary months checked (and brought up to date) once for the five tables.
    parts = stats_summary.prepare(*_bounds(start, end), summary=summary)
    return [
        per_month(start, end, parts=parts),
        per_technician(start, end, parts=parts),
        parts_consumed(start, end, parts=parts),
        per_client(start, end, parts=parts),
        per_equipment_kind(start, end, parts=parts),
        deadlines_at_risk(),
        work_to_sign(),
        contracts_ending(),
        annual_visits(top=None if full else VISITS_TOP),
    ]
