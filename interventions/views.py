from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from . import roles, selectors
from .models import CLOSED_STATUSES, Intervention, SignedReport, Status
from .pdf import render_report_pdf
from .roles import role_required
from .snapshot import report_snapshot
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
