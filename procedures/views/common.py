"""What the procedures views share: who may open them, who may fill a procedure on an
intervention, and how a refusal reads."""

from django.core.exceptions import PermissionDenied, ValidationError

from interventions import roles
from interventions.selectors import get_intervention_for

ALL_ROLES = (roles.DISPATCHER, roles.TECHNICIAN, roles.MANAGER)


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def intervention_to_work_on(request, pk: int):
    """The intervention this user may fill procedures on: dispatchers and managers, or the
    technician it is assigned to (a previous technician reads only)."""
    intervention = get_intervention_for(request.user, pk)
    if roles.user_role(request.user) == roles.TECHNICIAN and (
        intervention.technician_id != request.user.pk
    ):
        raise PermissionDenied
    return intervention


def may_fill(intervention, user) -> bool:
    """Whether the page offers to fill procedures: the report is open, and the user is not a
    technician other than the assigned one."""
    return intervention.report_open and (
        roles.user_role(user) != roles.TECHNICIAN or intervention.technician_id == user.pk
    )
