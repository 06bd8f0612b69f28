"""Which interventions are billed, and one `BillingLine` per intervention, streamed."""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, Round
from django.utils import timezone

from ..models import (
    BillingRates,
    Intervention,
    ReportAmendment,
    Status,
    to_sign_q,
)
from .amounts import ZERO, ZERO_MONEY, Amounts, Facts, RatesBook, compute_amounts, facts_for

# What the period of the billing list and export is read on.
SIGNED_DATE = "signed"
BILLED_DATE = "billed"


@dataclass(slots=True)
class BillingLine:
    pk: int
    number: str
    status: str
    signed_at: datetime.datetime | None
    billed_at: datetime.datetime | None
    client_number: str
    client_name: str
    contract_number: str
    technician: str
    object: str
    flags: dict[str, bool]
    facts: Facts
    amounts: Amounts
    # The signed version of the report billing follows (1 = original, 2… = amendments).
    report_version: int = 1


@dataclass
class Totals:
    count: int = 0
    hours: Decimal = ZERO_MONEY
    km: Decimal = ZERO
    labour: Decimal = ZERO_MONEY
    travel: Decimal = ZERO_MONEY
    parts: Decimal = ZERO_MONEY
    total_excl_vat: Decimal = ZERO_MONEY
    vat: Decimal = ZERO_MONEY
    total_incl_vat: Decimal = ZERO_MONEY
    cost: Decimal = ZERO_MONEY
    margin: Decimal = ZERO_MONEY
    extra: dict = field(default_factory=dict)

    def add(self, line: BillingLine) -> None:
        a = line.amounts
        self.count += 1
        self.hours += line.facts.hours
        self.km += line.facts.km
        self.labour += a.labour
        self.travel += a.travel
        self.parts += a.parts
        self.total_excl_vat += a.total_excl_vat
        self.vat += a.vat
        self.total_incl_vat += a.total_incl_vat
        self.cost += a.cost
        self.margin += a.margin


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def billable_queryset(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    client_id: int | None = None,
    contract_id: int | None = None,
    statuses: Iterable[str] = (Status.SIGNED,),
    date_basis: str = SIGNED_DATE,
) -> QuerySet[Intervention]:
    """Interventions of the period (both days included), by default signed and not yet billed.

    `statuses`: signed (to bill), billed, or both. `date_basis`: the period is read on the
    signature date (`SIGNED_DATE`) or on the day the intervention was marked billed
    (`BILLED_DATE`: `Intervention.billed_at`, which only billed interventions have).
    """
    start, end = _day_start(date_from), _day_start(date_to + datetime.timedelta(days=1))
    qs = Intervention.objects.filter(status__in=list(statuses))
    if date_basis == BILLED_DATE:
        qs = qs.filter(billed_at__gte=start, billed_at__lt=end)
        order = ("billed_at", "number")
    else:
        qs = qs.filter(signed_report__signed_at__gte=start, signed_report__signed_at__lt=end)
        order = ("signed_report__signed_at", "number")
    if client_id:
        qs = qs.filter(client_id=client_id)
    if contract_id:
        qs = qs.filter(contract_id=contract_id)
    return qs.order_by(*order)


def unsigned_queryset(
    *, date_to: datetime.date, client_id: int | None = None, contract_id: int | None = None
) -> QuerySet[Intervention]:
    """Work done that cannot be billed yet: "à faire signer" (`models.to_sign_q`)."""
    qs = (
        Intervention.objects.select_related("client", "technician")
        .only(
            "number",
            "status",
            "requested_at",
            "client__name",
            "technician__first_name",
            "technician__last_name",
            "technician__username",
        )
        .filter(
            to_sign_q(),
            requested_at__lt=_day_start(date_to + datetime.timedelta(days=1)),
        )
    )
    if client_id:
        qs = qs.filter(client_id=client_id)
    if contract_id:
        qs = qs.filter(contract_id=contract_id)
    return qs.order_by("requested_at")


_VALUES = (
    "pk",
    "number",
    "status",
    "contract_id",
    "client__number",
    "client__name",
    "object",
    "billable_travel",
    "billable_labour",
    "billable_parts",
    "technician__first_name",
    "technician__last_name",
    "technician__username",
    "signed_report__signed_at",
    "billed_at",
    "snap_contract",
    "figures__minutes",
    "figures__travel_minutes",
    "figures__km",
    "figures__visits",
    "figures__parts_price",
    "figures__parts_cost",
    "figures__parts_quantity",
    "report_version",
)


def _latest_version():
    """The latest signed version of each intervention's report, as a column."""
    newest = ReportAmendment.objects.filter(
        intervention=OuterRef("pk"), signed_at__isnull=False
    ).order_by("-version")
    return Coalesce(Subquery(newest.values("version")[:1]), Value(1))


def billing_lines(qs: QuerySet[Intervention], *, chunk_size: int = 2000) -> Iterator[BillingLine]:
    """One line per intervention of `qs`, streamed from the database (bounded memory).

    Reads the signed report's figures (`ReportFigures`, copied from the frozen snapshot at
    signature), never the frozen documents themselves; falls back to `facts_for` (one
    intervention at a time) only for an intervention without them.
    """
    book = RatesBook()
    rows = (
        qs.annotate(
            snap_contract=KeyTextTransform("number", "contract_snapshot"),
            report_version=_latest_version(),
        )
        .values_list(*_VALUES)
        .iterator(chunk_size=chunk_size)
    )
    for (
        pk,
        number,
        status,
        contract_id,
        client_number,
        client_name,
        obj,
        b_travel,
        b_labour,
        b_parts,
        first,
        last,
        username,
        signed_at,
        billed_at,
        contract_number,
        minutes,
        travel_minutes,
        km,
        visits,
        parts_price,
        parts_cost,
        parts_quantity,
        report_version,
    ) in rows:
        if minutes is None:
            facts = facts_for(Intervention.objects.get(pk=pk))
        else:
            facts = Facts(
                minutes, travel_minutes, km, visits, parts_price, parts_cost, parts_quantity
            )
        flags = {"travel": b_travel, "labour": b_labour, "parts": b_parts}
        yield BillingLine(
            pk,
            number,
            status,
            signed_at,
            billed_at,
            client_number,
            client_name,
            contract_number or "",
            f"{first} {last}".strip() or (username or ""),
            obj,
            flags,
            facts,
            compute_amounts(facts, flags, book.for_contract(contract_id)),
            report_version,
        )


def export_lines(qs: QuerySet[Intervention], *, chunk_size: int = 2000) -> Iterator[BillingLine]:
    """`billing_lines` for an export: every line of `qs`, read to the end.

    On PostgreSQL, inside one transaction. Outside a transaction Django declares its server-side
    cursor WITH HOLD, which PostgreSQL fills completely at the implicit commit before the
    first row is fetched (87,700 lines: the whole result written to a temporary store); inside
    one, rows are streamed as they are fetched. And the planner is told that the cursor is
    read to the end (`cursor_tuple_fraction = 1`; the default 0.1 chooses a plan fast to the
    first rows: an index walk in signature order instead of hash joins and one sort). Measured
    on the 100k copy: 2.5-3.0 s → 0.9 s for the query (bench/README.md, issue 14). The
    transaction ends when the lines are read, or when the stream is closed (a download cut
    short: rolled back, nothing was written).
    """
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        yield from billing_lines(qs, chunk_size=chunk_size)
        return
    with transaction.atomic(using=qs.db):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL cursor_tuple_fraction = 1")
        yield from billing_lines(qs, chunk_size=chunk_size)


def _cents(expression) -> Cast:
    """A two-decimal amount as whole cents (exact on SQLite's floats too)."""
    return Cast(Round(expression * 100), BigIntegerField())


def _whole(value: int) -> Value:
    return Value(int(value), output_field=BigIntegerField())


def _int(expression) -> ExpressionWrapper:
    return ExpressionWrapper(expression, output_field=BigIntegerField())


def _half_up(numerator, denominator: int) -> ExpressionWrapper:
    """numerator / denominator rounded half up, in integers: every term is ≥ 0 here, so
    integer division (the same on PostgreSQL and SQLite) of numerator + denominator / 2 is it."""
    return _int((numerator * 2 + _whole(denominator)) / _whole(2 * denominator))


def billing_totals(qs: QuerySet[Intervention]) -> Totals:
    """The totals of every line of `qs`, summed by the database: the same amounts as
    `compute_amounts` line by line (each line rounded half up to the cent, then summed), in
    integer cents so that PostgreSQL and SQLite agree to the cent. A line without figures
    (a report signed before `ReportFigures` existed) is added in Python, one at a time."""
    base = BillingRates.current()

    def rate(name, own=True):
        value = _cents(Value(getattr(base, name), output_field=DecimalField()))
        if own:
            value = Coalesce(_cents(F(f"contract__rates__{name}")), value)
        return value

    minutes, travel_minutes = F("figures__minutes"), F("figures__travel_minutes")
    km10 = Cast(Round(F("figures__km") * 10), BigIntegerField())
    visits = F("figures__visits")
    labour = Case(
        When(billable_labour=True, then=_half_up(minutes * rate("hourly_rate"), 60)),
        default=_whole(0),
        output_field=BigIntegerField(),
    )
    travel = Case(
        When(
            billable_travel=True,
            then=_half_up(
                km10 * rate("travel_per_km") + visits * rate("travel_flat_fee") * _whole(10), 10
            ),
        ),
        default=_whole(0),
        output_field=BigIntegerField(),
    )
    parts = Case(
        When(billable_parts=True, then=_cents(F("figures__parts_price"))),
        default=_whole(0),
        output_field=BigIntegerField(),
    )
    # Each line's amounts are annotations, summed by reference: the aggregates stay small
    # trees. Nine Sums over the whole expressions cost ~10 ms of Python per request in
    # Django's `get_aggregation` (each aggregate's tree copied and hashed against the ones
    # before it), more than the database's work on a month (bench/README.md, issue 14).
    lines = qs.order_by().annotate(
        line_labour=labour, line_travel=travel, line_parts=parts, line_km10=km10
    )
    labour, travel, parts, km10 = (
        F("line_labour"),
        F("line_travel"),
        F("line_parts"),
        F("line_km10"),
    )
    excl = _int(labour + travel + parts)
    vat = _half_up(excl * rate("vat_rate", own=False), 10000)
    cost = _half_up(
        (minutes + travel_minutes) * rate("internal_hourly_cost", own=False) * _whole(10)
        + km10 * rate("vehicle_cost_per_km", own=False) * _whole(60)
        + _cents(F("figures__parts_cost")) * _whole(600),
        600,
    )
    hundredths_of_hours = _half_up(minutes * _whole(100), 60)
    # A line without figures adds NULL to every sum but the count (SUM skips NULL). The total
    # excluding VAT is the sum of the three sums (integers, line by line the same addition):
    # not summed again by the database, whose expression tree Django copies for each
    # aggregate (a third of the time of this query at 100,000 interventions, issue 14).
    with_figures = lines.aggregate(
        count=Count("pk"),
        with_figures=Count("figures"),
        hours=Sum(hundredths_of_hours),
        km=Sum(km10),
        labour=Sum(labour),
        travel=Sum(travel),
        parts=Sum(parts),
        vat=Sum(vat),
        cost=Sum(cost),
    )

    def money(key, scale=2):
        return Decimal(int(with_figures[key] or 0)).scaleb(-scale)

    excl_cents = sum(int(with_figures[key] or 0) for key in ("labour", "travel", "parts"))
    with_figures["excl"] = excl_cents

    totals = Totals(
        count=with_figures["with_figures"],
        hours=money("hours"),
        km=money("km", 1),
        labour=money("labour"),
        travel=money("travel"),
        parts=money("parts"),
        total_excl_vat=money("excl"),
        vat=money("vat"),
        total_incl_vat=money("excl") + money("vat"),
        cost=money("cost"),
        margin=money("excl") - money("cost"),
    )
    if with_figures["count"] != with_figures["with_figures"]:
        for line in billing_lines(qs.filter(figures__isnull=True)):
            totals.add(line)
    return totals
