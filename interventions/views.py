import datetime
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from . import roles, selectors, services, workflow
from .models import CLOSED_STATUSES, Intervention, Status
from .roles import role_required

ROLE_HOME = {
    roles.DISPATCHER: "interventions-list",
    roles.TECHNICIAN: "interventions-mine",
    roles.MANAGER: "interventions-dashboard",
}


@login_required
def home(request):
    role = roles.user_role(request.user)
    if role is None:
        return render(request, "interventions/no_role.html", status=403)
    return redirect(ROLE_HOME[role])


@role_required(roles.DISPATCHER, roles.MANAGER)
def intervention_list(request):
    qs = selectors.visible_interventions(request.user).order_by("-requested_at")
    show = request.GET.get("show", "open")
    if show == "open":
        qs = qs.exclude(status__in=CLOSED_STATUSES)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "interventions/intervention_list.html", {"page": page, "show": show})


@role_required(roles.TECHNICIAN)
def intervention_mine(request):
    qs = (
        Intervention.objects.select_related("client", "site", "equipment")
        .filter(technician=request.user)
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("scheduled_start", "deadline_at", "-priority", "requested_at")
    )
    today = timezone.localdate()
    today_jobs, upcoming, unplanned = [], [], []
    for job in qs:
        if job.scheduled_start is None:
            unplanned.append(job)
        elif timezone.localdate(job.scheduled_start) <= today:
            today_jobs.append(job)
        else:
            upcoming.append(job)
    return render(
        request,
        "interventions/intervention_mine.html",
        {"today_jobs": today_jobs, "upcoming": upcoming, "unplanned": unplanned},
    )


@role_required(roles.MANAGER)
def dashboard(request):
    """Statistics for a period: charts, their tables, and each table as CSV (`?csv=key`)."""
    from . import billing, stats
    from .billing_forms import PeriodForm

    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    start, end = form.period(default=(today.replace(day=1) - datetime.timedelta(days=365), today))
    tables = stats.dashboard_tables(start, end)
    wanted = request.GET.get("csv")
    if wanted:
        table = next((t for t in tables if t.key == wanted), None)
        if table is None:
            raise Http404
        response = StreamingHttpResponse(
            billing.csv_stream([table.columns, *table.rows]), content_type="text/csv"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="statistiques-{table.key}-{start}-{end}.csv"'
        )
        return response
    counts = dict(Intervention.objects.values_list("status").annotate(n=Count("pk")).order_by())
    by_status = [(Status(value), counts.get(value, 0)) for value in Status.values]
    return render(
        request,
        "interventions/dashboard.html",
        {
            "by_status": by_status,
            "form": form,
            "start": start,
            "end": end,
            "tables": tables,
            "query": urlencode({"date_from": start, "date_to": end}),
        },
    )


@login_required
def intervention_detail(request, pk: int):
    intervention = selectors.get_intervention_for(request.user, pk)
    return render(
        request,
        "interventions/intervention_detail.html",
        {
            "intervention": intervention,
            "visits": intervention.visits.select_related("technician"),
            "parts": intervention.parts.select_related("part"),
            "events": intervention.events.select_related("actor"),
            **billing_panel_context(request, intervention),
        },
    )


# ---------------------------------------------------------------------------------------------
# Billing (issue 6): rules in `billing` and `services`; these views only route and render.


def billing_panel_context(request, intervention, **forms) -> dict:
    """What the intervention page shows about billing, by role (see _billing_panel.html)."""
    from . import billing
    from .billing_forms import BillingOverrideForm, OutOfConditionsForm, UnbillForm

    user = request.user
    role = roles.user_role(user)
    context = {
        "can_record_conditions": role == roles.TECHNICIAN
        and intervention.technician_id == user.pk
        and not intervention.is_closed,
        "conditions_form": forms.get("conditions_form")
        or OutOfConditionsForm(
            initial={
                "out_of_conditions": intervention.out_of_conditions,
                "note": intervention.out_of_conditions_note,
            }
        ),
    }
    if role == roles.MANAGER:
        decisions = billing.decide(intervention)
        facts = billing.facts_for(intervention)
        rates = billing.RatesBook().for_contract(intervention.contract_id)
        flags = {flag: getattr(intervention, f"billable_{flag}") for flag in billing.FLAGS}
        failed = forms.get("override_form")
        context.update(
            {
                "billing_decisions": [
                    (
                        flag,
                        billing.flag_label(flag),
                        decisions[flag],
                        flags[flag],
                        failed
                        if failed is not None and failed.data.get("flag") == flag
                        else BillingOverrideForm(initial={"flag": flag, "billable": "0"}),
                    )
                    for flag in billing.FLAGS
                ],
                "billing_facts": facts,
                "billing_amounts": billing.compute_amounts(facts, flags, rates),
                "can_review_billing": intervention.status not in (Status.BILLED, Status.CANCELLED),
                "show_costs": user.has_perm("interventions.view_costs"),
            }
        )
    if user.is_superuser and intervention.status == Status.BILLED:
        context["unbill_form"] = forms.get("unbill_form") or UnbillForm()
    return context


def _detail_with_errors(request, intervention, **forms):
    return render(
        request,
        "interventions/intervention_detail.html",
        {
            "intervention": intervention,
            "visits": intervention.visits.select_related("technician"),
            "parts": intervention.parts.select_related("part"),
            "events": intervention.events.select_related("actor"),
            **billing_panel_context(request, intervention, **forms),
        },
        status=400,
    )


@require_POST
@role_required(roles.TECHNICIAN)
def out_of_conditions(request, pk: int):
    from .billing_forms import OutOfConditionsForm

    intervention = selectors.get_intervention_for(request.user, pk)
    if intervention.technician_id != request.user.pk:
        raise PermissionDenied
    form = OutOfConditionsForm(request.POST)
    if form.is_valid():
        try:
            services.out_of_conditions_record(
                intervention=intervention,
                actor=request.user,
                out_of_conditions=form.cleaned_data["out_of_conditions"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("interventions-detail", pk=pk)
        messages.success(request, _("Observation recorded."))
        return redirect("interventions-detail", pk=pk)
    return _detail_with_errors(request, intervention, conditions_form=form)


@require_POST
@role_required(roles.MANAGER)
def billing_override(request, pk: int):
    from .billing_forms import BillingOverrideForm

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
    return _detail_with_errors(request, intervention, override_form=form)


@require_POST
@login_required
def intervention_unbill(request, pk: int):
    from .billing_forms import UnbillForm

    if not request.user.is_superuser:
        raise PermissionDenied
    intervention = selectors.get_intervention_for(request.user, pk)
    form = UnbillForm(request.POST)
    if not form.is_valid():
        return _detail_with_errors(request, intervention, unbill_form=form)
    try:
        services.intervention_unbill(
            intervention=intervention, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except workflow.TransitionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The intervention is back to “signed”."))
    return redirect("interventions-detail", pk=pk)


def _billing_filters(request):
    from .billing_forms import BillingFilterForm

    form = BillingFilterForm(request.GET or None)
    start, end = form.period()
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    client, contract = data.get("client"), data.get("contract")
    filters = {
        "date_from": start,
        "date_to": end,
        "client_id": client.pk if client else None,
        "contract_id": contract.pk if contract else None,
    }
    query = {"date_from": start, "date_to": end}
    if client:
        query["client"] = client.pk
    if contract:
        query["contract"] = contract.pk
    return form, filters, urlencode(query)


@role_required(roles.MANAGER)
def billing_list(request):
    from . import billing

    form, filters, query = _billing_filters(request)
    lines = list(billing.billing_lines(billing.billable_queryset(**filters)))
    totals = billing.Totals()
    for line in lines:
        totals.add(line)
    unsigned = billing.unsigned_queryset(
        date_to=filters["date_to"],
        client_id=filters["client_id"],
        contract_id=filters["contract_id"],
    )
    return render(
        request,
        "interventions/billing_list.html",
        {
            "form": form,
            "lines": lines,
            "totals": totals,
            "unsigned": unsigned[:200],
            "query": query,
            "filters": filters,
            "show_costs": request.user.has_perm("interventions.view_costs"),
        },
    )


@role_required(roles.MANAGER)
def billing_export(request, fmt: str):
    from . import billing

    _form, filters, _query = _billing_filters(request)
    with_costs = request.user.has_perm("interventions.view_costs")
    rows = billing.export_rows(
        billing.billing_lines(billing.billable_queryset(**filters)), with_costs=with_costs
    )
    name = f"facturation-{filters['date_from']}-{filters['date_to']}"
    if fmt == "xlsx":
        response = StreamingHttpResponse(
            billing.xlsx_stream(rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
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
    pks = [int(pk) for pk in request.POST.getlist("pk") if pk.isdigit()]
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
    from .billing_forms import BillingRatesForm, ContractRatesForm
    from .models import BillingRates, ContractRates

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
            contract_id = request.POST.get("contract-contract")
            existing = (
                ContractRates.objects.filter(contract_id=contract_id).first()
                if str(contract_id).isdigit()
                else None
            )
            if existing is not None:
                contract_form = ContractRatesForm(
                    request.POST, instance=existing, prefix="contract"
                )
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
            "contract_rates": ContractRates.objects.select_related("contract__client"),
        },
        status=400 if request.method == "POST" else 200,
    )
