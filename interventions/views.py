import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from clients import services as client_services
from clients.models import Client, Contract, Equipment, Site
from clients.selectors import client_search

from . import roles, selectors, services, sla
from .filters import OPEN, URGENCY_ORDER, InterventionFilter
from .forms import AssignForm, ClientQuickForm, HandoverForm, IntakeForm, SiteQuickForm
from .models import CLOSED_STATUSES, Intervention, SignedReport, Status
from .pdf import render_report_pdf
from .planning import build_planning, week_start
from .roles import role_required
from .snapshot import report_snapshot
from .templatetags.interventions_tags import person
from .verification import report_check

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
    data = request.GET.copy()
    data.setdefault("status", OPEN)
    filterset = InterventionFilter(
        data, queryset=selectors.visible_interventions(request.user).order_by(*URGENCY_ORDER)
    )
    page = Paginator(filterset.qs, 25).get_page(request.GET.get("page"))
    return render(
        request, "interventions/intervention_list.html", {"page": page, "filter": filterset}
    )


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
    counts = dict(Intervention.objects.values_list("status").annotate(n=Count("pk")).order_by())
    by_status = [(Status(value), counts.get(value, 0)) for value in Status.values]
    return render(request, "interventions/dashboard.html", {"by_status": by_status})


@login_required
def intervention_detail(request, pk: int):
    return _render_detail(request, selectors.get_intervention_for(request.user, pk))


# --- Dispatcher: intake, assignment, handover, planning, planned visits -----------------------


def _entitlement(client, equipment, requested_at) -> dict:
    """What the caller is entitled to, and the deadline the call would get if saved now."""
    ent = services.entitlement_snapshot(
        client=client, equipment=equipment, day=timezone.localdate(requested_at)
    )
    contract = ent["contract"]
    ent["deadline"] = sla.response_deadline(
        requested_at, contract.response_time_hours if contract else None
    )
    ent["equipment"] = equipment
    return ent


def _intake_client_context(client, *, site=None, equipment=None, requested_at=None, **extra):
    requested_at = requested_at or timezone.now()
    return {
        "client": client,
        "sites": client.sites.all(),
        "equipment_list": client.equipment.select_related("site", "contract"),
        "selected_site": site,
        "selected_equipment": equipment,
        "ent": _entitlement(client, equipment, requested_at),
        "site_form": extra.pop("site_form", None) or SiteQuickForm(),
        **extra,
    }


def _requested_at(request) -> datetime.datetime:
    field = IntakeForm().fields["requested_at"]
    try:
        value = field.clean(request.GET.get("requested_at") or request.POST.get("requested_at"))
    except ValidationError:
        value = None
    return value or timezone.now()


def _get_or_none(model, pk, **filters):
    if not pk or not str(pk).isdigit():
        return None
    return model.objects.filter(pk=pk, **filters).first()


@role_required(roles.DISPATCHER, roles.MANAGER)
def intervention_intake(request):
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.intervention_create(
                client=data["client"],
                site=data["site"],
                equipment=data["equipment"],
                object=data["object"],
                caller_name=data["caller_name"],
                caller_phone=data["caller_phone"],
                channel=data["channel"],
                priority=data["priority"],
                requested_at=data["requested_at"],
                actor=request.user,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if job.deadline_at:
                msg = _("Intervention %(number)s created. Response deadline: %(deadline)s.")
            else:
                msg = _("Intervention %(number)s created. No response deadline (no contract).")
            messages.success(
                request,
                msg
                % {
                    "number": job.number,
                    "deadline": date_format(timezone.localtime(job.deadline_at), "DATETIME_FORMAT")
                    if job.deadline_at
                    else "",
                },
            )
            return redirect("interventions-detail", pk=job.pk)
    context = {"form": form, "new_client_form": ClientQuickForm()}
    client = _get_or_none(Client, form.data.get("client"), active=True)
    if client is not None:
        context.update(
            _intake_client_context(
                client,
                site=_get_or_none(Site, form.data.get("site"), client=client),
                equipment=_get_or_none(Equipment, form.data.get("equipment"), client=client),
                requested_at=form.cleaned_data.get("requested_at")
                if hasattr(form, "cleaned_data")
                else None,
            )
        )
    return render(request, "interventions/intervention_intake.html", context)


@role_required(roles.DISPATCHER, roles.MANAGER)
def intake_client_search(request):
    query = request.GET.get("q", "")
    return render(
        request,
        "interventions/_intake_results.html",
        {"results": client_search(query), "query": query.strip()},
    )


@role_required(roles.DISPATCHER, roles.MANAGER)
def intake_client(request):
    client = get_object_or_404(Client, pk=request.GET.get("client") or 0, active=True)
    return render(
        request,
        "interventions/_intake_client.html",
        _intake_client_context(
            client,
            site=_get_or_none(Site, request.GET.get("site"), client=client),
            equipment=_get_or_none(Equipment, request.GET.get("equipment"), client=client),
            requested_at=_requested_at(request),
        ),
    )


@role_required(roles.DISPATCHER, roles.MANAGER)
def intake_entitlement(request):
    if not request.GET.get("client"):
        return HttpResponse(status=204)
    client = get_object_or_404(Client, pk=request.GET.get("client") or 0, active=True)
    equipment = _get_or_none(Equipment, request.GET.get("equipment"), client=client)
    return render(
        request,
        "interventions/_entitlement.html",
        {"ent": _entitlement(client, equipment, _requested_at(request)), "client": client},
    )


@require_POST
@role_required(roles.DISPATCHER, roles.MANAGER)
def intake_client_create(request):
    form = ClientQuickForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        site_label = data.pop("site_label")
        try:
            with transaction.atomic():
                client = client_services.client_create(**data)
                site = None
                if site_label:
                    site = client_services.site_create(
                        client=client,
                        label=site_label,
                        address=data["address"],
                        postal_code=data["postal_code"],
                        city=data["city"],
                    )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return render(
                request,
                "interventions/_intake_client.html",
                _intake_client_context(
                    client, site=site, requested_at=_requested_at(request), created=True
                ),
            )
    response = render(request, "interventions/_intake_new_client.html", {"new_client_form": form})
    return reswap(retarget(response, "#new-client"), "outerHTML")


@require_POST
@role_required(roles.DISPATCHER, roles.MANAGER)
def intake_site_create(request):
    client = get_object_or_404(Client, pk=request.POST.get("client") or 0, active=True)
    form = SiteQuickForm(request.POST)
    site = None
    if form.is_valid():
        try:
            site = client_services.site_create(client=client, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = SiteQuickForm()
    return render(
        request,
        "interventions/_intake_client.html",
        _intake_client_context(
            client,
            site=site,
            equipment=_get_or_none(Equipment, request.POST.get("equipment"), client=client),
            requested_at=_requested_at(request),
            site_form=form,
            site_form_open=site is None,
        ),
    )


def _detail_forms(request, intervention, **forms):
    return {
        "assign_form": forms.get("assign_form")
        or AssignForm(
            initial={
                "technician": intervention.technician_id,
                "scheduled_start": intervention.scheduled_start,
                "scheduled_end": intervention.scheduled_end,
            }
        ),
        "handover_form": forms.get("handover_form") or HandoverForm(intervention=intervention),
    }


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
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Assigned to %(name)s.") % {"name": person(data["technician"])},
            )
            if data["scheduled_start"]:
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
                            "name": person(data["technician"]),
                            "jobs": ", ".join(job.number for job in clashes),
                        },
                    )
            return redirect("interventions-detail", pk=intervention.pk)
    return _render_detail(request, intervention, assign_form=form, status=400)


@require_POST
@login_required
def intervention_handover_view(request, pk: int):
    """Dispatcher (detail page) and technician (tablet) entry point of the one handover service.
    A technician may only hand over a job assigned to them."""
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
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Handed over to %(name)s.")
                % {"name": person(form.cleaned_data["to_technician"])},
            )
            target = request.POST.get("next")
            if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
                return redirect(target)
            return redirect("interventions-detail", pk=intervention.pk)
    return _render_detail(request, intervention, handover_form=form, status=400)


def _render_detail(request, intervention, status=200, **forms):
    context = {
        "intervention": intervention,
        "visits": intervention.visits.select_related("technician"),
        "parts": intervention.parts.select_related("part"),
        "events": intervention.events.select_related("actor"),
    }
    if roles.has_role(request.user, roles.DISPATCHER, roles.MANAGER):
        context.update(_detail_forms(request, intervention, **forms))
    elif forms.get("handover_form"):
        context["handover_form"] = forms["handover_form"]
    return render(request, "interventions/intervention_detail.html", context, status=status)


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
    to_schedule = (
        selectors.open_interventions()
        .filter(scheduled_start__isnull=True)
        .select_related("client", "technician")
        .order_by(*URGENCY_ORDER)[:20]
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
            "to_schedule": to_schedule,
        },
    )


@role_required(roles.DISPATCHER, roles.MANAGER)
def visits_to_plan(request):
    year = timezone.localdate().year
    contracts = list(selectors.contracts_with_planned_visits(year))
    for contract in contracts:
        contract.visits_missing = max(0, contract.annual_visits - contract.visits_planned)
    return render(
        request, "interventions/visits_to_plan.html", {"contracts": contracts, "year": year}
    )


@require_POST
@role_required(roles.DISPATCHER, roles.MANAGER)
def visits_plan_create(request, contract_pk: int):
    contract = get_object_or_404(Contract, pk=contract_pk)
    try:
        created = services.planned_visits_create(contract=contract, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if created:
            messages.success(
                request,
                _("Planned visits created for %(contract)s: %(numbers)s.")
                % {"contract": contract.number, "numbers": ", ".join(j.number for j in created)},
            )
        else:
            messages.info(
                request,
                _("Every visit of %(contract)s is already planned.")
                % {"contract": contract.number},
            )
    return redirect("interventions-visits")


# --- the signed PDF report (download, draft preview, public verification) ------------------


def _pdf_response(data: bytes, filename: str, *, as_attachment: bool = False) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "attachment" if as_attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@role_required(roles.DISPATCHER, roles.TECHNICIAN, roles.MANAGER)
def report_download(request, pk: int):
    """The stored PDF of a signed intervention, byte for byte (never rendered again)."""
    intervention = selectors.get_intervention_for(request.user, pk)
    report = get_object_or_404(SignedReport, intervention=intervention)
    return FileResponse(
        report.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"rapport-{intervention.number}.pdf",
    )


@role_required(roles.DISPATCHER, roles.TECHNICIAN, roles.MANAGER)
def report_preview(request, pk: int):
    """Draft preview (watermarked) of a report not signed yet; a signed one is downloaded."""
    intervention = selectors.get_intervention_for(request.user, pk)
    if SignedReport.objects.filter(intervention=intervention).exists():
        return redirect("interventions-report-pdf", pk=intervention.pk)
    data = render_report_pdf(report_snapshot(intervention), draft=True)
    return _pdf_response(data, f"brouillon-{intervention.number}.pdf")


def report_verify(request, number: str):
    """Public check of a signed report: number, date, status and whether the file is intact."""
    report = get_object_or_404(
        SignedReport.objects.select_related("intervention"), intervention__number=number
    )
    response = render(
        request,
        "interventions/report_verify.html",
        {"report": report, "check": report_check(report)},
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
