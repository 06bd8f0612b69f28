"""Procedures used on an intervention: attach them, run a decision tree, record checklist and
acceptance results. Each answer is part of what the report shows, so it is written only while
the report is open (`interventions.services.ensure_report_open`)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from interventions.models import Channel, Intervention
from interventions.services import ensure_report_open, report_update

from .. import selectors
from ..models import (
    ACCEPTANCE_RESULTS,
    CHECKLIST_RESULTS,
    RESULT_KINDS,
    Answer,
    Kind,
    Procedure,
    ProcedureRun,
    RunEntry,
)


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
    Called by `interventions.services.intervention_create`, as an `on_intervention_created`
    hook of `interventions.extensions` (registered in apps.py)."""
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
