"""What is billable, for how much, at what cost — and the billing export.

Who decides what (written down in README, "Facturation et pilotage"):

* `propose()` derives, for travel, labour and parts, a billable flag and its reason from facts
  only: the contract as it was at intake (`Intervention.contract_snapshot`), the warranty at
  intake, and the technician's "outside the contract's conditions" observation.
* A manager may override each flag with a reason (`services.billing_override`); the override is
  kept in `Intervention.billing_overrides` and audited as an `InterventionEvent` of kind BILLING.
* `decide()` = override if any, else proposal. The stored `Intervention.billable_*` flags always
  hold this decision; `services.billing_refresh` writes them when the report is frozen at
  signature, when the technician records an observation and on every manager override.
  Billing reads the stored flags only.
* After signature, billing follows the latest signed version of the report
  (`selectors.latest_signed_version`): a manager may waive an item it marks billable, but making
  billable an item it marks not billable needs an amendment signed by the customer
  (`amendments`), which writes its flags as overrides marked with its version.

Amounts of a signed intervention come from its frozen report (`SignedReport.snapshot`): time on
site, km, visits and parts as the customer signed them; live data only when there is no snapshot.
Rates are the company's (`BillingRates`) unless the contract has its own (`ContractRates`).

Exports are one row iterator (`export_rows`) and two writers (`csv_stream`, `xlsx_stream`).
"""

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import BillingRates, ContractRates, Intervention, Status

FLAGS = ("travel", "labour", "parts")
# A manufacturer's warranty is "pièces et main-d'œuvre": it never pays for our travel.
WARRANTY_COVERS = frozenset({"labour", "parts"})
CENT = Decimal("0.01")
ZERO = Decimal("0")


def _to_decimal(value) -> Decimal:
    if value in (None, ""):
        return ZERO
    return Decimal(str(value))


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _date_fr(iso_or_date) -> str:
    if not iso_or_date:
        return ""
    if isinstance(iso_or_date, str):
        iso_or_date = datetime.date.fromisoformat(iso_or_date[:10])
    return iso_or_date.strftime("%d/%m/%Y")


def flag_label(flag: str) -> str:
    return {"travel": _("Travel"), "labour": _("Labour"), "parts": _("Parts")}[flag]


# ---------------------------------------------------------------------------------------------
# What is billable


@dataclass(frozen=True)
class Decision:
    billable: bool
    reason: str
    overridden: bool = False
    proposed: bool | None = None  # the proposal, when a manager overrode it


def propose(intervention: Intervention) -> dict[str, Decision]:
    """The application's proposal for each flag, with its reason (in the active language)."""
    contract = intervention.contract_snapshot or {}
    result = {}
    for flag in FLAGS:
        if intervention.out_of_conditions:
            note = intervention.out_of_conditions_note.strip()
            result[flag] = Decision(
                True, _("outside the contract's conditions: %(note)s") % {"note": note}
            )
        elif contract.get(f"covers_{flag}"):
            result[flag] = Decision(
                False, _("covered by contract %(number)s") % {"number": contract.get("number")}
            )
        elif intervention.under_warranty and flag in WARRANTY_COVERS:
            if intervention.warranty_until:
                reason = _("under warranty until %(date)s") % {
                    "date": _date_fr(intervention.warranty_until)
                }
            else:
                reason = _("under warranty")
            result[flag] = Decision(False, reason)
        elif contract:
            result[flag] = Decision(
                True, _("not covered by contract %(number)s") % {"number": contract.get("number")}
            )
        elif intervention.under_warranty:
            result[flag] = Decision(True, _("the warranty does not cover travel"))
        else:
            result[flag] = Decision(True, _("no contract and no warranty"))
    return result


def decide(intervention: Intervention) -> dict[str, Decision]:
    """The decision billing uses: the manager's override when there is one, else the proposal."""
    proposal = propose(intervention)
    overrides = intervention.billing_overrides or {}
    result = {}
    for flag in FLAGS:
        override = overrides.get(flag)
        if override is None:
            result[flag] = proposal[flag]
        else:
            if override.get("amendment"):
                reason = _("amendment no. %(version)s signed by the customer: %(reason)s") % {
                    "version": override["amendment"],
                    "reason": override["reason"],
                }
            else:
                reason = _("manager's decision: %(reason)s") % {"reason": override["reason"]}
            result[flag] = Decision(
                bool(override["value"]),
                reason,
                overridden=True,
                proposed=proposal[flag].billable,
            )
    return result


# ---------------------------------------------------------------------------------------------
# Rates, amounts, cost price


@dataclass(frozen=True)
class Rates:
    hourly_rate: Decimal
    travel_per_km: Decimal
    travel_flat_fee: Decimal
    vat_rate: Decimal
    internal_hourly_cost: Decimal
    vehicle_cost_per_km: Decimal


def effective_rates(base: BillingRates, contract_rates: ContractRates | None = None) -> Rates:
    def pick(name):
        own = getattr(contract_rates, name, None) if contract_rates else None
        return own if own is not None else getattr(base, name)

    return Rates(
        hourly_rate=pick("hourly_rate"),
        travel_per_km=pick("travel_per_km"),
        travel_flat_fee=pick("travel_flat_fee"),
        vat_rate=base.vat_rate,
        internal_hourly_cost=base.internal_hourly_cost,
        vehicle_cost_per_km=base.vehicle_cost_per_km,
    )


class RatesBook:
    """Company rates plus every contract's own rates, read once (two queries)."""

    def __init__(self):
        self.base = BillingRates.current()
        self._by_contract = {r.contract_id: r for r in ContractRates.objects.all()}
        self._cache: dict[int | None, Rates] = {}

    def for_contract(self, contract_id: int | None) -> Rates:
        if contract_id not in self._cache:
            self._cache[contract_id] = effective_rates(
                self.base, self._by_contract.get(contract_id)
            )
        return self._cache[contract_id]


@dataclass(slots=True)
class Facts:
    """What was done, as the signed report says."""

    minutes: int = 0  # time on site
    travel_minutes: int = 0
    km: Decimal = ZERO
    visits: int = 0
    parts_price: Decimal = ZERO  # at the price shown on the report
    parts_cost: Decimal = ZERO  # at the unit cost at the time
    parts_count: Decimal = ZERO
    from_snapshot: bool = True  # False: live figures of a report not signed yet

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(slots=True)
class Amounts:
    labour: Decimal
    travel: Decimal
    parts: Decimal
    total_excl_vat: Decimal
    vat: Decimal
    total_incl_vat: Decimal
    cost: Decimal
    margin: Decimal


def compute_amounts(facts: Facts, flags: dict[str, bool], rates: Rates) -> Amounts:
    labour = _money(Decimal(facts.minutes) * rates.hourly_rate / 60) if flags["labour"] else ZERO
    travel = (
        _money(facts.km * rates.travel_per_km + facts.visits * rates.travel_flat_fee)
        if flags["travel"]
        else ZERO
    )
    parts = _money(facts.parts_price) if flags["parts"] else ZERO
    excl = labour + travel + parts
    vat = _money(excl * rates.vat_rate / 100)
    # Cost price: the technician's time on site and on the road, the vehicle, the parts.
    cost = _money(
        Decimal(facts.minutes + facts.travel_minutes) * rates.internal_hourly_cost / 60
        + facts.km * rates.vehicle_cost_per_km
        + facts.parts_cost
    )
    return Amounts(
        labour=labour,
        travel=travel,
        parts=parts,
        total_excl_vat=excl,
        vat=vat,
        total_incl_vat=excl + vat,
        cost=cost,
        margin=excl - cost,
    )


def live_facts(intervention: Intervention) -> Facts:
    """Facts read from the live visits and parts (an intervention without a frozen report)."""
    visits = list(intervention.visits.all())
    parts = list(intervention.parts.all())
    return Facts(
        minutes=sum(v.duration_minutes or 0 for v in visits),
        travel_minutes=sum(v.travel_minutes for v in visits),
        km=sum((v.travel_km for v in visits), ZERO),
        visits=len(visits),
        parts_price=sum((p.total_price for p in parts), ZERO),
        parts_cost=sum((p.quantity * p.unit_cost for p in parts), ZERO),
        parts_count=sum((p.quantity for p in parts), ZERO),
        from_snapshot=False,
    )


def snapshot_figures(facts: Facts) -> dict:
    """The figures billing reads, as `report_freeze` writes them into the frozen snapshot
    (`snapshot["figures"]`): the fingerprint printed on the PDF then covers them all, the
    parts' unit cost included, which the report itself does not show."""
    return {
        "minutes": facts.minutes,
        "travel_minutes": facts.travel_minutes,
        "km": str(facts.km),
        "visits": facts.visits,
        "parts_price": str(facts.parts_price),
        "parts_cost": str(facts.parts_cost),
        "parts_quantity": str(facts.parts_count),
    }


def figures_from_snapshot(snapshot: dict, intervention: Intervention) -> Facts:
    """Facts as the frozen report says them: its `figures` (frozen since issue 10), else
    recomputed from its totals, with the parts' unit cost (not on the report) read from the
    parts used, which are locked once the report is signed."""
    frozen = snapshot.get("figures")
    if frozen:
        return Facts(
            minutes=int(frozen["minutes"]),
            travel_minutes=int(frozen["travel_minutes"]),
            km=_to_decimal(frozen["km"]),
            visits=int(frozen["visits"]),
            parts_price=_to_decimal(frozen["parts_price"]),
            parts_cost=_to_decimal(frozen["parts_cost"]),
            parts_count=_to_decimal(frozen["parts_quantity"]),
        )
    parts_cost = intervention.parts.aggregate(
        total=Sum(
            ExpressionWrapper(
                F("quantity") * F("unit_cost"),
                output_field=DecimalField(max_digits=20, decimal_places=4),
            )
        )
    )["total"]
    parts = snapshot.get("parts") or []
    return Facts(
        minutes=int(snapshot.get("total_minutes") or 0),
        travel_minutes=int(snapshot.get("total_travel_minutes") or 0),
        km=_to_decimal(snapshot.get("total_km")),
        visits=len(snapshot.get("visits") or []),
        parts_price=sum((_to_decimal(p.get("total")) for p in parts), ZERO),
        parts_cost=_money(_to_decimal(parts_cost)),
        parts_count=sum((_to_decimal(p.get("quantity")) for p in parts), ZERO),
    )


def facts_for(intervention: Intervention) -> Facts:
    """Facts of one intervention: its signed report's figures when signed, else live data."""
    from .models import ReportFigures, SignedReport

    figures = ReportFigures.objects.filter(intervention=intervention).first()
    if figures is not None:
        return Facts(
            minutes=figures.minutes,
            travel_minutes=figures.travel_minutes,
            km=figures.km,
            visits=figures.visits,
            parts_price=figures.parts_price,
            parts_cost=figures.parts_cost,
            parts_count=figures.parts_quantity,
        )
    report = SignedReport.objects.filter(intervention=intervention).only("snapshot").first()
    if report is not None:
        return figures_from_snapshot(report.snapshot, intervention)
    return live_facts(intervention)


# ---------------------------------------------------------------------------------------------
# Billing lines


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
    """Work done or under way that cannot be billed yet: "à faire signer"."""
    qs = Intervention.objects.select_related("client", "technician").filter(
        status__in=[Status.IN_PROGRESS, Status.AWAITING_SIGNATURE],
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
    from .models import ReportAmendment

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


# ---------------------------------------------------------------------------------------------
# Export: one row iterator, two writers


def export_header(*, with_costs: bool = True) -> list[str]:
    header = [
        _("Number"),
        pgettext("intervention", "Signed on"),
        _("Report version"),
        _("Client number"),
        _("Client"),
        _("Contract"),
        _("Technician"),
        _("Object"),
        _("Hours"),
        _("Km"),
        _("Visits"),
        _("Labour billable"),
        _("Travel billable"),
        _("Parts billable"),
        _("Labour excl. VAT"),
        _("Travel excl. VAT"),
        _("Parts excl. VAT"),
        _("Total excl. VAT"),
        _("VAT"),
        _("Total incl. VAT"),
    ]
    if with_costs:
        header += [_("Cost price"), _("Margin")]
    return header


def export_rows(lines: Iterable[BillingLine], *, with_costs: bool = True) -> Iterator[list]:
    """The header, then one typed row per line (str, date, Decimal, int)."""
    yes, no = _("yes"), _("no")
    tz = timezone.get_current_timezone()
    yield export_header(with_costs=with_costs)
    for line in lines:
        a = line.amounts
        signed = line.signed_at.astimezone(tz).date() if line.signed_at else None
        row = [
            line.number,
            signed,
            line.report_version,
            line.client_number,
            line.client_name,
            line.contract_number,
            line.technician,
            line.object,
            line.facts.hours,
            line.facts.km,
            line.facts.visits,
            yes if line.flags["labour"] else no,
            yes if line.flags["travel"] else no,
            yes if line.flags["parts"] else no,
            a.labour,
            a.travel,
            a.parts,
            a.total_excl_vat,
            a.vat,
            a.total_incl_vat,
        ]
        if with_costs:
            row += [a.cost, a.margin]
        yield row


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet would read as a formula is prefixed with an apostrophe."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _csv_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _csv_decimal(value: Decimal) -> str:
    return str(value).replace(".", ",")


def _csv_date(value: datetime.date) -> str:
    return f"{value.day:02d}/{value.month:02d}/{value.year}"


def _csv_cell(value) -> str:
    """Any cell: text neutralised, French decimal comma, French date."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _csv_text(value)
    if isinstance(value, Decimal):
        return _csv_decimal(value)
    if isinstance(value, datetime.date):
        return _csv_date(value)
    return str(value)


_CSV_FORMAT = {
    str: _csv_text,
    Decimal: _csv_decimal,
    datetime.date: _csv_date,
    int: str,
    bool: str,
    type(None): lambda value: "",
}


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterable[list], *, batch: int = 500) -> Iterator[bytes]:
    """Semicolon-separated, UTF-8 with a BOM (French Excel opens it right), decimal comma."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff".encode()
    buffer = []
    formats = _CSV_FORMAT
    for row in rows:
        # One dict lookup per cell (100,000 rows × 21 cells): the type says how to write it.
        cells = [formats.get(type(v), _csv_cell)(v) for v in row]
        buffer.append(writer.writerow(cells))
        if len(buffer) >= batch:
            yield "".join(buffer).encode()
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode()


def _xlsx_cell(value):
    if isinstance(value, str):
        return neutralise(value)
    return value


def xlsx_stream(rows: Iterable[list], *, title: str = "Facturation") -> Iterator[bytes]:
    """openpyxl in write-only mode (rows go to disk, not memory), then the file in chunks."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(64 * 1024):
            yield chunk


def money_display(value: Decimal) -> str:
    return formats.number_format(value, 2, use_l10n=True, force_grouping=True)
