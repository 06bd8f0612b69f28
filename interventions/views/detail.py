"""The intervention page as each role sees it: the office's forms (assign, handover, cancel), the
billing panel, the signed versions and amendments. Shared by the views that show the page again
with a form's errors."""

from django.shortcuts import render
from django.utils import timezone

from clients.selectors import client_active_contracts

from .. import billing, roles, selectors, services, workflow
from ..billing_forms import (
    AmendmentRequestForm,
    BillingOverrideForm,
    OutOfConditionsForm,
    UnbillForm,
)
from ..forms import NO_CONTRACT, AssignForm, CancelForm, ContractChoiceForm, HandoverForm
from ..history import intervention_history
from ..models import Status

BILLING_FORMS = ("conditions_form", "override_form", "unbill_form", "amendment_form")


def _office_forms(intervention, **forms) -> dict:
    return {
        "assign_form": forms.get("assign_form")
        or AssignForm(
            initial={
                "technician": intervention.technician_id,
                "scheduled_start": intervention.scheduled_start,
                "scheduled_end": intervention.scheduled_end,
                "version": intervention.assignment_version,
            }
        ),
        "handover_form": forms.get("handover_form") or HandoverForm(intervention=intervention),
        **_contract_choice(intervention, forms.get("contract_form")),
        **_cancel_context(intervention, forms.get("cancel_form")),
    }


def _contract_choice(intervention, failed_form) -> dict:
    """A ticket that names no equipment (an other request made on site): the client's contracts
    active on the day of the request, for the dispatcher to choose the one that applies."""
    if not services.contract_choosable(intervention):
        return {}
    choices = client_active_contracts(
        intervention.client, timezone.localdate(intervention.requested_at)
    )
    if not choices:
        return {}
    selected = str(intervention.contract_id or "")
    if not selected and selectors.contract_chosen_on(intervention):
        selected = NO_CONTRACT  # the dispatcher chose "no contract" on this page
    if failed_form is not None:
        selected = failed_form.data.get("contract", "")
    return {
        "contract_choice": {"choices": choices, "selected": selected},
        "contract_form": failed_form or ContractChoiceForm(),
    }


def _cancel_context(intervention, failed_form) -> dict:
    """The cancel button only where the workflow cancels (absent once the report is submitted,
    signed or billed). A refused attempt still shows its error and the typed reason."""
    can_cancel = workflow.can_transition(intervention.status, Status.CANCELLED)
    if failed_form is None and not can_cancel:
        return {}
    return {"cancel_form": failed_form or CancelForm(), "can_cancel": can_cancel}


def render_detail(request, intervention, status=200, **forms):
    """The intervention page; `forms` replace the blank ones (a form with its errors)."""
    state = selectors.intervention_state(intervention)
    context = {
        "intervention": intervention,
        "state": state,
        "visits": selectors.intervention_visits(intervention),
        "parts": selectors.intervention_parts(intervention),
        "history": intervention_history(intervention),
    }
    if roles.has_role(request.user, roles.DISPATCHER, roles.MANAGER):
        context.update(_office_forms(intervention, **forms))
        context["emails"] = selectors.intervention_emails(intervention)
    elif forms.get("handover_form"):
        context["handover_form"] = forms["handover_form"]
    billing_forms = {k: v for k, v in forms.items() if k in BILLING_FORMS}
    context.update(billing_panel_context(request, intervention, state, **billing_forms))
    return render(request, "interventions/intervention_detail.html", context, status=status)


def render_detail_with_errors(request, intervention, **forms):
    return render_detail(request, intervention, status=400, **forms)


def billing_panel_context(request, intervention, state, **forms) -> dict:
    """What the intervention page shows about billing, by role (see _billing_panel.html)."""
    user = request.user
    role = roles.user_role(user)
    context = {
        "can_record_conditions": role == roles.TECHNICIAN
        and intervention.technician_id == user.pk
        and intervention.report_open,
        "conditions_form": forms.get("conditions_form")
        or OutOfConditionsForm(
            initial={
                "out_of_conditions": intervention.out_of_conditions,
                "note": intervention.out_of_conditions_note,
            }
        ),
    }
    if role == roles.MANAGER:
        review = selectors.billing_review(intervention)
        failed = forms.get("override_form")
        context.update(
            {
                "billing_decisions": [
                    (
                        flag,
                        billing.flag_label(flag),
                        review.decisions[flag],
                        review.flags[flag],
                        failed
                        if failed is not None and failed.data.get("flag") == flag
                        else BillingOverrideForm(initial={"flag": flag, "billable": "0"}),
                    )
                    for flag in billing.FLAGS
                ],
                "billing_facts": review.facts,
                "billing_amounts": review.amounts,
                "can_review_billing": state.billing_reviewable,
                "show_costs": user.has_perm("interventions.view_costs"),
            }
        )
    if user.is_superuser and state.billed:
        context["unbill_form"] = forms.get("unbill_form") or UnbillForm()
    context.update(
        _amendment_context(request, intervention, state, role, forms.get("amendment_form"))
    )
    return context


def _amendment_context(request, intervention, state, role, failed_form) -> dict:
    """The report's signed versions (everyone who sees the page), the pending amendment, and
    for a manager of a signed intervention the "request an amendment" form."""
    if not intervention.is_locked:
        return {}
    versions = selectors.report_versions(intervention)
    context = {
        "report_versions": versions,
        "pending_amendment": selectors.pending_amendment(intervention),
        "can_sign_amendment": role == roles.MANAGER
        or (role == roles.TECHNICIAN and intervention.technician_id == request.user.pk),
    }
    if role == roles.MANAGER and state.signed and versions:
        signed_billable = versions[-1].snapshot["billable"]
        form = failed_form or AmendmentRequestForm(signed_billable=signed_billable)
        if form.fields["items"].choices:
            context["amendment_form"] = form
    return context
