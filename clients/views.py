from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from interventions import roles
from interventions.models import Intervention, PartUsed
from interventions.roles import role_required

from .models import Equipment


@role_required(roles.DISPATCHER, roles.MANAGER, roles.TECHNICIAN)
def equipment_history(request, pk: int):
    """Every intervention on one piece of equipment, newest first: a technician checks whether
    today's problem comes from an earlier intervention (all roles read the whole history)."""
    equipment = get_object_or_404(
        Equipment.objects.select_related("client", "site", "contract"), pk=pk
    )
    interventions = (
        Intervention.objects.filter(equipment=equipment)
        .select_related("technician")
        .prefetch_related(Prefetch("parts", queryset=PartUsed.objects.order_by("pk")))
        .order_by("-requested_at")
    )
    return render(
        request,
        "clients/equipment_history.html",
        {"equipment": equipment, "interventions": interventions},
    )
