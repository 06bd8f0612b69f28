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

Modules: `decisions` (what is billable), `amounts` (rates, facts, amounts, cost), `lines`
(which interventions, one `BillingLine` each) and `export` (one row iterator, `export_rows`, and
two writers, `csv_stream` and `xlsx_stream`).
"""

from .amounts import (
    CENT,
    ZERO,
    ZERO_MONEY,
    Amounts,
    Facts,
    Rates,
    RatesBook,
    compute_amounts,
    effective_rates,
    facts_for,
    figures_from_snapshot,
    hours_from_seconds,
    live_facts,
    money_display,
    round_half_up,
    snapshot_figures,
)
from .decisions import (
    FLAGS,
    WARRANTY_COVERS,
    Decision,
    decide,
    flag_decision,
    flag_label,
    flag_state,
    propose,
)
from .export import (
    FORMULA_TRIGGERS,
    csv_stream,
    export_columns,
    export_header,
    export_kinds,
    export_rows,
    neutralise,
    xlsx_stream,
)
from .lines import (
    BILLED_DATE,
    SIGNED_DATE,
    BillingLine,
    Totals,
    billable_queryset,
    billing_lines,
    billing_totals,
    export_lines,
    unsigned_queryset,
)

__all__ = [
    "BILLED_DATE",
    "CENT",
    "FLAGS",
    "FORMULA_TRIGGERS",
    "WARRANTY_COVERS",
    "ZERO",
    "ZERO_MONEY",
    "Amounts",
    "BillingLine",
    "Decision",
    "Facts",
    "Rates",
    "RatesBook",
    "SIGNED_DATE",
    "Totals",
    "billable_queryset",
    "billing_totals",
    "billing_lines",
    "export_lines",
    "compute_amounts",
    "csv_stream",
    "decide",
    "effective_rates",
    "export_columns",
    "export_header",
    "export_kinds",
    "export_rows",
    "facts_for",
    "figures_from_snapshot",
    "flag_decision",
    "flag_label",
    "flag_state",
    "hours_from_seconds",
    "live_facts",
    "money_display",
    "neutralise",
    "propose",
    "round_half_up",
    "snapshot_figures",
    "unsigned_queryset",
    "xlsx_stream",
]
