"""The guided diagnostic runner: an htmx partial on the intervention pages (and a standalone
page without htmx) that starts a diagnostic, answers its questions, steps back or abandons."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from interventions.idempotency import replayable
from interventions.roles import role_required
from interventions.selectors import get_intervention_for, pk_or_none

from .. import selectors, services
from ..models import Answer, Kind
from .common import ALL_ROLES, error_text, intervention_to_work_on, may_fill


def _runner_context(intervention, user, *, error: str = "", last_run=None):
    current = selectors.diagnostic_open_run(intervention)
    context = {
        "intervention": intervention,
        "run": current,
        "error": error,
        "can_run": may_fill(intervention, user),
    }
    if current is not None:
        context["question"] = selectors.diagnostic_current_step(current)
        context["path"], _conclusion = selectors.diagnostic_path(
            selectors.diagnostic_run_with_path(current)
        )
    else:
        context["procedures"] = selectors.applicable_procedures(intervention, Kind.DIAGNOSTIC)
        if last_run is not None:
            last_run = selectors.diagnostic_run_with_path(last_run)
            context["finished_run"] = last_run
            context["path"], context["conclusion"] = selectors.diagnostic_path(last_run)
    return context


def _runner_response(request, intervention, **kwargs):
    if not request.htmx:
        if kwargs.get("error"):
            messages.error(request, kwargs["error"])
        return redirect("procedures-diagnostic", intervention.pk)
    return render(
        request,
        "procedures/_diagnostic_runner_body.html",
        _runner_context(intervention, request.user, **kwargs),
    )


@role_required(*ALL_ROLES)
def diagnostic_page(request, pk: int):
    intervention = get_intervention_for(request.user, pk)
    return render(
        request,
        "procedures/diagnostic_run.html",
        _runner_context(intervention, request.user),
    )


@role_required(*ALL_ROLES)
def diagnostic_runner(request, pk: int):
    intervention = get_intervention_for(request.user, pk)
    return render(
        request,
        "procedures/_diagnostic_runner_body.html",
        _runner_context(intervention, request.user),
    )


@replayable(None, *ALL_ROLES)
@require_POST
@role_required(*ALL_ROLES)
def diagnostic_start(request, pk: int):
    intervention = intervention_to_work_on(request, pk)
    procedure = selectors.diagnostic_procedure(request.POST.get("procedure"))
    if procedure is None:
        return _runner_response(request, intervention, error=_("Choose a diagnostic procedure."))
    try:
        services.diagnostic_start(
            intervention=intervention, procedure=procedure, actor=request.user
        )
    except ValidationError as error:
        return _runner_response(request, intervention, error=error_text(error))
    return _runner_response(request, intervention)


def _diagnostic_run_to_work_on(request, pk: int):
    run = get_object_or_404(selectors.diagnostic_runs(), pk=pk)
    return run, intervention_to_work_on(request, run.intervention_id)


@replayable(None, *ALL_ROLES)
@require_POST
@role_required(*ALL_ROLES)
def diagnostic_answer(request, pk: int):
    run, intervention = _diagnostic_run_to_work_on(request, pk)
    answer = get_object_or_404(Answer, pk=pk_or_none(request.POST.get("answer")) or 0)
    try:
        run = services.diagnostic_answer(run=run, answer=answer, actor=request.user)
    except ValidationError as error:
        return _runner_response(request, intervention, error=error_text(error))
    return _runner_response(request, intervention, last_run=run if run.finished_at else None)


@replayable(None, *ALL_ROLES)
@require_POST
@role_required(*ALL_ROLES)
def diagnostic_back(request, pk: int):
    run, intervention = _diagnostic_run_to_work_on(request, pk)
    try:
        services.diagnostic_back(run=run, actor=request.user)
    except ValidationError as error:
        return _runner_response(request, intervention, error=error_text(error))
    return _runner_response(request, intervention)


@replayable(None, *ALL_ROLES)
@require_POST
@role_required(*ALL_ROLES)
def diagnostic_abandon(request, pk: int):
    run, intervention = _diagnostic_run_to_work_on(request, pk)
    try:
        services.diagnostic_abandon(run=run, actor=request.user)
    except ValidationError as error:
        return _runner_response(request, intervention, error=error_text(error))
    return _runner_response(request, intervention)
