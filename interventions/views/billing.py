"""The manager bills: the billing list and its export, marking as billed, the rates, the
decision per intervention (override, unbill) and the request of an amendment to a signed
report. Rules in `billing`, `services` and `amendments`; these views only route and render."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .. import billing, roles, selectors, services, workflow
from ..billing_forms import (
    AmendmentRequestForm,
    BillingFilterForm,
    BillingOverrideForm,
    BillingRatesForm,
    ContractRatesForm,
    UnbillForm,
)
from ..models import BillingRates, Status
from ..roles import role_required
from ..services import amendments
from .access import add_form_errors
from .detail import render_detail_with_errors

# The oldest work to have signed shown under the billing list; the rest in the intervention list.
UNSIGNED_SHOWN = 20
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _billing_filters(request):
    form = BillingFilterForm(request.GET or None)
    filters = form.filters()
    status, date_basis = form.selection()
    query = {"date_from": filters["date_from"], "date_to": filters["date_to"]}
    if filters["client_id"]:
        query["client"] = filters["client_id"]
    if filters["contract_id"]:
        query["contract"] = filters["contract_id"]
    if status != BillingFilterForm.TO_BILL:
        query["status"] = status
    if date_basis != billing.SIGNED_DATE:
        query["date_basis"] = date_basis
    return form, filters, urlencode(query)


@role_required(roles.MANAGER)
def billing_list(request):
    form, filters, query = _billing_filters(request)
    page, totals = selectors.billing_page(filters, request.GET.get("page"))
    lines = page.object_list
    unsigned = billing.unsigned_queryset(
        date_to=filters["date_to"],
        client_id=filters["client_id"],
        contract_id=filters["contract_id"],
    )
    status, _date_basis = form.selection()
    return render(
        request,
        "interventions/billing_list.html",
        {
            "form": form,
            "lines": lines,
            "page": page,
            "totals": totals,
            "unsigned": list(unsigned[:UNSIGNED_SHOWN]),
            "unsigned_count": unsigned.count(),
            "query": query,
            "filters": filters,
            "status": status,
            "by_billing_date": filters["date_basis"] == billing.BILLED_DATE,
            "show_billed_on": status != BillingFilterForm.TO_BILL,
            "can_mark": any(line.status == Status.SIGNED for line in lines),
            "show_costs": request.user.has_perm("interventions.view_costs"),
        },
    )


@role_required(roles.MANAGER)
def billing_export(request, fmt: str):
    _form, filters, _query = _billing_filters(request)
    with_costs = request.user.has_perm("interventions.view_costs")
    rows = billing.export_rows(
        billing.export_lines(billing.billable_queryset(**filters)), with_costs=with_costs
    )
    name = f"facturation-{filters['date_from']}-{filters['date_to']}"
    if fmt == "xlsx":
        response = StreamingHttpResponse(
            billing.xlsx_stream(rows, kinds=billing.export_kinds(with_costs=with_costs)),
            content_type=XLSX_CONTENT_TYPE,
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    else:
        response = StreamingHttpResponse(
            billing.csv_stream(rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@require_POST
@role_required(roles.MANAGER)
def billing_mark_billed(request):
    # Ids only (at most 18 digits: a bigint); an unknown one is the service's French error.
    pks = [int(pk) for pk in request.POST.getlist("pk") if pk.isdigit() and len(pk) <= 18]
    try:
        billed = services.interventions_mark_billed(pks=pks, actor=request.user)
    except (ValidationError, workflow.TransitionError) as error:
        text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d intervention marked as billed.",
                "%(count)d interventions marked as billed.",
                len(billed),
            )
            % {"count": len(billed)},
        )
    query = request.POST.get("query", "")
    return redirect(f"{reverse('interventions-billing')}?{query}")


@role_required(roles.MANAGER)
def billing_rates(request):
    rates = BillingRates.current()
    rates_form = BillingRatesForm(instance=rates, prefix="rates")
    contract_form = ContractRatesForm(prefix="contract")
    if request.method == "POST":
        if "rates-hourly_rate" in request.POST:
            rates_form = BillingRatesForm(request.POST, instance=rates, prefix="rates")
            if rates_form.is_valid():
                services.billing_rates_update(actor=request.user, **rates_form.cleaned_data)
                messages.success(request, _("Rates saved."))
                return redirect("interventions-billing-rates")
        else:
            contract_form = ContractRatesForm(request.POST, prefix="contract")
            if contract_form.is_valid():
                data = dict(contract_form.cleaned_data)
                services.contract_rates_set(actor=request.user, **data)
                messages.success(request, _("Contract rates saved."))
                return redirect("interventions-billing-rates")
    return render(
        request,
        "interventions/billing_rates.html",
        {
            "rates_form": rates_form,
            "contract_form": contract_form,
            "contract_rates": selectors.contract_rates_list(),
            "rates_pk": rates.pk,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@role_required(roles.MANAGER)
def billing_override(request, pk: int):
    intervention = selectors.get_intervention_for(request.user, pk)
    form = BillingOverrideForm(request.POST)
    if form.is_valid():
        try:
            services.billing_override(
                intervention=intervention,
                actor=request.user,
                flag=form.cleaned_data["flag"],
                billable=form.cleaned_data["billable"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("interventions-detail", pk=pk)
        messages.success(request, _("Billing decision recorded."))
        return redirect("interventions-detail", pk=pk)
    return render_detail_with_errors(request, intervention, override_form=form)


@require_POST
@login_required
def intervention_unbill(request, pk: int):
    if not request.user.is_superuser:
        raise PermissionDenied
    intervention = selectors.get_intervention_for(request.user, pk)
    form = UnbillForm(request.POST)
    if not form.is_valid():
        return render_detail_with_errors(request, intervention, unbill_form=form)
    try:
        services.intervention_unbill(
            intervention=intervention, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except workflow.TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The intervention is back to “signed”."))
    return redirect("interventions-detail", pk=pk)


@require_POST
@role_required(roles.MANAGER)
def amendment_request(request, pk: int):
    intervention = selectors.get_intervention_for(request.user, pk)
    signed = selectors.latest_signed_version(intervention)
    form = AmendmentRequestForm(
        request.POST, signed_billable=signed.snapshot["billable"] if signed else None
    )
    if form.is_valid():
        try:
            amendment = amendments.amendment_request(
                intervention=intervention,
                actor=request.user,
                changes=dict.fromkeys(form.cleaned_data["items"], True),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(
                request,
                _("Amendment no. %(version)s requested: the customer must now sign it.")
                % {"version": amendment.version},
            )
            return redirect(reverse("interventions-detail", args=[pk]) + "#report-versions")
    return render_detail_with_errors(request, intervention, amendment_form=form)
