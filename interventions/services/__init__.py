"""Every write that matters on an intervention goes through here (status: `workflow`).

One module per surface, named after what a user does:

* `intake`: number a call, record the entitlement (the contract the dispatcher chooses when
  no equipment is named), open the ticket, create planned visits;
* `dispatch`: assign, hand over, cancel;
* `tablet`: report texts, visits, parts, outcome, linked requests, out of conditions,
  send to signature and back;
* `signing`: what a signature covers, both signatures, the frozen report and its figures;
* `billing`: billable flags, overrides, marking billed, rates (the rules themselves live in
  `interventions.billing`);
* `amendments`: amending a signed report's billing, signed by the customer;
* `emails`: the signed report e-mailed, the reminder of unsigned work, sending again (queued
  on commit, sent by a Celery task).
* `tokens`: a user's token of the REST API.

Callers use the package (`services.report_update(...)`): every public name is re-exported here.
"""

from ..conflicts import EditConflict
from ..guards import ReportLocked, ensure_editable, ensure_report_open
from .amendments import amendment_request, amendment_sign, amendment_snapshot
from .billing import (
    billing_override,
    billing_rates_update,
    billing_refresh,
    contract_rates_set,
    intervention_unbill,
    interventions_mark_billed,
    signed_billing_change,
)
from .dispatch import intervention_assign, intervention_cancel, intervention_handover
from .emails import (
    NothingToSend,
    email_resend,
    report_email_queue,
    unsigned_reminder_queue,
)
from .intake import (
    contract_choice_check,
    contract_choosable,
    entitlement_snapshot,
    intervention_contract_choose,
    intervention_create,
    intervention_create_from_intake,
    planned_visits_create,
)
from .signing import (
    ReportChanged,
    report_content,
    report_figures_record,
    report_freeze,
    report_sign_customer,
    report_sign_customer_offline,
    report_sign_technician,
    report_sign_technician_offline,
    signature_blockers,
)
from .tablet import (
    REPORT_FIELDS,
    intervention_additional_request,
    intervention_follow_up,
    intervention_resolve,
    out_of_conditions_record,
    part_add,
    part_remove,
    report_reopen,
    report_submit,
    report_update,
    visit_arrive,
    visit_correctable_by,
    visit_depart,
    visit_record,
    visit_update,
)
from .tokens import api_token_regenerate

__all__ = [
    "unsigned_reminder_queue",
    "report_email_queue",
    "email_resend",
    "NothingToSend",
    "EditConflict",
    "REPORT_FIELDS",
    "ReportChanged",
    "ReportLocked",
    "amendment_request",
    "api_token_regenerate",
    "amendment_sign",
    "amendment_snapshot",
    "billing_override",
    "billing_rates_update",
    "contract_choice_check",
    "contract_choosable",
    "billing_refresh",
    "contract_rates_set",
    "ensure_editable",
    "ensure_report_open",
    "entitlement_snapshot",
    "intervention_additional_request",
    "intervention_assign",
    "intervention_cancel",
    "intervention_contract_choose",
    "intervention_create",
    "intervention_create_from_intake",
    "intervention_follow_up",
    "intervention_handover",
    "intervention_resolve",
    "intervention_unbill",
    "interventions_mark_billed",
    "out_of_conditions_record",
    "part_add",
    "part_remove",
    "planned_visits_create",
    "report_content",
    "report_figures_record",
    "report_freeze",
    "report_reopen",
    "report_sign_customer",
    "report_sign_customer_offline",
    "report_sign_technician",
    "report_sign_technician_offline",
    "report_submit",
    "report_update",
    "signature_blockers",
    "signed_billing_change",
    "visit_arrive",
    "visit_correctable_by",
    "visit_depart",
    "visit_record",
    "visit_update",
]
