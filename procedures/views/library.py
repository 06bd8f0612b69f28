"""The procedures library: search the list, read a procedure (managers also read its drafts
and former versions)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from interventions import roles
from interventions.roles import role_required
from interventions.selectors import pk_or_none

from .. import selectors
from ..models import Kind, Procedure
from .common import ALL_ROLES


@role_required(*ALL_ROLES)
def procedure_list(request):
    is_manager = roles.has_role(request.user, roles.MANAGER)
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if kind not in Kind.values:
        kind = ""
    archived = is_manager and request.GET.get("archived") == "1"
    procedures = selectors.procedure_library(
        query=query, kind=kind, archived=archived, published_only=not is_manager
    )
    return render(
        request,
        "procedures/procedure_list.html",
        {
            "procedures": procedures,
            "query": query,
            "kind": kind,
            "kinds": Kind.choices,
            "archived": archived,
            "is_manager": is_manager,
        },
    )


def _procedure_for(user, pk: int) -> Procedure:
    """Managers see every procedure; the others only published, non-archived ones."""
    procedure = get_object_or_404(Procedure, pk=pk)
    if not roles.has_role(user, roles.MANAGER) and (
        procedure.archived or procedure.published_version() is None
    ):
        raise Http404
    return procedure


@role_required(*ALL_ROLES)
def procedure_detail(request, pk: int):
    procedure = _procedure_for(request.user, pk)
    is_manager = roles.has_role(request.user, roles.MANAGER)
    version = procedure.published_version()
    requested = pk_or_none(request.GET.get("version", ""))
    if requested is not None:
        versions = selectors.procedure_versions(procedure, published_only=not is_manager)
        version = get_object_or_404(versions, number=requested)
    if version is None:
        version = procedure.draft_version()
    return render(
        request,
        "procedures/procedure_detail.html",
        {
            "procedure": procedure,
            "version": version,
            "steps": selectors.version_steps(version),
            "versions": procedure.versions.all() if is_manager else [],
            "draft": procedure.draft_version() if is_manager else None,
            "errors": selectors.version_errors(version) if version.is_draft else [],
            "is_manager": is_manager,
        },
    )
