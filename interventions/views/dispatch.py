"""The office follows the interventions: list, detail page, assignment, handover, planning,
annual visits to prepare, and the history of a piece of equipment."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import roles, selectors, services
from ..filters import OPEN, TO_SIGN, URGENCY_ORDER, InterventionFilter
from ..forms import AssignForm, CancelForm, ContractChoiceForm, HandoverForm
from ..people import display_name
from ..planning import build_planning, week_start
from ..roles import role_required
from ..workflow import TransitionError
from .access import add_form_errors, show_conflict
from .detail import render_detail

EQUIPMENT_HISTORY_PAGE = 20


@role_required(roles.DISPATCHER, roles.MANAGER)
def intervention_list(request):
    data = request.GET.copy()
    data.setdefault("status", OPEN)
    filterset = InterventionFilter(
        data, queryset=selectors.visible_interventions(request.user).order_by(*URGENCY_ORDER)
    )
    page = selectors.interventions_page(filterset.qs, request.GET.get("page"))
    return render(
        request,
        "interventions/intervention_list.html",
        {
            "page": page,
            "filter": filterset,
            "to_sign_count": selectors.to_sign_count(),
            "to_sign": TO_SIGN,
        },
    )


@login_required
def intervention_detail(request, pk: int):
    return render_detail(request, selectors.get_intervention_for(request.user, pk))


def _warn_overlaps(request, intervention, data) -> None:
    """Assigning over another slot is allowed (the dispatcher knows best) but said."""
    clashes = selectors.slot_overlaps(
        technician=data["technician"],
        start=data["scheduled_start"],
        end=data["scheduled_end"],
        exclude_pk=intervention.pk,
    )
    if clashes:
        messages.warning(
            request,
            _("Overlapping slot: %(name)s already has %(jobs)s at that time.")
            % {
                "name": display_name(data["technician"]),
                "jobs": ", ".join(clash.number for clash in clashes),
            },
        )


@require_POST
@role_required(roles.DISPATCHER, roles.MANAGER)
def intervention_assign(request, pk: int):
    intervention = selectors.get_intervention_for(request.user, pk)
    form = AssignForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.intervention_assign(
                intervention=intervention,
                technician=data["technician"],
                scheduled_start=data["scheduled_start"],
                scheduled_end=data["scheduled_end"],
                actor=request.user,
                version=data["version"],
            )
        except services.EditConflict as conflict:
            show_conflict(form, conflict)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Assigned to %(name)s.") % {"name": display_name(data["technician"])},
            )
            if data["scheduled_start"]:
                _warn_overlaps(request, intervention, data)
            return redirect("interventions-detail", pk=intervention.pk)
    return render_detail(request, intervention, assign_form=form, status=400)


@require_POST
@role_required(roles.DISPATCHER, roles.MANAGER)
def intervention_contract(request, pk: int):
    """The dispatcher chooses the contract of a ticket that names no equipment."""
    intervention = selectors.get_intervention_for(request.user, pk)
    form = ContractChoiceForm(request.POST)
    if form.is_valid():
        contract = form.cleaned_data["contract"]
        try:
            intervention = services.intervention_contract_choose(
                intervention=intervention, contract=contract, actor=request.user
            )
        except ValidationError as exc:
            intervention.refresh_from_db()
            if not services.contract_choosable(intervention):
                messages.error(request, " ".join(exc.messages))  # the page shows no choice
                return redirect("interventions-detail", pk=intervention.pk)
            form.add_error(None, exc)
        else:
            if contract is None:
                done = _("No contract: everything will be billed.")
            else:
                done = _("Contract chosen: %(contract)s.") % {"contract": contract}
            messages.success(request, done)
            return redirect("interventions-detail", pk=intervention.pk)
    return render_detail(request, intervention, contract_form=form, status=400)


@require_POST
@login_required
def intervention_handover_view(request, pk: int):
    """The detail page's entry point of the one handover service (the tablet has its own page,
    `tablet.work_handover`, with the same form). A technician may only hand over an
    intervention assigned to them."""
    intervention = selectors.get_intervention_for(request.user, pk)
    role = roles.user_role(request.user)
    if role == roles.TECHNICIAN and intervention.technician_id != request.user.pk:
        raise PermissionDenied
    form = HandoverForm(request.POST, intervention=intervention)
    if form.is_valid():
        try:
            services.intervention_handover(
                intervention=intervention,
                to_technician=form.cleaned_data["to_technician"],
                actor=request.user,
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
        except services.EditConflict as conflict:
            show_conflict(form, conflict)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Handed over to %(name)s.")
                % {"name": display_name(form.cleaned_data["to_technician"])},
            )
            target = request.POST.get("next")
            if (
                target
                and target.startswith("/")
                and target.isprintable()
                and url_has_allowed_host_and_scheme(target, {request.get_host()})
            ):
                return HttpResponseRedirect(target)
            return redirect("interventions-detail", pk=intervention.pk)
    return render_detail(request, intervention, handover_form=form, status=400)


@require_POST
@role_required(roles.DISPATCHER, roles.MANAGER)
def intervention_cancel(request, pk: int):
    """Cancel from the intervention page, with a reason; a refusal (no reason, or a status the
    workflow does not cancel) shows the page again with the typed reason."""
    intervention = selectors.get_intervention_for(request.user, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.intervention_cancel(
                intervention=intervention, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_form_errors(form, exc)
        except TransitionError as exc:
            form.add_error(None, str(exc))
            intervention.refresh_from_db()
        else:
            messages.success(
                request, _("Intervention %(number)s cancelled.") % {"number": intervention.number}
            )
            return redirect("interventions-detail", pk=intervention.pk)
    return render_detail(request, intervention, cancel_form=form, status=400)


@role_required(roles.DISPATCHER, roles.MANAGER)
def planning(request):
    try:
        day = datetime.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    mode = "day" if request.GET.get("view") == "day" else "week"
    if mode == "day":
        grid = build_planning(day, 1)
        previous, following = day - datetime.timedelta(days=1), day + datetime.timedelta(days=1)
    else:
        grid = build_planning(week_start(day), 7)
        previous, following = (
            grid.days[0] - datetime.timedelta(days=7),
            grid.days[0] + datetime.timedelta(days=7),
        )
    return render(
        request,
        "interventions/planning.html",
        {
            "grid": grid,
            "mode": mode,
            "day": day,
            "previous": previous,
            "following": following,
            "today": timezone.localdate(),
            "to_schedule": selectors.interventions_to_schedule(URGENCY_ORDER),
        },
    )


VISITS_PAGE_SIZE = 50


@role_required(roles.DISPATCHER, roles.MANAGER)
def visits_to_plan(request):
    """Contracts with annual visits, a page at a time, counted for that page only."""
    year = timezone.localdate().year
    query = request.GET.get("q", "").strip()
    page = Paginator(
        selectors.contracts_with_annual_visits(year, query), VISITS_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    contracts = selectors.planned_visit_counts(year, list(page.object_list))
    return render(
        request,
        "interventions/visits_to_plan.html",
        {"contracts": contracts, "page": page, "query": query, "year": year},
    )


@require_POST
@role_required(roles.DISPATCHER, roles.MANAGER)
def visits_plan_create(request, contract_pk: int):
    contract = selectors.get_contract(contract_pk)
    try:
        created = services.planned_visits_create(contract=contract, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if created:
            messages.success(
                request,
                _("Planned visits created for %(contract)s: %(numbers)s.")
                % {"contract": contract.number, "numbers": ", ".join(i.number for i in created)},
            )
        else:
            messages.info(
                request,
                _("Every visit of %(contract)s is already planned.")
                % {"contract": contract.number},
            )
    return redirect("interventions-visits")


@role_required(roles.DISPATCHER, roles.MANAGER, roles.TECHNICIAN)
def equipment_history(request, pk: int):
    """Every intervention on one piece of equipment, newest first: a technician checks whether
    today's problem comes from an earlier intervention (only on equipment of their own jobs)."""
    equipment, interventions = selectors.equipment_history(request.user, pk)
    page = Paginator(interventions, EQUIPMENT_HISTORY_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "interventions/equipment_history.html",
        {"equipment": equipment, "interventions": page, "page": page},
    )
