import datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from clients import services as client_services
from clients.models import Client, Contract, Equipment, Site
from clients.selectors import client_search

from . import roles, selectors, services, sla, tablet_forms, workflow
from .filters import OPEN, URGENCY_ORDER, InterventionFilter
from .forms import AssignForm, ClientQuickForm, HandoverForm, IntakeForm, SiteQuickForm
from .models import (
    CLOSED_STATUSES,
    Intervention,
    Part,
    SignedReport,
    Status,
    TechnicianSignature,
)
from .pdf import render_report_pdf
from .planning import build_planning, week_start
from .roles import role_required
from .snapshot import report_snapshot
from .templatetags.interventions_tags import person
from .verification import versions_check
from .workflow import TransitionError

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
    billing_forms = {k: v for k, v in forms.items() if k in BILLING_FORMS}
    context.update(billing_panel_context(request, intervention, **billing_forms))
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
    """Public check of a signed report: number, date, status and whether the file is intact,
    for every signed version (the original, then each amendment with what it changed)."""
    from .billing import flag_label

    report = get_object_or_404(
        SignedReport.objects.select_related("intervention__figures"), intervention__number=number
    )
    signed = selectors.report_versions(report.intervention, original=report)
    versions = []
    for version, check in zip(signed, versions_check(signed), strict=True):
        changes = (
            [(flag_label(flag), change["to"]) for flag, change in (version.changes or {}).items()]
            if version.is_amendment
            else []
        )
        versions.append((version, check, changes))
    response = render(
        request,
        "interventions/report_verify.html",
        {
            "report": report,
            "check": versions[0][1],
            "versions": versions,
            "all_intact": all(check.intact for _v, check, _c in versions),
        },
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- Technician on a tablet (issue 4) ------------------------------------------------------
# Every view below: technician role, the job must be assigned to this user (else 404), one
# service call; a refused change (signed report, missing input) comes back as a French message.


def _my_job(request, pk: int) -> Intervention:
    """The job if it is assigned to the current technician, else 404."""
    return get_object_or_404(
        Intervention.objects.select_related("client", "site", "equipment", "technician"),
        pk=pk,
        technician=request.user,
    )


def _refused(request, error: Exception) -> None:
    if isinstance(error, ValidationError):
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.error(request, str(error))


def _work_url(job: Intervention, anchor: str = "") -> str:
    return reverse("interventions-work", args=[job.pk]) + (f"#{anchor}" if anchor else "")


def _parts_context(job: Intervention) -> dict:
    parts = list(job.parts.all())
    return {
        "intervention": job,
        "parts": parts,
        "parts_total": sum((p.total_price for p in parts), Decimal("0")),
        "part_form": tablet_forms.PartAddForm(),
        "editable": job.report_open,
    }


def _work_context(job: Intervention, **extra) -> dict:
    visits = list(job.visits.select_related("technician"))
    open_visit = next(
        (v for v in visits if v.left_at is None and v.technician_id == job.technician_id), None
    )
    context = {
        "intervention": job,
        "visits": visits,
        "open_visit": open_visit,
        "editable": job.report_open,
        "departure_form": tablet_forms.DepartureForm(),
        "blockers": services.signature_blockers(job) if not job.is_closed else [],
        "children": list(job.children.all()),
        "additional_form": tablet_forms.AdditionalRequestForm(),
        "follow_up_form": tablet_forms.FollowUpForm(),
        "pending_amendment": selectors.pending_amendment(job) if job.is_locked else None,
        **_parts_context(job),
    }
    context.update(extra)
    return context


def _render_work(request, job, *, status: int = 200, **extra):
    """The tablet's work page; `extra` replaces context entries (a form with its errors)."""
    return render(
        request, "interventions/intervention_work.html", _work_context(job, **extra), status=status
    )


@role_required(roles.TECHNICIAN)
def intervention_work(request, pk: int):
    return _render_work(request, _my_job(request, pk))


@require_POST
@role_required(roles.TECHNICIAN)
def work_arrive(request, pk: int):
    job = _my_job(request, pk)
    try:
        services.visit_arrive(intervention=job, technician=request.user)
        messages.success(request, _("Arrival stamped."))
    except (ValidationError, TransitionError) as error:
        _refused(request, error)
    return redirect(_work_url(job, "visits"))


@require_POST
@role_required(roles.TECHNICIAN)
def work_depart(request, pk: int, visit_pk: int):
    job = _my_job(request, pk)
    visit = get_object_or_404(job.visits, pk=visit_pk)
    form = tablet_forms.DepartureForm(request.POST)
    if form.is_valid():
        try:
            services.visit_depart(visit=visit, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Departure stamped."))
            return redirect(_work_url(job, "visits"))
        except ValidationError as error:
            _refused(request, error)
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
    return redirect(_work_url(job, "visits"))


@role_required(roles.TECHNICIAN)
def work_visit_edit(request, pk: int, visit_pk: int):
    job = _my_job(request, pk)
    visit = get_object_or_404(job.visits, pk=visit_pk)
    if request.method == "POST":
        form = tablet_forms.VisitForm(request.POST)
        if form.is_valid():
            try:
                services.visit_update(visit=visit, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Visit corrected."))
                return redirect(_work_url(job, "visits"))
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, errors in error.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, error)
    else:
        form = tablet_forms.VisitForm(
            initial={
                "arrived_at": timezone.localtime(visit.arrived_at),
                "left_at": timezone.localtime(visit.left_at) if visit.left_at else None,
                "travel_km": visit.travel_km,
                "travel_minutes": visit.travel_minutes,
            }
        )
    return render(
        request,
        "interventions/intervention_work_visit.html",
        {"intervention": job, "visit": visit, "form": form},
    )


@require_POST
@role_required(roles.TECHNICIAN)
def work_report_save(request, pk: int):
    """Autosave endpoint (fetch): JSON in, JSON out; 409 with a French message once locked."""
    job = _my_job(request, pk)
    form = tablet_forms.ReportTextsForm(request.POST)
    form.is_valid()
    texts = {
        name: form.cleaned_data[name] for name in services.REPORT_FIELDS if name in request.POST
    }
    try:
        job = services.report_update(intervention=job, actor=request.user, **texts)
    except ValidationError as error:
        return JsonResponse({"saved": False, "error": " ".join(error.messages)}, status=409)
    return JsonResponse(
        {"saved": True, "at": timezone.localtime(job.updated_at).strftime("%H:%M:%S")}
    )


@role_required(roles.TECHNICIAN)
def work_part_search(request, pk: int):
    job = _my_job(request, pk)
    query = request.GET.get("q", "").strip()
    results = []
    if len(query) >= 2:
        results = list(
            Part.objects.filter(active=True)
            .filter(Q(reference__icontains=query) | Q(name__icontains=query))
            .order_by("reference")[:12]
        )
    return render(
        request,
        "interventions/_work_part_results.html",
        {"intervention": job, "results": results, "query": query},
    )


def _parts_response(request, job, form=None, status=200):
    if request.htmx:
        context = _parts_context(job)
        if form is not None:
            context["part_form"] = form
        return render(request, "interventions/_work_parts.html", context, status=status)
    return redirect(_work_url(job, "parts"))


@require_POST
@role_required(roles.TECHNICIAN)
def work_part_add(request, pk: int):
    job = _my_job(request, pk)
    form = tablet_forms.PartAddForm(request.POST)
    if form.is_valid():
        try:
            services.part_add(intervention=job, actor=request.user, **form.cleaned_data)
            return _parts_response(request, job)
        except ValidationError as error:
            form.add_error(None, error.messages)
    if not request.htmx:
        for text in [e for errors in form.errors.values() for e in errors]:
            messages.error(request, text)
    return _parts_response(request, job, form, status=200)


@require_POST
@role_required(roles.TECHNICIAN)
def work_part_remove(request, pk: int, part_pk: int):
    job = _my_job(request, pk)
    used = get_object_or_404(job.parts, pk=part_pk)
    try:
        services.part_remove(part_used=used, actor=request.user)
    except ValidationError as error:
        if request.htmx:
            return HttpResponse(" ".join(error.messages), status=409)
        _refused(request, error)
    return _parts_response(request, job)


def _work_text_form(request, job, form, *, form_key: str, field: str, anchor: str, act):
    """A one-text form of the tablet page (`form_key` in its context): `act(text)` calls the
    service and returns the success message. An invalid form, or a refusal by the service,
    shows the work page again with the error on the field and what was typed."""
    if form.is_valid():
        try:
            messages.success(request, act(form.cleaned_data[field]))
            return redirect(_work_url(job, anchor))
        except ValidationError as error:
            job.refresh_from_db()
            if not job.report_open:
                _refused(request, error)  # the page no longer shows the form: say it on top
                return redirect(_work_url(job))
            for text in error.messages:
                form.add_error(field, text)
    return _render_work(request, job, status=400, **{form_key: form})


@require_POST
@role_required(roles.TECHNICIAN)
def work_additional_request(request, pk: int):
    job = _my_job(request, pk)

    def act(text):
        child = services.intervention_additional_request(
            intervention=job, actor=request.user, object=text
        )
        return _("Intervention %(number)s created for the dispatcher.") % {"number": child.number}

    form = tablet_forms.AdditionalRequestForm(request.POST)
    return _work_text_form(
        request, job, form, form_key="additional_form", field="object", anchor="other", act=act
    )


@require_POST
@role_required(roles.TECHNICIAN)
def work_resolve(request, pk: int):
    job = _my_job(request, pk)
    try:
        services.intervention_resolve(intervention=job, actor=request.user)
        messages.success(request, _("Marked as resolved."))
    except ValidationError as error:
        _refused(request, error)
    return redirect(_work_url(job, "outcome"))


@require_POST
@role_required(roles.TECHNICIAN)
def work_follow_up(request, pk: int):
    job = _my_job(request, pk)

    def act(text):
        child = services.intervention_follow_up(intervention=job, actor=request.user, reason=text)
        return _("Follow-up intervention %(number)s opened.") % {"number": child.number}

    form = tablet_forms.FollowUpForm(request.POST)
    return _work_text_form(
        request, job, form, form_key="follow_up_form", field="reason", anchor="outcome", act=act
    )


@role_required(roles.TECHNICIAN)
def work_handover(request, pk: int):
    """The tablet's entry point to `services.intervention_handover` (the dispatcher has his)."""
    job = _my_job(request, pk)
    form = tablet_forms.HandoverForm(request.POST or None, current=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_handover(
                intervention=job,
                to_technician=form.cleaned_data["to_technician"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
            messages.success(
                request,
                _("Intervention %(number)s handed over to %(name)s.")
                % {"number": job.number, "name": person(form.cleaned_data["to_technician"])},
            )
            return redirect("interventions-mine")
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
    return render(
        request,
        "interventions/intervention_work_handover.html",
        {"intervention": job, "form": form},
    )


@require_POST
@role_required(roles.TECHNICIAN)
def work_submit(request, pk: int):
    job = _my_job(request, pk)
    try:
        services.report_submit(intervention=job, actor=request.user)
    except (ValidationError, TransitionError) as error:
        _refused(request, error)
        return redirect(_work_url(job, "finish"))
    return redirect("interventions-sign", pk=job.pk)


@require_POST
@role_required(roles.TECHNICIAN)
def work_reopen(request, pk: int):
    job = _my_job(request, pk)
    try:
        services.report_reopen(intervention=job, actor=request.user)
        messages.info(request, _("The report is open again; you will sign it again."))
    except (ValidationError, TransitionError) as error:
        _refused(request, error)
    return redirect(_work_url(job))


def _sign_context(job: Intervention, **extra) -> dict:
    signature = TechnicianSignature.objects.filter(intervention=job).first()
    content, shown_sha256 = services.report_content(job)
    stale = signature is not None and signature.content_sha256 != shown_sha256
    if stale:
        # Signed on content that has changed since: the technician signs what is shown now.
        signature = None
    context = {
        "intervention": job,
        "r": content,
        "shown_sha256": shown_sha256,
        "technician_signature": signature,
        "technician_signature_stale": stale,
    }
    if signature is None:
        context.setdefault("technician_form", tablet_forms.TechnicianSignatureForm())
    else:
        context.setdefault("customer_form", tablet_forms.CustomerSignatureForm())
    context.update(extra)
    return context


def _sign_again(request, job: Intervention, error: ValidationError):
    """The report changed after it was shown: nothing was signed; the page is shown again
    with the current content."""
    _refused(request, error)
    return redirect("interventions-sign", pk=job.pk)


@role_required(roles.TECHNICIAN)
def intervention_sign(request, pk: int):
    job = _my_job(request, pk)
    if job.is_locked:
        return redirect(_work_url(job))
    if job.status != Status.AWAITING_SIGNATURE:
        messages.error(request, _("Finish the report before signing it."))
        return redirect(_work_url(job, "finish"))
    return render(request, "interventions/intervention_sign.html", _sign_context(job))


@require_POST
@role_required(roles.TECHNICIAN)
def sign_technician(request, pk: int):
    job = _my_job(request, pk)
    form = tablet_forms.TechnicianSignatureForm(request.POST)
    if form.is_valid():
        try:
            services.report_sign_technician(
                intervention=job,
                actor=request.user,
                image=form.cleaned_data["signature"],
                shown_sha256=form.cleaned_data["shown_sha256"],
            )
            return redirect("interventions-sign", pk=job.pk)
        except services.ReportChanged as error:
            return _sign_again(request, job, error)
        except ValidationError as error:
            if job.is_locked or job.status != Status.AWAITING_SIGNATURE:
                _refused(request, error)
                return redirect(_work_url(job))
            form.add_error(None, error)
    return render(
        request,
        "interventions/intervention_sign.html",
        _sign_context(job, technician_form=form),
        status=400,
    )


@require_POST
@role_required(roles.TECHNICIAN)
def sign_customer(request, pk: int):
    job = _my_job(request, pk)
    form = tablet_forms.CustomerSignatureForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.report_sign_customer(
                intervention=job,
                actor=request.user,
                signatory_name=form.cleaned_data["signatory_name"],
                image=form.cleaned_data["signature"],
                stamp=form.cleaned_data["stamp"],
                shown_sha256=form.cleaned_data["shown_sha256"],
            )
            messages.success(request, _("Report signed. The PDF is stored."))
            return redirect(_work_url(job))
        except services.ReportChanged as error:
            return _sign_again(request, job, error)
        except (ValidationError, TransitionError) as error:
            job.refresh_from_db()
            if job.status != Status.AWAITING_SIGNATURE:
                _refused(request, error)
                return redirect(_work_url(job))
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
    return render(
        request,
        "interventions/intervention_sign.html",
        _sign_context(job, customer_form=form),
        status=400,
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
    context.update(_amendment_context(request, intervention, role, forms.get("amendment_form")))
    return context


def _amendment_context(request, intervention, role, failed_form) -> dict:
    """The report's signed versions (everyone who sees the page), the pending amendment, and
    for a manager of a signed intervention the "request an amendment" form."""
    from .billing_forms import AmendmentRequestForm

    if not intervention.is_locked:
        return {}
    versions = selectors.report_versions(intervention)
    context = {
        "report_versions": versions,
        "pending_amendment": selectors.pending_amendment(intervention),
        "can_sign_amendment": role == roles.MANAGER
        or (role == roles.TECHNICIAN and intervention.technician_id == request.user.pk),
    }
    if role == roles.MANAGER and intervention.status == Status.SIGNED and versions:
        signed_billable = versions[-1].snapshot["billable"]
        form = failed_form or AmendmentRequestForm(signed_billable=signed_billable)
        if form.fields["items"].choices:
            context["amendment_form"] = form
    return context


BILLING_FORMS = ("conditions_form", "override_form", "unbill_form", "amendment_form")


def _detail_with_errors(request, intervention, **forms):
    return _render_detail(request, intervention, status=400, **forms)


@require_POST
@role_required(roles.TECHNICIAN)
def out_of_conditions(request, pk: int):
    """The technician's observation, from the detail page or the tablet (`from=work`).

    The answer goes back to the page the form was on; an invalid form is shown again there,
    with what was typed.
    """
    from .billing_forms import OutOfConditionsForm

    intervention = selectors.get_intervention_for(request.user, pk)
    if intervention.technician_id != request.user.pk:
        raise PermissionDenied
    on_tablet = request.POST.get("from") == "work"
    back = (
        _work_url(intervention, "out-of-conditions")
        if on_tablet
        else reverse("interventions-detail", args=[pk])
    )
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
            _refused(request, error)
            return redirect(back)
        messages.success(request, _("Observation recorded."))
        return redirect(back)
    if on_tablet:
        return _render_work(request, intervention, status=400, conditions_form=form)
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


# ---------------------------------------------------------------------------------------------
# Amendments to a signed report (issue 10): rules in `amendments`.


@require_POST
@role_required(roles.MANAGER)
def amendment_request(request, pk: int):
    from .billing_forms import AmendmentRequestForm
    from .services import amendments

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
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Amendment no. %(version)s requested: the customer must now sign it.")
                % {"version": amendment.version},
            )
            return redirect(reverse("interventions-detail", args=[pk]) + "#report-versions")
    return _detail_with_errors(request, intervention, amendment_form=form)


def _amendment_job(request, pk: int) -> Intervention:
    """A manager reaches any intervention; a technician only a job assigned to them (else 404)."""
    if roles.user_role(request.user) == roles.TECHNICIAN:
        return _my_job(request, pk)
    return selectors.get_intervention_for(request.user, pk)


@role_required(roles.TECHNICIAN, roles.MANAGER)
def amendment_sign(request, pk: int):
    """The customer signs the pending amendment: on the technician's tablet, or later with a
    manager. The page shows what changes and why before the signature."""
    from .billing_forms import AmendmentSignatureForm
    from .services import amendments

    job = _amendment_job(request, pk)
    on_tablet = roles.user_role(request.user) == roles.TECHNICIAN
    back = _work_url(job) if on_tablet else reverse("interventions-detail", args=[pk])
    amendment = selectors.pending_amendment(job)
    if amendment is None:
        messages.info(request, _("No amendment is awaiting the customer's signature."))
        return redirect(back)
    form = AmendmentSignatureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            amendments.amendment_sign(
                amendment=amendment,
                actor=request.user,
                signatory_name=form.cleaned_data["signatory_name"],
                image=form.cleaned_data["signature"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Amendment no. %(version)s signed. Its PDF is stored.")
                % {"version": amendment.version},
            )
            return redirect(back)
    from .billing import flag_label

    return render(
        request,
        "interventions/amendment_sign.html",
        {
            "intervention": job,
            "amendment": amendment,
            "changes": [
                (flag_label(flag), change["from"], change["to"])
                for flag, change in amendment.changes.items()
            ],
            "base": selectors.latest_signed_version(job),
            "form": form,
            "back": back,
        },
        status=400 if request.method == "POST" else 200,
    )


@role_required(roles.DISPATCHER, roles.TECHNICIAN, roles.MANAGER)
def report_version_download(request, pk: int, version: int):
    """The stored PDF of one signed version (1 = the original), byte for byte."""
    from .models import ReportAmendment

    intervention = selectors.get_intervention_for(request.user, pk)
    if version == 1:
        report = get_object_or_404(SignedReport, intervention=intervention)
    else:
        report = get_object_or_404(
            ReportAmendment, intervention=intervention, version=version, signed_at__isnull=False
        )
    return FileResponse(
        report.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"rapport-{intervention.number}-v{version}.pdf",
    )
