"""Rates, the facts of an intervention (as its signed report says them), amounts and cost."""

import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.utils import formats

from ..models import (
    BillingRates,
    ContractRates,
    Intervention,
    ReportFigures,
    SignedReport,
)

CENT = Decimal("0.01")
ZERO = Decimal("0")
# An amount of nothing still has its two decimals: "0,00" on every page and in every export.
ZERO_MONEY = Decimal("0.00")


def _to_decimal(value) -> Decimal:
    if value in (None, ""):
        return ZERO
    return Decimal(str(value))


_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(5)}


def round_half_up(value, places: int) -> Decimal:
    """The one rounding of amounts, hours and km: half away from zero (4.25 h → 4.3 and
    5.75 h → 5.8 alike), never Python's or Decimal's default half to even."""
    # Called a dozen times per line of a 100,000-line export: no new Decimal when not needed.
    quantum = _QUANTA.get(places) or Decimal(1).scaleb(-places)
    if type(value) is not Decimal:
        value = Decimal(value)
    return value.quantize(quantum, rounding=ROUND_HALF_UP)


def _money(value: Decimal) -> Decimal:
    # Five times per line of an export: the Decimal case without round_half_up's lookups.
    if type(value) is Decimal:
        return value.quantize(CENT, rounding=ROUND_HALF_UP)
    return round_half_up(value, 2)


def hours_from_seconds(seconds, places: int = 2) -> Decimal:
    """A duration in decimal hours, computed exactly (no float), rounded half up."""
    return round_half_up(Decimal(int(seconds)) / 3600, places)


@functools.lru_cache(maxsize=4096)
def _hours_of_minutes(minutes: int) -> Decimal:
    # Decimals are immutable; an export of 87,700 lines has a few hundred distinct durations.
    return hours_from_seconds(minutes * 60)


def money_display(value: Decimal | None) -> str:
    """An amount as French pages show it: always two decimals, thousands grouped
    ("1 234,50", "0,00"); empty for no amount."""
    if value is None or value == "":
        return ""
    return formats.number_format(round_half_up(value, 2), 2, use_l10n=True, force_grouping=True)


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


# `ReportFigures` column → `Facts` attribute: the one mapping between them.
FIGURE_COLUMNS = (
    ("minutes", "minutes"),
    ("travel_minutes", "travel_minutes"),
    ("km", "km"),
    ("visits", "visits"),
    ("parts_price", "parts_price"),
    ("parts_cost", "parts_cost"),
    ("parts_quantity", "parts_count"),
)


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

    @classmethod
    def from_figures(cls, figures: ReportFigures) -> "Facts":
        return cls(**{fact: getattr(figures, column) for column, fact in FIGURE_COLUMNS})

    def as_figures(self) -> dict:
        """The `ReportFigures` columns of these facts."""
        return {column: getattr(self, fact) for column, fact in FIGURE_COLUMNS}

    @property
    def hours(self) -> Decimal:
        return _hours_of_minutes(int(self.minutes))


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
    labour = (
        _money(Decimal(facts.minutes) * rates.hourly_rate / 60) if flags["labour"] else ZERO_MONEY
    )
    travel = (
        _money(facts.km * rates.travel_per_km + facts.visits * rates.travel_flat_fee)
        if flags["travel"]
        else ZERO_MONEY
    )
    parts = _money(facts.parts_price) if flags["parts"] else ZERO_MONEY
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
    """Facts as the frozen report says them: its `figures` (frozen at signature), else
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
    figures = ReportFigures.objects.filter(intervention=intervention).first()
    if figures is not None:
        return Facts.from_figures(figures)
    report = SignedReport.objects.filter(intervention=intervention).only("snapshot").first()
    if report is not None:
        return figures_from_snapshot(report.snapshot, intervention)
    return live_facts(intervention)
