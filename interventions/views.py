from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils import timezone

from . import roles, selectors
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
