from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import roles, selectors, services, tablet_forms
from .models import (
    CLOSED_STATUSES,
    Intervention,
    Part,
    SignedReport,
    Status,
    TechnicianSignature,
)
from .roles import role_required
from .templatetags.interventions_tags import person
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
    counts = dict(Intervention.objects.values_list("status").annotate(n=Count("pk")).order_by())
    by_status = [(Status(value), counts.get(value, 0)) for value in Status.values]
    return render(request, "interventions/dashboard.html", {"by_status": by_status})


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
        },
    )


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
        "editable": not job.is_closed and job.status != Status.AWAITING_SIGNATURE,
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
        "editable": not job.is_closed and job.status != Status.AWAITING_SIGNATURE,
        "departure_form": tablet_forms.DepartureForm(),
        "blockers": services.signature_blockers(job) if not job.is_closed else [],
        "children": list(job.children.all()),
        "additional_form": tablet_forms.AdditionalRequestForm(),
        "follow_up_form": tablet_forms.FollowUpForm(),
        **_parts_context(job),
    }
    context.update(extra)
    return context


@role_required(roles.TECHNICIAN)
def intervention_work(request, pk: int):
    job = _my_job(request, pk)
    return render(request, "interventions/intervention_work.html", _work_context(job))


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
        services.ensure_report_open(job)
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
            services.ensure_report_open(job)
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


@require_POST
@role_required(roles.TECHNICIAN)
def work_additional_request(request, pk: int):
    job = _my_job(request, pk)
    form = tablet_forms.AdditionalRequestForm(request.POST)
    if form.is_valid():
        try:
            child = services.intervention_additional_request(
                intervention=job, actor=request.user, object=form.cleaned_data["object"]
            )
            messages.success(
                request,
                _("Intervention %(number)s created for the dispatcher.") % {"number": child.number},
            )
            return redirect(_work_url(job, "other"))
        except ValidationError as error:
            _refused(request, error)
            return redirect(_work_url(job, "other"))
    return render(
        request,
        "interventions/intervention_work.html",
        _work_context(job, additional_form=form),
        status=400,
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
    form = tablet_forms.FollowUpForm(request.POST)
    if form.is_valid():
        try:
            child = services.intervention_follow_up(
                intervention=job, actor=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request,
                _("Follow-up intervention %(number)s opened.") % {"number": child.number},
            )
            return redirect(_work_url(job, "outcome"))
        except ValidationError as error:
            _refused(request, error)
            return redirect(_work_url(job, "outcome"))
    return render(
        request,
        "interventions/intervention_work.html",
        _work_context(job, follow_up_form=form),
        status=400,
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
    from .snapshot import report_snapshot

    signature = TechnicianSignature.objects.filter(intervention=job).first()
    context = {
        "intervention": job,
        "r": report_snapshot(job),
        "technician_signature": signature,
    }
    if signature is None:
        context.setdefault("technician_form", tablet_forms.TechnicianSignatureForm())
    else:
        context.setdefault("customer_form", tablet_forms.CustomerSignatureForm())
    context.update(extra)
    return context


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
                intervention=job, actor=request.user, image=form.cleaned_data["signature"]
            )
            return redirect("interventions-sign", pk=job.pk)
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
            )
            messages.success(request, _("Report signed. The PDF is stored."))
            return redirect(_work_url(job))
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


@login_required
def intervention_report_pdf(request, pk: int):
    """The stored signed PDF, byte for byte (never re-rendered)."""
    job = selectors.get_intervention_for(request.user, pk)
    report = get_object_or_404(SignedReport, intervention=job)
    return FileResponse(
        report.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"rapport-{job.number}.pdf",
    )
