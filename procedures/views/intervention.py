"""Procedures on an intervention: the page of its checklists and acceptance (a touch page
the technician fills on site), attaching a procedure, and saving what was ticked."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from interventions import roles
from interventions.idempotency import errors_of, json_errors, ok, replayable
from interventions.roles import role_required
from interventions.selectors import get_intervention_for

from .. import selectors, services
from ..forms import AttachForm
from ..models import ACCEPTANCE_RESULTS, CHECKLIST_RESULTS, Kind
from .common import ALL_ROLES, error_text, intervention_to_work_on, may_fill


def _runs_context(intervention, user, posted=None):
    """The checklists and acceptance of the page; `posted` (the refused form's data) shows
    again what was tapped and typed instead of what is saved."""
    runs = selectors.runs_for(intervention)
    return {
        "intervention": intervention,
        # A technician came from the tablet's work page and goes back there.
        "back_url": reverse(
            "interventions-work"
            if roles.user_role(user) == roles.TECHNICIAN and intervention.technician_id == user.pk
            else "interventions-detail",
            args=[intervention.pk],
        ),
        "can_record": may_fill(intervention, user),
        "cards": _cards(runs, posted),
        "admin_runs": [r for r in runs if r.version.procedure.kind == Kind.ADMINISTRATIVE],
        "blockers": selectors.signature_blockers(intervention),
        "attach_form": AttachForm(
            procedures=selectors.attachable_procedures(runs), prefix="attach"
        ),
    }


def _cards(runs, posted) -> list[dict]:
    """One card per checklist, then per acceptance, with the result of each point."""
    cards = []
    for run in runs:
        kind = run.version.procedure.kind
        if kind not in (Kind.INTERVENTION, Kind.ACCEPTANCE):
            continue
        results = {e.step_id: e for e in run.entries.all()}
        choices = CHECKLIST_RESULTS if kind == Kind.INTERVENTION else ACCEPTANCE_RESULTS
        points = []
        for step in run.version.steps.all():
            entry = results.get(step.pk)
            if posted is None:
                result, comment = (entry.result, entry.comment) if entry else ("", "")
            else:
                result = posted.get(f"result-{step.pk}", "")
                comment = posted.get(f"comment-{step.pk}", "")
            points.append(
                {
                    "step": step,
                    "result": result,
                    "comment": comment,
                    "required": step.required or kind == Kind.ACCEPTANCE,
                }
            )
        cards.append(
            {
                "run": run,
                "is_acceptance": kind == Kind.ACCEPTANCE,
                "choices": [(c.value, c.label) for c in choices],
                "points": points,
            }
        )
    cards.sort(key=lambda c: c["is_acceptance"])
    return cards


@role_required(*ALL_ROLES)
def intervention_procedures(request, pk: int):
    intervention = get_intervention_for(request.user, pk)
    return render(
        request,
        "procedures/intervention_procedures.html",
        _runs_context(intervention, request.user),
    )


@replayable(None, *ALL_ROLES)
@require_POST
@role_required(*ALL_ROLES)
def intervention_attach(request, pk: int):
    intervention = intervention_to_work_on(request, pk)
    form = AttachForm(request.POST, procedures=selectors.procedure_search(), prefix="attach")
    if form.is_valid():
        try:
            services.run_attach(
                intervention=intervention,
                procedure=form.cleaned_data["procedure"],
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Procedure attached."))
    else:
        messages.error(request, _("Choose a procedure."))
    return redirect("procedures-intervention", intervention.pk)


def _posted_results(request, intervention) -> dict:
    runs = selectors.runs_for(intervention)
    return {
        run.pk: {
            step.pk: (
                request.POST.get(f"result-{step.pk}", ""),
                request.POST.get(f"comment-{step.pk}", ""),
            )
            for step in run.version.steps.all()
        }
        for run in runs
        if run.version.procedure.kind in (Kind.INTERVENTION, Kind.ACCEPTANCE)
    }


def _record_replayed(request, pk: int):
    """The same form replayed after working offline (docs/offline.md): JSON answers."""
    intervention = intervention_to_work_on(request, pk)
    try:
        services.runs_record(
            intervention=intervention,
            results=_posted_results(request, intervention),
            actor=request.user,
        )
    except ValidationError as error:
        return json_errors(errors_of(error))
    return ok(intervention)


@replayable(_record_replayed, *ALL_ROLES)
@require_POST
@role_required(*ALL_ROLES)
def intervention_record(request, pk: int):
    """Save every checklist and acceptance of the page at once (one form, any "Save")."""
    intervention = intervention_to_work_on(request, pk)
    results = _posted_results(request, intervention)
    try:
        services.runs_record(intervention=intervention, results=results, actor=request.user)
    except ValidationError as error:
        context = _runs_context(intervention, request.user, posted=request.POST)
        context["error"] = error_text(error)
        return render(request, "procedures/intervention_procedures.html", context, status=400)
    messages.success(request, _("Checklists and acceptance saved."))
    anchor = request.POST.get("saved_from", "")
    return redirect(
        reverse("procedures-intervention", args=[intervention.pk])
        + (f"#run-{anchor}" if anchor.isdigit() else "")
    )
