"""Thin views: the library, the manager's editor, and procedures on an intervention
(diagnostic runner as an htmx partial, checklists and acceptance on a touch page)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from interventions import roles
from interventions.roles import role_required
from interventions.selectors import get_intervention_for

from . import selectors, services
from .forms import AnswerForm, AttachForm, ProcedureForm, StepForm
from .models import (
    ACCEPTANCE_RESULTS,
    CHECKLIST_RESULTS,
    Answer,
    Kind,
    Procedure,
    ProcedureRun,
    ProcedureVersion,
    Step,
)

ALL_ROLES = (roles.DISPATCHER, roles.TECHNICIAN, roles.MANAGER)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Library ------------------------------------------------------------------------------------


@role_required(*ALL_ROLES)
def procedure_list(request):
    is_manager = roles.has_role(request.user, roles.MANAGER)
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    if kind not in Kind.values:
        kind = ""
    archived = is_manager and request.GET.get("archived") == "1"
    procedures = selectors.procedure_search(
        query=query, kind=kind, archived=archived, published_only=not is_manager
    ).prefetch_related("versions")
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
    requested = request.GET.get("version", "")
    if requested.isdigit():
        versions = procedure.versions.all()
        if not is_manager:
            versions = versions.filter(status=ProcedureVersion.Status.PUBLISHED)
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


# --- Authoring (managers) -----------------------------------------------------------------------


@role_required(roles.MANAGER)
def procedure_create(request):
    form = ProcedureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            procedure = services.procedure_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Procedure created: add its steps, then publish it."))
            return redirect("procedures-draft", procedure.pk)
    return render(request, "procedures/procedure_form.html", {"form": form})


@require_POST
@role_required(roles.MANAGER)
def procedure_edit(request, pk: int):
    procedure = get_object_or_404(Procedure, pk=pk)
    services.draft_get_or_create(procedure=procedure, actor=request.user)
    return redirect("procedures-draft", procedure.pk)


def _editor(request, procedure: Procedure, *, status=200, **forms):
    draft = procedure.draft_version()
    if draft is None:
        return redirect("procedures-detail", procedure.pk)
    steps = selectors.version_steps(draft)
    bound_steps = forms.get("step_forms", {})
    bound_answers = forms.get("answer_forms", {})
    bound_new_answers = forms.get("new_answer_forms", {})
    rows = []
    for step in steps:
        rows.append(
            {
                "step": step,
                "form": bound_steps.get(step.pk)
                or StepForm(procedure_kind=procedure.kind, step=step, prefix=f"s{step.pk}"),
                "answers": [
                    (
                        answer,
                        bound_answers.get(answer.pk)
                        or AnswerForm(
                            question=step,
                            prefix=f"a{answer.pk}",
                            initial={"label": answer.label, "next_step": answer.next_step_id},
                        ),
                    )
                    for answer in step.answers.all()
                ],
                "new_answer": bound_new_answers.get(step.pk)
                or AnswerForm(question=step, prefix=f"n{step.pk}"),
            }
        )
    return render(
        request,
        "procedures/procedure_editor.html",
        {
            "procedure": procedure,
            "draft": draft,
            "rows": rows,
            "settings_form": forms.get("settings_form")
            or ProcedureForm(procedure=procedure, prefix="p"),
            "add_form": forms.get("add_form")
            or StepForm(procedure_kind=procedure.kind, prefix="new"),
            "errors": selectors.version_errors(draft),
            "is_diagnostic": procedure.kind == Kind.DIAGNOSTIC,
        },
        status=status,
    )


@role_required(roles.MANAGER)
def procedure_draft(request, pk: int):
    procedure = get_object_or_404(Procedure, pk=pk)
    return _editor(request, procedure)


def _draft_redirect(procedure: Procedure, anchor: str = ""):
    return redirect(reverse("procedures-draft", args=[procedure.pk]) + anchor)


@require_POST
@role_required(roles.MANAGER)
def procedure_settings(request, pk: int):
    procedure = get_object_or_404(Procedure, pk=pk)
    form = ProcedureForm(request.POST, procedure=procedure, prefix="p")
    if form.is_valid():
        try:
            services.procedure_update(procedure=procedure, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Settings saved."))
            return _draft_redirect(procedure)
    return _editor(request, procedure, status=400, settings_form=form)


def _draft_step(pk: int) -> Step:
    step = get_object_or_404(Step.objects.select_related("version__procedure"), pk=pk)
    if not step.version.is_draft:
        raise Http404
    return step


@require_POST
@role_required(roles.MANAGER)
def step_add(request, pk: int):
    procedure = get_object_or_404(Procedure, pk=pk)
    draft = procedure.draft_version()
    if draft is None:
        raise Http404
    form = StepForm(request.POST, procedure_kind=procedure.kind, prefix="new")
    if form.is_valid():
        try:
            step = services.step_add(version=draft, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _draft_redirect(procedure, f"#step-{step.pk}")
    return _editor(request, procedure, status=400, add_form=form)


@require_POST
@role_required(roles.MANAGER)
def step_edit(request, pk: int):
    step = _draft_step(pk)
    procedure = step.version.procedure
    form = StepForm(request.POST, procedure_kind=procedure.kind, prefix=f"s{step.pk}")
    if form.is_valid():
        try:
            services.step_update(step=step, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _draft_redirect(procedure, f"#step-{step.pk}")
    return _editor(request, procedure, status=400, step_forms={step.pk: form})


@require_POST
@role_required(roles.MANAGER)
def step_delete(request, pk: int):
    step = _draft_step(pk)
    services.step_delete(step=step, actor=request.user)
    messages.success(request, _("Step deleted."))
    return _draft_redirect(step.version.procedure)


@require_POST
@role_required(roles.MANAGER)
def step_move(request, pk: int, direction: str):
    step = _draft_step(pk)
    services.step_move(step=step, offset=-1 if direction == "up" else 1, actor=request.user)
    return _draft_redirect(step.version.procedure, f"#step-{step.pk}")


@require_POST
@role_required(roles.MANAGER)
def answer_add(request, pk: int):
    step = _draft_step(pk)
    procedure = step.version.procedure
    form = AnswerForm(request.POST, question=step, prefix=f"n{step.pk}")
    if form.is_valid():
        try:
            services.answer_add(step=step, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _draft_redirect(procedure, f"#step-{step.pk}")
    return _editor(request, procedure, status=400, new_answer_forms={step.pk: form})


def _draft_answer(pk: int) -> Answer:
    answer = get_object_or_404(Answer.objects.select_related("step__version__procedure"), pk=pk)
    if not answer.step.version.is_draft:
        raise Http404
    return answer


@require_POST
@role_required(roles.MANAGER)
def answer_edit(request, pk: int):
    answer = _draft_answer(pk)
    procedure = answer.step.version.procedure
    form = AnswerForm(request.POST, question=answer.step, prefix=f"a{answer.pk}")
    if form.is_valid():
        try:
            services.answer_update(answer=answer, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _draft_redirect(procedure, f"#step-{answer.step_id}")
    return _editor(request, procedure, status=400, answer_forms={answer.pk: form})


@require_POST
@role_required(roles.MANAGER)
def answer_delete(request, pk: int):
    answer = _draft_answer(pk)
    services.answer_delete(answer=answer, actor=request.user)
    return _draft_redirect(answer.step.version.procedure, f"#step-{answer.step_id}")


@require_POST
@role_required(roles.MANAGER)
def procedure_publish(request, pk: int):
    procedure = get_object_or_404(Procedure, pk=pk)
    draft = procedure.draft_version()
    if draft is None:
        raise Http404
    try:
        version = services.version_publish(version=draft, actor=request.user)
    except ValidationError as error:
        messages.error(request, _("Not published: %(errors)s") % {"errors": _error_text(error)})
        return _draft_redirect(procedure)
    messages.success(request, _("Version %(number)s published.") % {"number": version.number})
    return redirect("procedures-detail", procedure.pk)


@require_POST
@role_required(roles.MANAGER)
def procedure_archive(request, pk: int):
    procedure = get_object_or_404(Procedure, pk=pk)
    archived = request.POST.get("archived", "1") == "1"
    services.procedure_archive(procedure=procedure, archived=archived, actor=request.user)
    messages.success(request, _("Procedure archived.") if archived else _("Procedure restored."))
    return redirect("procedures-detail", procedure.pk)


# --- On an intervention -------------------------------------------------------------------------


def _intervention_to_work_on(request, pk: int):
    """The intervention this user may fill procedures on: dispatchers and managers, or the
    technician it is assigned to (a previous technician reads only)."""
    intervention = get_intervention_for(request.user, pk)
    if roles.user_role(request.user) == roles.TECHNICIAN and (
        intervention.technician_id != request.user.pk
    ):
        raise PermissionDenied
    return intervention


def _runs_context(intervention, user, posted=None):
    """The checklists and acceptance of the page; `posted` (the refused form's data) shows
    again what was tapped and typed instead of what is saved."""
    runs = selectors.runs_for(intervention)
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
    attachable = [
        p
        for p in selectors.procedure_search()
        if p.kind == Kind.DIAGNOSTIC or not any(r.version.procedure_id == p.pk for r in runs)
    ]
    return {
        "intervention": intervention,
        # A technician came from the tablet's work page and goes back there.
        "back_url": reverse(
            "interventions-work"
            if roles.user_role(user) == roles.TECHNICIAN and intervention.technician_id == user.pk
            else "interventions-detail",
            args=[intervention.pk],
        ),
        "can_record": intervention.report_open
        and (roles.user_role(user) != roles.TECHNICIAN or intervention.technician_id == user.pk),
        "cards": cards,
        "admin_runs": [r for r in runs if r.version.procedure.kind == Kind.ADMINISTRATIVE],
        "blockers": selectors.signature_blockers(intervention),
        "attach_form": AttachForm(
            procedures=[p for p in attachable if p.kind != Kind.DIAGNOSTIC], prefix="attach"
        ),
    }


@role_required(*ALL_ROLES)
def intervention_procedures(request, pk: int):
    intervention = get_intervention_for(request.user, pk)
    return render(
        request,
        "procedures/intervention_procedures.html",
        _runs_context(intervention, request.user),
    )


@require_POST
@role_required(*ALL_ROLES)
def intervention_attach(request, pk: int):
    intervention = _intervention_to_work_on(request, pk)
    form = AttachForm(request.POST, procedures=selectors.procedure_search(), prefix="attach")
    if form.is_valid():
        try:
            services.run_attach(
                intervention=intervention,
                procedure=form.cleaned_data["procedure"],
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Procedure attached."))
    else:
        messages.error(request, _("Choose a procedure."))
    return redirect("procedures-intervention", intervention.pk)


@require_POST
@role_required(*ALL_ROLES)
def intervention_record(request, pk: int):
    """Save every checklist and acceptance of the page at once (one form, any "Save")."""
    intervention = _intervention_to_work_on(request, pk)
    runs = selectors.runs_for(intervention)
    results = {
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
    try:
        services.runs_record(intervention=intervention, results=results, actor=request.user)
    except ValidationError as error:
        context = _runs_context(intervention, request.user, posted=request.POST)
        context["error"] = _error_text(error)
        return render(request, "procedures/intervention_procedures.html", context, status=400)
    messages.success(request, _("Checklists and acceptance saved."))
    anchor = request.POST.get("saved_from", "")
    return redirect(
        reverse("procedures-intervention", args=[intervention.pk])
        + (f"#run-{anchor}" if anchor.isdigit() else "")
    )


# --- Diagnostic runner (htmx partial + standalone page) ----------------------------------------


def _runner_context(intervention, user, *, error: str = "", last_run=None):
    current = (
        ProcedureRun.objects.filter(
            intervention=intervention,
            version__procedure__kind=Kind.DIAGNOSTIC,
            finished_at__isnull=True,
        )
        .select_related("version")
        .order_by("-started_at", "-pk")
        .first()
    )
    context = {
        "intervention": intervention,
        "run": current,
        "error": error,
        "can_run": intervention.report_open
        and (roles.user_role(user) != roles.TECHNICIAN or intervention.technician_id == user.pk),
    }
    if current is not None:
        context["question"] = selectors.diagnostic_current_step(current)
        context["path"], _conclusion = selectors.diagnostic_path(
            ProcedureRun.objects.prefetch_related("entries__step", "entries__answer").get(
                pk=current.pk
            )
        )
    else:
        context["procedures"] = selectors.applicable_procedures(intervention, Kind.DIAGNOSTIC)
        if last_run is not None:
            last_run = ProcedureRun.objects.prefetch_related(
                "entries__step", "entries__answer"
            ).get(pk=last_run.pk)
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


@require_POST
@role_required(*ALL_ROLES)
def diagnostic_start(request, pk: int):
    intervention = _intervention_to_work_on(request, pk)
    procedure = Procedure.objects.filter(
        pk=request.POST.get("procedure") or 0, kind=Kind.DIAGNOSTIC
    ).first()
    if procedure is None:
        return _runner_response(request, intervention, error=_("Choose a diagnostic procedure."))
    try:
        services.diagnostic_start(
            intervention=intervention, procedure=procedure, actor=request.user
        )
    except ValidationError as error:
        return _runner_response(request, intervention, error=_error_text(error))
    return _runner_response(request, intervention)


def _diagnostic_run_to_work_on(request, pk: int):
    run = get_object_or_404(
        ProcedureRun.objects.filter(version__procedure__kind=Kind.DIAGNOSTIC), pk=pk
    )
    return run, _intervention_to_work_on(request, run.intervention_id)


@require_POST
@role_required(*ALL_ROLES)
def diagnostic_answer(request, pk: int):
    run, intervention = _diagnostic_run_to_work_on(request, pk)
    answer = get_object_or_404(Answer, pk=request.POST.get("answer") or 0)
    try:
        run = services.diagnostic_answer(run=run, answer=answer, actor=request.user)
    except ValidationError as error:
        return _runner_response(request, intervention, error=_error_text(error))
    return _runner_response(request, intervention, last_run=run if run.finished_at else None)


@require_POST
@role_required(*ALL_ROLES)
def diagnostic_back(request, pk: int):
    run, intervention = _diagnostic_run_to_work_on(request, pk)
    try:
        services.diagnostic_back(run=run, actor=request.user)
    except ValidationError as error:
        return _runner_response(request, intervention, error=_error_text(error))
    return _runner_response(request, intervention)


@require_POST
@role_required(*ALL_ROLES)
def diagnostic_abandon(request, pk: int):
    run, intervention = _diagnostic_run_to_work_on(request, pk)
    try:
        services.diagnostic_abandon(run=run, actor=request.user)
    except ValidationError as error:
        return _runner_response(request, intervention, error=_error_text(error))
    return _runner_response(request, intervention)
