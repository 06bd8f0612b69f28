"""The dashboard's period aggregates, from a monthly summary for closed months.

A year of the dashboard aggregated ~38,000 interventions, ~44,000 visits and ~24,000 parts lines
on every request (bench/README.md, issue 14). Here each of its five period tables (per month,
technician, part, client, equipment kind) is the sum of:

* the **summary rows** (`StatsMonth*` models) of the closed months that lie wholly inside the
  period, and
* a **live** aggregate of the rest: the partial months at the period's edges and the current
  month (and every month on SQLite, which has no summary).

Exactness: the figures are always those of the live query over the whole period (the `stats`
tables with `summary=False`; tests/interventions/test_stats_summary.py compares both on random
data). The summary of a month is computed by `refresh_months` alone, under a lock on its
`StatsMonth` row, and is used only while its `computed_version` equals `version`. PostgreSQL
triggers (installed by the migration, `install`) bump `version` in the writer's own transaction,
whatever writes: services, `QuerySet.update()`, `bulk_create`, the admin, raw SQL. A writer
holds the row lock of the months it touches until it commits, so a refresh never computes a
month while a write to it is pending, and a write committed after a refresh makes the month
stale. The stale or missing months of a period are recomputed when the dashboard reads them (all
at once, in a fixed number of queries), or by `manage.py refresh_stats`.

What moves a closed month's figures, and what the triggers watch:
* an intervention inserted or deleted, or its request date, client, equipment, deadline met,
  resolution date, or cancellation changed: the month(s) of its request date;
* a visit inserted, deleted or changed (arrival, departure, technician, km): the months of every
  visit of its intervention (a technician's jobs are counted once per period, see
  `StatsMonthTechnician`);
* a part line inserted, deleted or changed: the month of its intervention's request;
* an equipment's kind changed: the months of its interventions.
Names (clients, technicians) and labels are read when shown: a rename needs no refresh.

Months are local months (TIME_ZONE); the triggers mark the months of the instant 14 hours
before and after (any time zone), which may mark one month too many, never one too few. Only
months that ended over an hour ago are summarised (`SETTLED`), and the triggers mark every
month that ends within 13 hours or less: a transaction writing into a month without marking it
would have to last over 14 hours to commit after that month is summarised. The current month
is not marked before its last hours (no lock taken on the month being written all day).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from clients.models import Client

from .models import (
    Intervention,
    PartUsed,
    StatsMonth,
    StatsMonthClient,
    StatsMonthKind,
    StatsMonthPart,
    StatsMonthTechnician,
    StatsMonthTotals,
    Status,
    Visit,
)

ONE_US = datetime.timedelta(microseconds=1)
SUMMARY_MODELS = (
    StatsMonthTotals,
    StatsMonthClient,
    StatsMonthKind,
    StatsMonthPart,
    StatsMonthTechnician,
)
TABLES = [StatsMonth._meta.db_table] + [m._meta.db_table for m in SUMMARY_MODELS]
# A month is summarised once it ended this long ago (see the module's docstring).
SETTLED = datetime.timedelta(hours=1)


def enabled() -> bool:
    """The summary exists on PostgreSQL (its triggers) and for months of TIME_ZONE."""
    return connection.vendor == "postgresql" and (
        timezone.get_current_timezone_name() == settings.TIME_ZONE
    )


def _tz():
    return timezone.get_current_timezone()


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=_tz())


def _next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    return _midnight(month), _midnight(_next_month(month))


def settled_months_before(now: datetime.datetime | None = None) -> datetime.date:
    """The first month that is not yet summarised: months before it ended over a day ago."""
    now = now or timezone.now()
    return timezone.localtime(now - SETTLED, _tz()).date().replace(day=1)


@dataclass
class Split:
    """A period [low, high) cut into whole summarised months and live ranges."""

    months: list[datetime.date]
    live: list[tuple[datetime.datetime, datetime.datetime]]

    @property
    def summary_low(self) -> datetime.datetime | None:
        return _midnight(self.months[0]) if self.months else None

    @property
    def summary_high(self) -> datetime.datetime | None:
        return _midnight(_next_month(self.months[-1])) if self.months else None


def split(low: datetime.datetime, high: datetime.datetime, *, summary: bool = True) -> Split:
    if not (summary and enabled()):
        return Split([], [(low, high)])
    first = timezone.localtime(low, _tz()).date().replace(day=1)
    if _midnight(first) < low:
        first = _next_month(first)
    limit = settled_months_before()
    months = []
    month = first
    while month < limit and _midnight(_next_month(month)) <= high:
        months.append(month)
        month = _next_month(month)
    if not months:
        return Split([], [(low, high)])
    live = []
    if low < _midnight(months[0]):
        live.append((low, _midnight(months[0])))
    end = _midnight(_next_month(months[-1]))
    if end < high:
        live.append((end, high))
    return Split(months, live)


def prepare(low, high, *, summary: bool = True) -> Split:
    """The split of a period with its summary months brought up to date, once for all the
    tables that read it (`stats.dashboard_tables`)."""
    parts = split(low, high, summary=summary)
    if parts.months:
        ensure_fresh(parts.months)
    return parts


def _parts(low, high, summary: bool, parts: Split | None) -> Split:
    return parts if parts is not None else prepare(low, high, summary=summary)


# -- the live aggregates, over any list of [low, high) ranges ---------------------------------


def _ranges_q(field: str, ranges) -> Q:
    q = Q(pk__in=[])
    for low, high in ranges:
        q |= Q(**{f"{field}__gte": low, f"{field}__lt": high})
    return q


def _interventions(ranges):
    return Intervention.objects.filter(_ranges_q("requested_at", ranges)).exclude(
        status=Status.CANCELLED
    )


def _duration(end: str, start: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _us(duration: datetime.timedelta | None) -> int:
    return duration // ONE_US if duration else 0


def _live_months(ranges) -> dict[datetime.date, list[int]]:
    """month → [total, with deadline, met, resolved, resolution in µs]."""
    rows = (
        _interventions(ranges)
        .annotate(month=TruncMonth("requested_at"))
        .values("month")
        .annotate(
            total=Count("pk"),
            with_deadline=Count("pk", filter=Q(met_deadline__isnull=False)),
            met=Count("pk", filter=Q(met_deadline=True)),
            resolved=Count("pk", filter=Q(resolved_at__isnull=False)),
            resolution=Sum(
                _duration("resolved_at", "requested_at"), filter=Q(resolved_at__isnull=False)
            ),
        )
        .order_by()
    )
    out = {}
    for r in rows:
        month = r["month"].date() if isinstance(r["month"], datetime.datetime) else r["month"]
        out[month] = [
            r["total"],
            r["with_deadline"],
            r["met"],
            r["resolved"],
            _us(r["resolution"]),
        ]
    return out


def _live_kinds(ranges) -> dict[str, int]:
    rows = _interventions(ranges).values_list("equipment__kind").annotate(n=Count("*")).order_by()
    return {kind or "": n for kind, n in rows}


def _parts_used(ranges):
    return PartUsed.objects.filter(_ranges_q("intervention__requested_at", ranges)).exclude(
        intervention__status=Status.CANCELLED
    )


def _live_parts(ranges) -> dict[tuple[str, str], Decimal]:
    rows = (
        _parts_used(ranges)
        .values_list("reference", "description")
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    return {(ref, desc): quantity for ref, desc, quantity in rows}


def _finished_visits(ranges):
    return Visit.objects.filter(_ranges_q("arrived_at", ranges), left_at__isnull=False)


def _live_technicians(ranges, *, outside=None) -> dict[int, list]:
    """technician → [on site µs, km, jobs]; `outside` = (low, high): the jobs with a finished
    visit by the same technician in that range are not counted (the summary counts them)."""
    visits = _finished_visits(ranges)
    jobs = visits
    if outside:
        jobs = visits.exclude(
            Exists(
                Visit.objects.filter(
                    intervention=OuterRef("intervention"),
                    technician=OuterRef("technician"),
                    left_at__isnull=False,
                    arrived_at__gte=outside[0],
                    arrived_at__lt=outside[1],
                )
            )
        )
    out: dict[int, list] = {}
    sums = (
        visits.values_list("technician")
        .annotate(on_site=Sum(_duration("left_at", "arrived_at")), km=Sum("travel_km"))
        .order_by()
    )
    for technician, on_site, km in sums:
        out[technician] = [_us(on_site), km or Decimal("0"), 0]
    counts = (
        jobs.values_list("technician").annotate(n=Count("intervention", distinct=True)).order_by()
    )
    for technician, n in counts:
        out[technician][2] = n
    return out


# -- the merged aggregates the dashboard reads ------------------------------------------------


def period_months(low, high, *, summary=True, parts=None) -> dict[datetime.date, list[int]]:
    parts = _parts(low, high, summary, parts)
    out = _live_months(parts.live)
    if parts.months:
        for row in StatsMonthTotals.objects.filter(month__in=parts.months).values_list(
            "month", "total", "with_deadline", "met", "resolved", "resolution_us"
        ):
            out[row[0]] = list(row[1:])
    return dict(sorted(out.items()))


def _add(out: dict, rows) -> dict:
    for key, value in rows:
        out[key] = out.get(key, 0) + value
    return out


def top_clients(low, high, n: int, *, summary=True, parts=None) -> list[tuple[str, int]]:
    """(client name, interventions) of the `n` clients with the most, then by name and number
    in the database's collation. ~5,000 clients have interventions in a year: summed, ordered
    and cut by the database, which returns `n` rows."""
    parts = _parts(low, high, summary, parts)
    sources = []
    params: list = []
    if parts.live:
        live = _interventions(parts.live).values("client_id").annotate(n=Count("*")).order_by()
        sql, live_params = live.query.sql_with_params()
        sources.append(sql)
        params += live_params
    if parts.months:
        stored = StatsMonthClient.objects.filter(month__in=parts.months).values(
            "client_id", "total"
        )
        sql, stored_params = stored.query.sql_with_params()
        sources.append(sql)
        params += stored_params
    union = " UNION ALL ".join(f"SELECT * FROM ({sql}) AS s{i}" for i, sql in enumerate(sources))
    client = Client._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT c.name, SUM(u.n) AS total FROM ({union}) AS u(client_id, n) "
            f"JOIN {client} c ON c.id = u.client_id GROUP BY c.id, c.name, c.number "
            "ORDER BY total DESC, c.name, c.number LIMIT %s",
            [*params, n],
        )
        return [(name, int(total)) for name, total in cursor.fetchall()]


def period_kinds(low, high, *, summary=True, parts=None) -> dict[str, int]:
    parts = _parts(low, high, summary, parts)
    out = _live_kinds(parts.live)
    if parts.months:
        rows = (
            StatsMonthKind.objects.filter(month__in=parts.months)
            .values_list("kind")
            .annotate(n=Sum("total"))
            .order_by()
        )
        _add(out, rows)
    return out


def period_parts(low, high, *, summary=True, parts=None) -> dict[tuple[str, str], Decimal]:
    parts = _parts(low, high, summary, parts)
    out = _live_parts(parts.live)
    if parts.months:
        rows = (
            StatsMonthPart.objects.filter(month__in=parts.months)
            .values_list("reference", "description")
            .annotate(n=Sum("quantity"))
            .order_by()
        )
        _add(out, (((ref, desc), n) for ref, desc, n in rows))
    return out


def period_technicians(low, high, *, summary=True, parts=None) -> dict[int, list]:
    parts = _parts(low, high, summary, parts)
    if not parts.months:
        return _live_technicians(parts.live)
    out = _live_technicians(parts.live, outside=(parts.summary_low, parts.summary_high))
    first = parts.months[0]
    rows = (
        StatsMonthTechnician.objects.filter(month__in=parts.months)
        .values_list("technician_id")
        .annotate(
            on_site=Sum("on_site_us"),
            km=Sum("km"),
            jobs=Sum("jobs", filter=Q(since__isnull=True) | Q(since__lt=first)),
        )
        .order_by()
    )
    for technician, on_site, km, jobs in rows:
        total = out.setdefault(technician, [0, Decimal("0"), 0])
        total[0] += on_site
        total[1] += km
        total[2] += jobs or 0
    return out


# -- computing and storing a month -------------------------------------------------------------


def _month(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def _months_rows(months: list[datetime.date]):
    """The summary rows of `months`, each query grouped by month: as many queries for one
    month as for forty."""
    ranges = [month_bounds(m) for m in months]
    totals = _live_months(ranges)
    clients = (
        _interventions(ranges)
        .annotate(month=TruncMonth("requested_at"))
        .values_list("month", "client_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    kinds = (
        _interventions(ranges)
        .annotate(month=TruncMonth("requested_at"))
        .values_list("month", "equipment__kind")
        .annotate(n=Count("*"))
        .order_by()
    )
    parts = (
        _parts_used(ranges)
        .annotate(month=TruncMonth("intervention__requested_at"))
        .values_list("month", "reference", "description")
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    # Each (technician, intervention) pair with a finished visit in a month, its hours and km
    # there, and the month of the pair's previous finished visit (`StatsMonthTechnician`).
    pairs = list(
        _finished_visits(ranges)
        .annotate(month=TruncMonth("arrived_at"))
        .values_list("month", "technician", "intervention")
        .annotate(on_site=Sum(_duration("left_at", "arrived_at")), km=Sum("travel_km"))
        .order_by()
    )
    visited: dict[tuple, set] = defaultdict(set)
    if pairs:
        earlier = (
            Visit.objects.filter(
                intervention__in={p[2] for p in pairs},
                left_at__isnull=False,
                arrived_at__lt=month_bounds(months[-1])[1],
            )
            .annotate(month=TruncMonth("arrived_at"))
            .values_list("technician", "intervention", "month")
            .distinct()
            .order_by()
        )
        for technician, intervention, month in earlier:
            visited[(technician, intervention)].add(_month(month))
    technicians: dict[tuple, list] = defaultdict(lambda: [0, Decimal("0"), 0])
    for month, technician, intervention, on_site, km in pairs:
        month = _month(month)
        before = [m for m in visited[(technician, intervention)] if m < month]
        row = technicians[(month, technician, max(before) if before else None)]
        row[0] += _us(on_site)
        row[1] += km or Decimal("0")
        row[2] += 1
    return totals, clients, kinds, parts, technicians


def refresh_months(months: list[datetime.date]) -> None:
    """Compute and store the summary of `months` (closed months), under the locks of their
    `StatsMonth` rows: writers to those months wait, and make them stale when they commit."""
    months = sorted(set(months))
    if not months:
        return
    table = StatsMonth._meta.db_table
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (month, version) SELECT m, 0 FROM unnest(%s::date[]) AS m "
                "ORDER BY m ON CONFLICT (month) DO NOTHING",
                [months],
            )
            cursor.execute(
                f"SELECT month FROM {table} WHERE month = ANY(%s::date[]) ORDER BY month "
                "FOR UPDATE",
                [months],
            )
        totals, clients, kinds, parts, technicians = _months_rows(months)
        for model in SUMMARY_MODELS:
            model.objects.filter(month__in=months).delete()
        StatsMonthTotals.objects.bulk_create(
            StatsMonthTotals(
                month=month,
                total=row[0],
                with_deadline=row[1],
                met=row[2],
                resolved=row[3],
                resolution_us=row[4],
            )
            for month, row in totals.items()
        )
        StatsMonthClient.objects.bulk_create(
            StatsMonthClient(month=_month(m), client_id=k, total=n) for m, k, n in clients
        )
        StatsMonthKind.objects.bulk_create(
            StatsMonthKind(month=_month(m), kind=k or "", total=n) for m, k, n in kinds
        )
        StatsMonthPart.objects.bulk_create(
            StatsMonthPart(month=_month(m), reference=ref, description=desc, quantity=n)
            for m, ref, desc, n in parts
        )
        StatsMonthTechnician.objects.bulk_create(
            StatsMonthTechnician(
                month=m, technician_id=t, since=since, on_site_us=v[0], km=v[1], jobs=v[2]
            )
            for (m, t, since), v in technicians.items()
        )
        StatsMonth.objects.filter(month__in=months).update(
            computed_version=F("version"), computed_at=timezone.now()
        )


def ensure_fresh(months: list[datetime.date]) -> None:
    """Recompute the months that are missing or stale (all of them at once)."""
    fresh = set(
        StatsMonth.objects.filter(month__in=months, computed_version=F("version")).values_list(
            "month", flat=True
        )
    )
    refresh_months([m for m in months if m not in fresh])


def refresh(*, everything: bool = False) -> int:
    """Every settled month that holds data (all of them recomputed with `everything`, else the
    missing or stale ones): `manage.py refresh_stats`, `load_data`, `demo_data`. Returns how
    many months were computed."""
    if not enabled():
        return 0
    first = Intervention.objects.order_by("requested_at").values_list("requested_at", flat=True)
    first_visit = Visit.objects.order_by("arrived_at").values_list("arrived_at", flat=True)
    starts = [d for d in (first.first(), first_visit.first()) if d]
    if not starts:
        return 0
    month = timezone.localtime(min(starts), _tz()).date().replace(day=1)
    limit = settled_months_before()
    months = []
    while month < limit:
        months.append(month)
        month = _next_month(month)
    if not everything:
        fresh = set(
            StatsMonth.objects.filter(computed_version=F("version")).values_list("month", flat=True)
        )
        months = [m for m in months if m not in fresh]
    refresh_months(months)
    return len(months)


# -- the PostgreSQL triggers that mark months stale (installed by the migration) -----------------

MONTHS = StatsMonth._meta.db_table

# The months of these instants that may already be summarised, bumped in the writer's
# transaction (row lock until it commits), in month order (no deadlock between two writers).
MARK_FUNCTION = f"""
CREATE OR REPLACE FUNCTION stats_mark(stamps timestamptz[]) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO {MONTHS} (month, version)
    SELECT m, 1 FROM (
        SELECT DISTINCT date_trunc('month', (s AT TIME ZONE 'UTC') + o.shift)::date AS m
        FROM unnest(stamps) AS s,
             (VALUES (interval '-14 hours'), (interval '14 hours')) AS o(shift)
        WHERE s IS NOT NULL
    ) AS candidates
    WHERE ((m + interval '1 month') - interval '14 hours') AT TIME ZONE 'UTC' <= now()
    ORDER BY m
    ON CONFLICT (month) DO UPDATE SET version = {MONTHS}.version + 1
$$;
"""

# table → (SQL giving the instants whose months a statement changes, from `changed`: the rows
# inserted, deleted, or updated in a column the summary reads, old and new), columns compared.
WATCHED = {
    "interventions_intervention": (
        "SELECT requested_at FROM changed",
        "requested_at, client_id, equipment_id, met_deadline, resolved_at, status = 'cancelled'",
    ),
    "interventions_visit": (
        "SELECT arrived_at FROM changed UNION ALL SELECT v.arrived_at "
        "FROM interventions_visit v WHERE v.intervention_id IN "
        "(SELECT intervention_id FROM changed)",
        "intervention_id, technician_id, arrived_at, left_at, travel_km",
    ),
    "interventions_partused": (
        "SELECT i.requested_at FROM interventions_intervention i "
        "WHERE i.id IN (SELECT intervention_id FROM changed)",
        "intervention_id, reference, description, quantity",
    ),
    "clients_equipment": (
        "SELECT i.requested_at FROM interventions_intervention i "
        "WHERE i.equipment_id IN (SELECT id FROM changed)",
        "kind",
    ),
}


def _trigger_sql(table: str) -> list[str]:
    """Inserts and deletes: one statement trigger (a bulk insert marks its months once).
    Updates: a row trigger whose WHEN compares the watched columns, so that the many updates
    that change none of them (a status moving on, a text, a signature) run no function at all."""
    stamps, columns = WATCHED[table]
    old_cols = ", ".join(f"OLD.{c.strip()}" for c in columns.split(","))
    new_cols = ", ".join(f"NEW.{c.strip()}" for c in columns.split(","))
    function = f"stats_mark_{table}"
    sql = [
        f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM stats_mark(ARRAY(WITH changed AS (SELECT * FROM new_rows) {stamps}));
    ELSE
        PERFORM stats_mark(ARRAY(WITH changed AS (SELECT * FROM old_rows) {stamps}));
    END IF;
    RETURN NULL;
END $$;
""",
        f"""
CREATE OR REPLACE FUNCTION {function}_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM stats_mark(ARRAY(WITH changed AS (SELECT OLD.* UNION ALL SELECT NEW.*) {stamps}));
    RETURN NULL;
END $$;
""",
    ]
    for op in ("INSERT", "UPDATE", "DELETE"):
        if table == "clients_equipment" and op != "UPDATE":
            continue  # a new equipment has no intervention; a used one cannot be deleted
        name = f"{function}_{op.lower()}"
        sql.append(f"DROP TRIGGER IF EXISTS {name} ON {table};")
        if op == "UPDATE":
            sql.append(
                f"CREATE TRIGGER {name} AFTER UPDATE ON {table} FOR EACH ROW "
                f"WHEN (({old_cols}) IS DISTINCT FROM ({new_cols})) "
                f"EXECUTE FUNCTION {function}_row();"
            )
        else:
            table_name = "new_rows" if op == "INSERT" else "old_rows"
            sql.append(
                f"CREATE TRIGGER {name} AFTER {op} ON {table} "
                f"REFERENCING {'NEW' if op == 'INSERT' else 'OLD'} TABLE AS {table_name} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
            )
    return sql


def install(conn) -> None:
    """Create the marking function and triggers (PostgreSQL; the migration calls this)."""
    with conn.cursor() as cursor:
        cursor.execute(MARK_FUNCTION)
        for table in WATCHED:
            for statement in _trigger_sql(table):
                cursor.execute(statement)


def uninstall(conn) -> None:
    if conn.vendor != "postgresql":
        return
    with conn.cursor() as cursor:
        for table in WATCHED:
            cursor.execute(f"DROP FUNCTION IF EXISTS stats_mark_{table}() CASCADE;")
            cursor.execute(f"DROP FUNCTION IF EXISTS stats_mark_{table}_row() CASCADE;")
        cursor.execute("DROP FUNCTION IF EXISTS stats_mark(timestamptz[]);")
