"""The manager's editor: create a procedure, open a draft of it, change its settings, steps
and answers, then publish or archive it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from interventions import roles
from interventions.roles import role_required

from .. import selectors, services
from ..forms import AnswerForm, ProcedureForm, StepForm
from ..models import Answer, Kind, Procedure, Step
from .common import error_text


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
        messages.error(request, _("Not published: %(errors)s") % {"errors": error_text(error)})
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
