"""The change log of a client, site, contract, piece of equipment, catalogue part or rates:
a manager's page (`interventions.changelog` makes the words)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from .. import changelog, roles
from ..roles import role_required


@role_required(roles.MANAGER)
def change_log(request, kind: str, pk: int):
    model = changelog.TRACKED.get(kind)
    if model is None:
        raise Http404
    instance = get_object_or_404(model, pk=pk)
    return render(
        request,
        "interventions/change_log.html",
        {
            "object": instance,
            "model_name": model._meta.verbose_name,
            "entries": changelog.object_changes(instance),
        },
    )
