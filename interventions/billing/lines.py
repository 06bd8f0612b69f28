"""Which interventions are billed, and one `BillingLine` per intervention, streamed."""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, DateTimeField, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Intervention, InterventionEvent, ReportAmendment, Status, to_sign_q
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


def billed_at_column():
    """When each intervention was marked billed, as a column: the latest status event to
    `billed` (`workflow.transition` writes one each time), for a billed intervention only (one
    taken back to `signed` by an administrator is not billed any more)."""
    latest = InterventionEvent.objects.filter(
        intervention=OuterRef("pk"),
        kind=InterventionEvent.Kind.STATUS,
        to_status=Status.BILLED,
    ).order_by("-at", "-pk")
    return Case(
        When(status=Status.BILLED, then=Subquery(latest.values("at")[:1])),
        default=None,
        output_field=DateTimeField(),
    )


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
    (`BILLED_DATE`: only billed interventions have one). Each row carries `billed_at`.
    """
    start, end = _day_start(date_from), _day_start(date_to + datetime.timedelta(days=1))
    qs = Intervention.objects.filter(status__in=list(statuses)).annotate(
        billed_at=billed_at_column()
    )
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
    qs = Intervention.objects.select_related("client", "technician").filter(
        to_sign_q(),
        requested_at__lt=_day_start(date_to + datetime.timedelta(days=1)),
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
    if "billed_at" not in qs.query.annotations:
        qs = qs.annotate(billed_at=billed_at_column())
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
