"""Every write on procedures: authoring (drafts, steps, answers, publication, archive) and
their use on interventions (attach, run a decision tree, record checklist/acceptance results).

Published versions are immutable: every authoring service refuses a version that is not a draft.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from interventions.models import Channel, Intervention
from interventions.services import ensure_report_open, report_update

from . import selectors
from .models import (
    ACCEPTANCE_RESULTS,
    CHECKLIST_RESULTS,
    RESULT_KINDS,
    Answer,
    Kind,
    Procedure,
    ProcedureRun,
    ProcedureVersion,
    RunEntry,
    Step,
)

# --- Authoring ---------------------------------------------------------------------------------


def _ensure_draft(version: ProcedureVersion) -> None:
    if not version.is_draft:
        raise ValidationError(
            _("Version %(number)s is published: it can no longer be changed.")
            % {"number": version.number}
        )


def _clean_kinds(values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    allowed = set(allowed)
    values = sorted(set(values))
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError(_("Unknown kind: %(kinds)s.") % {"kinds": ", ".join(unknown)})
    return values


def procedure_create(
    *,
    kind: str,
    title: str,
    actor=None,
    summary: str = "",
    equipment_kinds: Iterable[str] = (),
    contract_kinds: Iterable[str] = (),
    planned_only: bool = False,
) -> Procedure:
    """A new procedure with an empty draft (version 1)."""
    from clients.models import Contract, Equipment

    procedure = Procedure(
        kind=kind,
        title=title.strip(),
        summary=summary.strip(),
        equipment_kinds=_clean_kinds(equipment_kinds, Equipment.Kind.values),
        contract_kinds=_clean_kinds(contract_kinds, Contract.Kind.values),
        planned_only=planned_only,
        created_by=actor,
    )
    procedure.full_clean()
    with transaction.atomic():
        procedure.save()
        ProcedureVersion.objects.create(procedure=procedure, number=1, title=procedure.title)
    return procedure


def procedure_update(
    *,
    procedure: Procedure,
    title: str,
    actor=None,
    summary: str = "",
    equipment_kinds: Iterable[str] = (),
    contract_kinds: Iterable[str] = (),
    planned_only: bool = False,
) -> Procedure:
    """Change the title and applicability. The title of published versions is kept as it was:
    the new title goes to the draft (created if needed)."""
    from clients.models import Contract, Equipment

    with transaction.atomic():
        procedure = Procedure.objects.select_for_update().get(pk=procedure.pk)
        procedure.title = title.strip()
        procedure.summary = summary.strip()
        procedure.equipment_kinds = _clean_kinds(equipment_kinds, Equipment.Kind.values)
        procedure.contract_kinds = _clean_kinds(contract_kinds, Contract.Kind.values)
        procedure.planned_only = planned_only
        procedure.full_clean()
        procedure.save()
        draft = draft_get_or_create(procedure=procedure, actor=actor)
        draft.title = procedure.title
        draft.save(update_fields=["title"])
    return procedure


def draft_get_or_create(*, procedure: Procedure, actor=None) -> ProcedureVersion:
    """The draft to edit: the existing one, or a copy of the last published version."""
    with transaction.atomic():
        Procedure.objects.select_for_update().get(pk=procedure.pk)
        draft = procedure.draft_version()
        if draft is not None:
            return draft
        source = procedure.published_version()
        last = procedure.versions.aggregate(n=Max("number"))["n"] or 0
        draft = ProcedureVersion.objects.create(
            procedure=procedure, number=last + 1, title=procedure.title
        )
        if source is None:
            return draft
        mapping = {}
        for step in source.steps.all():
            old_pk = step.pk
            step.pk = None
            step.version = draft
            step.save()
            mapping[old_pk] = step
        for answer in Answer.objects.filter(step__version=source):
            Answer.objects.create(
                step=mapping[answer.step_id],
                position=answer.position,
                label=answer.label,
                next_step=mapping.get(answer.next_step_id),
            )
    return draft


STEP_FIELDS = ("kind", "label", "details", "required", "cause", "action", "escalation")


def _check_step_kind(version: ProcedureVersion, kind: str) -> None:
    diagnostic = version.procedure.kind == Kind.DIAGNOSTIC
    if diagnostic and kind == Step.Kind.STEP:
        raise ValidationError(
            {"kind": _("A step of a decision tree is a question or a conclusion.")}
        )
    if not diagnostic and kind != Step.Kind.STEP:
        raise ValidationError({"kind": _("Questions and conclusions belong to decision trees.")})


def step_add(*, version: ProcedureVersion, label: str, actor=None, **fields) -> Step:
    unknown = set(fields) - set(STEP_FIELDS)
    if unknown:
        raise TypeError(f"Unknown step fields: {sorted(unknown)}")
    with transaction.atomic():
        version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
        _ensure_draft(version)
        if "kind" not in fields:
            fields["kind"] = (
                Step.Kind.QUESTION if version.procedure.kind == Kind.DIAGNOSTIC else Step.Kind.STEP
            )
        _check_step_kind(version, fields["kind"])
        last = version.steps.aggregate(n=Max("position"))["n"] or 0
        step = Step(version=version, position=last + 1, label=label.strip(), **fields)
        step.full_clean()
        step.save()
    return step


def step_update(*, step: Step, actor=None, **fields) -> Step:
    unknown = set(fields) - set(STEP_FIELDS)
    if unknown:
        raise TypeError(f"Unknown step fields: {sorted(unknown)}")
    with transaction.atomic():
        step = Step.objects.select_for_update().select_related("version__procedure").get(pk=step.pk)
        _ensure_draft(step.version)
        if "kind" in fields:
            _check_step_kind(step.version, fields["kind"])
        for name, value in fields.items():
            setattr(step, name, value.strip() if isinstance(value, str) else value)
        step.full_clean()
        step.save()
        if step.is_conclusion:
            step.answers.all().delete()
    return step


def step_delete(*, step: Step, actor=None) -> None:
    with transaction.atomic():
        step = Step.objects.select_for_update().select_related("version").get(pk=step.pk)
        _ensure_draft(step.version)
        version = step.version
        step.delete()
        _renumber(version)


def _renumber(version: ProcedureVersion) -> None:
    for index, step in enumerate(version.steps.order_by("position", "pk"), start=1):
        if step.position != index:
            step.position = index
            step.save(update_fields=["position"])


def step_move(*, step: Step, offset: int, actor=None) -> None:
    """Move a step up (offset -1) or down (+1) in its version."""
    with transaction.atomic():
        version = ProcedureVersion.objects.select_for_update().get(pk=step.version_id)
        _ensure_draft(version)
        steps = list(version.steps.order_by("position", "pk"))
        index = next(i for i, s in enumerate(steps) if s.pk == step.pk)
        target = index + offset
        if not 0 <= target < len(steps):
            return
        steps[index], steps[target] = steps[target], steps[index]
        for position, s in enumerate(steps, start=1):
            if s.position != position:
                s.position = position
                s.save(update_fields=["position"])


def _check_answer_target(question: Step, next_step: Step | None) -> None:
    if next_step is None:
        return
    if next_step.version_id != question.version_id:
        raise ValidationError({"next_step": _("The answer must lead to a step of this version.")})
    if next_step.pk == question.pk:
        raise ValidationError({"next_step": _("An answer cannot lead back to its own question.")})


def answer_add(*, step: Step, label: str, next_step: Step | None = None, actor=None) -> Answer:
    with transaction.atomic():
        step = Step.objects.select_for_update().select_related("version__procedure").get(pk=step.pk)
        _ensure_draft(step.version)
        if step.kind != Step.Kind.QUESTION:
            raise ValidationError(_("Only a question has answers."))
        _check_answer_target(step, next_step)
        last = step.answers.aggregate(n=Max("position"))["n"] or 0
        answer = Answer(step=step, position=last + 1, label=label.strip(), next_step=next_step)
        answer.full_clean()
        answer.save()
    return answer


def answer_update(*, answer: Answer, label: str, next_step: Step | None, actor=None) -> Answer:
    with transaction.atomic():
        answer = (
            Answer.objects.select_for_update().select_related("step__version").get(pk=answer.pk)
        )
        _ensure_draft(answer.step.version)
        _check_answer_target(answer.step, next_step)
        answer.label = label.strip()
        answer.next_step = next_step
        answer.full_clean()
        answer.save()
    return answer


def answer_delete(*, answer: Answer, actor=None) -> None:
    with transaction.atomic():
        answer = (
            Answer.objects.select_for_update().select_related("step__version").get(pk=answer.pk)
        )
        _ensure_draft(answer.step.version)
        answer.delete()


def version_publish(*, version: ProcedureVersion, actor=None) -> ProcedureVersion:
    """Publish a draft once it is valid; from now on it never changes."""
    with transaction.atomic():
        version = ProcedureVersion.objects.select_for_update().get(pk=version.pk)
        _ensure_draft(version)
        errors = selectors.version_errors(version)
        if errors:
            raise ValidationError(errors)
        version.status = ProcedureVersion.Status.PUBLISHED
        version.published_at = timezone.now()
        version.published_by = actor
        version.save(update_fields=["status", "published_at", "published_by"])
    return version


def procedure_archive(*, procedure: Procedure, archived: bool = True, actor=None) -> Procedure:
    """Archived procedures are no longer offered nor attached; past runs keep them."""
    procedure.archived = archived
    procedure.save(update_fields=["archived"])
    return procedure


# --- Use on interventions ----------------------------------------------------------------------


def _lock_intervention(intervention: Intervention) -> Intervention:
    """Lock the intervention and check that its report is open: every procedure answer or run
    is part of what the report shows (a diagnostic also writes its diagnostics)."""
    locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
    ensure_report_open(locked)
    return locked


def run_attach(
    *, intervention: Intervention, procedure: Procedure, actor=None, automatic: bool = False
) -> ProcedureRun:
    """Attach the current published version of `procedure` to the intervention.

    A checklist or an acceptance procedure is attached once per intervention.
    """
    with transaction.atomic():
        locked = _lock_intervention(intervention)
        if procedure.archived:
            raise ValidationError(_("This procedure is archived."))
        version = procedure.published_version()
        if version is None:
            raise ValidationError(_("This procedure has no published version yet."))
        if (
            procedure.kind != Kind.DIAGNOSTIC
            and ProcedureRun.objects.filter(
                intervention=locked, version__procedure=procedure
            ).exists()
        ):
            raise ValidationError(_("This procedure is already attached to the intervention."))
        run = ProcedureRun.objects.create(
            intervention=locked, version=version, automatic=automatic, started_by=actor
        )
    return run


def attach_procedures(intervention: Intervention, *, actor=None) -> list[ProcedureRun]:
    """Attach the published checklists and acceptance procedures that apply to the
    intervention's equipment kind or contract kind (general ones are attached by hand).
    Called at the end of `interventions.services.intervention_create`."""
    equipment_kind = intervention.equipment.kind if intervention.equipment_id else None
    contract_kind = (intervention.contract_snapshot or {}).get("kind")
    runs = []
    for procedure in Procedure.objects.filter(kind__in=RESULT_KINDS, archived=False):
        if procedure.is_general:
            continue
        if procedure.planned_only and intervention.channel != Channel.PLANNED:
            continue
        if not (
            (equipment_kind and equipment_kind in procedure.equipment_kinds)
            or (contract_kind and contract_kind in procedure.contract_kinds)
        ):
            continue
        if procedure.published_version() is None:
            continue
        runs.append(
            run_attach(intervention=intervention, procedure=procedure, actor=actor, automatic=True)
        )
    return runs


def run_record(*, run: ProcedureRun, results: dict, actor=None) -> ProcedureRun:
    """Record checklist / acceptance results: {step_id: (result, comment)}.

    A result "" clears the point. Comments alone are kept only with a result.
    """
    with transaction.atomic():
        _lock_intervention(run.intervention)
        run = ProcedureRun.objects.select_related("version__procedure").get(pk=run.pk)
        kind = run.version.procedure.kind
        if kind not in RESULT_KINDS:
            raise ValidationError(_("This procedure has no results to record."))
        allowed = CHECKLIST_RESULTS if kind == Kind.INTERVENTION else ACCEPTANCE_RESULTS
        steps = {s.pk: s for s in run.version.steps.all()}
        existing = {e.step_id: e for e in run.entries.all()}
        for step_id, (result, comment) in results.items():
            step = steps.get(int(step_id))
            if step is None:
                raise ValidationError(_("This point does not belong to the procedure."))
            comment = (comment or "").strip()
            entry = existing.get(step.pk)
            if not result:
                if entry is not None:
                    entry.delete()
                continue
            if result not in allowed:
                raise ValidationError(_("Invalid result for “%(label)s”.") % {"label": step.label})
            if entry is None:
                entry = RunEntry(run=run, step=step, position=step.position)
            entry.result = result
            entry.comment = comment
            entry.by = actor
            entry.at = timezone.now()
            entry.full_clean()
            entry.save()
        answered = run.entries.count()
        run.finished_at = timezone.now() if answered == len(steps) else None
        run.save(update_fields=["finished_at"])
    return run


def runs_record(*, intervention: Intervention, results: dict, actor=None) -> list[ProcedureRun]:
    """Record the checklists and acceptance of one intervention at once, all or nothing:
    {run_id: {step_id: (result, comment)}}. The page has one form, so saving one section never
    drops what was tapped in another."""
    with transaction.atomic():
        _lock_intervention(intervention)
        runs = {
            run.pk: run
            for run in ProcedureRun.objects.filter(intervention=intervention, pk__in=results)
        }
        if set(runs) != {int(pk) for pk in results}:
            raise ValidationError(_("This procedure does not belong to the intervention."))
        return [
            run_record(run=runs[int(pk)], results=run_results, actor=actor)
            for pk, run_results in sorted(results.items())
        ]


def diagnostic_start(
    *, intervention: Intervention, procedure: Procedure, actor=None
) -> ProcedureRun:
    if procedure.kind != Kind.DIAGNOSTIC:
        raise ValidationError(_("This procedure is not a diagnostic procedure."))
    return run_attach(intervention=intervention, procedure=procedure, actor=actor)


def diagnostic_answer(*, run: ProcedureRun, answer: Answer, actor=None) -> ProcedureRun:
    """Record the answer to the current question; reaching a conclusion ends the run and
    writes the path into the report's diagnostics."""
    with transaction.atomic():
        _lock_intervention(run.intervention)
        run = ProcedureRun.objects.select_for_update().get(pk=run.pk)
        if run.finished_at is not None:
            raise ValidationError(_("This diagnostic is finished."))
        current = selectors.diagnostic_current_step(run)
        if current is None or answer.step_id != current.pk:
            raise ValidationError(_("This answer does not belong to the current question."))
        position = run.entries.count() + 1
        RunEntry.objects.create(run=run, step=current, position=position, answer=answer, by=actor)
        following = answer.next_step
        if following is not None and following.is_conclusion:
            RunEntry.objects.create(run=run, step=following, position=position + 1, by=actor)
            run.finished_at = timezone.now()
            run.save(update_fields=["finished_at"])
            text = selectors.diagnostic_path_text(run)
            intervention = Intervention.objects.get(pk=run.intervention_id)
            diagnostics = intervention.diagnostics.rstrip()
            report_update(
                intervention=intervention,
                actor=actor,
                diagnostics=f"{diagnostics}\n\n{text}" if diagnostics else text,
            )
    return run


def diagnostic_back(*, run: ProcedureRun, actor=None) -> ProcedureRun:
    """Go back to the previous question (while the diagnostic is not finished)."""
    with transaction.atomic():
        _lock_intervention(run.intervention)
        run = ProcedureRun.objects.select_for_update().get(pk=run.pk)
        if run.finished_at is not None:
            raise ValidationError(_("This diagnostic is finished."))
        last = run.entries.order_by("-position").first()
        if last is not None:
            last.delete()
    return run


def diagnostic_abandon(*, run: ProcedureRun, actor=None) -> None:
    """Drop an unfinished diagnostic (wrong tree chosen); a finished one stays recorded."""
    with transaction.atomic():
        _lock_intervention(run.intervention)
        run = ProcedureRun.objects.select_for_update().get(pk=run.pk)
        if run.finished_at is not None:
            raise ValidationError(_("This diagnostic is finished."))
        run.delete()
