"""Read queries shared by several views."""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from clients.models import Contract

from . import roles
from .models import (
    CLOSED_STATUSES,
    Channel,
    Intervention,
    ReportAmendment,
    SignedReport,
    Status,
)


def visible_interventions(user) -> QuerySet[Intervention]:
    """Dispatchers and managers see everything; a technician sees the jobs assigned to them
    and those they worked on before a handover (to read the history, not to edit)."""
    qs = Intervention.objects.select_related("client", "site", "equipment", "technician")
    role = roles.user_role(user)
    if role in (roles.DISPATCHER, roles.MANAGER):
        return qs
    if role == roles.TECHNICIAN:
        return qs.filter(Q(technician=user) | Q(visits__technician=user)).distinct()
    return qs.none()


def get_intervention_for(user, pk: int) -> Intervention:
    """The intervention if this user may see it, else 404 (never reveal that it exists)."""
    return get_object_or_404(visible_interventions(user), pk=pk)


def open_interventions() -> QuerySet[Intervention]:
    return Intervention.objects.exclude(status__in=CLOSED_STATUSES)


def technicians() -> QuerySet:
    """Active users of the Technician group, by name."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.GROUP_NAMES[roles.TECHNICIAN])
        .order_by("first_name", "last_name", "username")
        .distinct()
    )


def slot_overlaps(
    *,
    technician,
    start: datetime.datetime,
    end: datetime.datetime,
    exclude_pk: int | None = None,
) -> QuerySet[Intervention]:
    """Open interventions of `technician` whose slot overlaps [start, end)."""
    qs = open_interventions().filter(
        technician=technician, scheduled_start__lt=end, scheduled_end__gt=start
    )
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.select_related("client").order_by("scheduled_start")


def contracts_with_planned_visits(year: int) -> QuerySet[Contract]:
    """Contracts with annual visits active during `year`, with their planned visits counted:
    `visits_planned` (not cancelled) and `visits_done` (signed or billed)."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    planned = Q(
        interventions__channel=Channel.PLANNED,
        interventions__requested_at__year=year,
    )
    return (
        Contract.objects.filter(annual_visits__gt=0, start_date__lte=end, end_date__gte=start)
        .select_related("client")
        .annotate(
            visits_planned=Count(
                "interventions", filter=planned & ~Q(interventions__status=Status.CANCELLED)
            ),
            visits_done=Count(
                "interventions",
                filter=planned & Q(interventions__status__in=[Status.SIGNED, Status.BILLED]),
            ),
        )
        .order_by("client__name", "number")
    )


def report_versions(
    intervention: Intervention, *, original: SignedReport | None = None
) -> list[SignedReport | ReportAmendment]:
    """The signed versions of the report, oldest first: the original (version 1), then each
    signed amendment (2, 3, …). Empty before the customer signs. `original`: the signed report
    when the caller already has it (one query less)."""
    if original is None:
        original = SignedReport.objects.filter(intervention=intervention).first()
    if original is None:
        return []
    amendments = ReportAmendment.objects.filter(
        intervention=intervention, signed_at__isnull=False
    ).order_by("version")
    return [original, *amendments]


def latest_signed_version(intervention: Intervention) -> SignedReport | ReportAmendment | None:
    """The version billing follows: the last signed amendment, else the original signed report,
    else None (not signed yet). Both kinds have `version`, `snapshot`, `pdf`, `sha256`,
    `content_sha256` and `signed_at`."""
    amendment = (
        ReportAmendment.objects.filter(intervention=intervention, signed_at__isnull=False)
        .order_by("-version")
        .first()
    )
    if amendment is not None:
        return amendment
    return SignedReport.objects.filter(intervention=intervention).first()


def pending_amendment(intervention: Intervention) -> ReportAmendment | None:
    """The amendment waiting for the customer's signature, if any (at most one)."""
    return ReportAmendment.objects.filter(intervention=intervention, signed_at__isnull=True).first()
