"""Read queries shared by several views."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from . import roles
from .models import CLOSED_STATUSES, Intervention


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
