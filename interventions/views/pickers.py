"""The suggestions of the searchable pickers (`interventions.pickers`), fetched by htmx."""

from django.shortcuts import render

from .. import pickers, roles
from ..roles import role_required


def _suggestions(request, picker: pickers.Picker):
    query = request.GET.get(request.GET.get("field", "q"), "").strip()
    found = picker.search(query) if query else []
    return render(
        request,
        "interventions/_picker_options.html",
        {
            "query": query,
            "list_id": request.GET.get("list", "picker-list"),
            "results": [{"pk": item.pk, "label": picker.label(item)} for item in found],
        },
    )


@role_required(roles.MANAGER)
def pick_client(request):
    return _suggestions(request, pickers.CLIENTS)


@role_required(roles.MANAGER)
def pick_contract(request):
    return _suggestions(request, pickers.CONTRACTS)
