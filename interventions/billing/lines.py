"""Which interventions are billed, and one `BillingLine` per intervention, streamed."""

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import Intervention, ReportAmendment, Status, to_sign_q
from .amounts import ZERO, Amounts, Facts, RatesBook, compute_amounts, facts_for


@dataclass(slots=True)
class BillingLine:
    pk: int
    number: str
    status: str
    signed_at: datetime.datetime | None
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
    hours: Decimal = ZERO
    km: Decimal = ZERO
    labour: Decimal = ZERO
    travel: Decimal = ZERO
    parts: Decimal = ZERO
    total_excl_vat: Decimal = ZERO
    vat: Decimal = ZERO
    total_incl_vat: Decimal = ZERO
    cost: Decimal = ZERO
    margin: Decimal = ZERO
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
) -> QuerySet[Intervention]:
    """Interventions signed between the two days (inclusive), by default not yet billed."""
    qs = Intervention.objects.filter(
        status__in=list(statuses),
        signed_report__signed_at__gte=_day_start(date_from),
        signed_report__signed_at__lt=_day_start(date_to + datetime.timedelta(days=1)),
    )
    if client_id:
        qs = qs.filter(client_id=client_id)
    if contract_id:
        qs = qs.filter(contract_id=contract_id)
    return qs.order_by("signed_report__signed_at", "number")


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
