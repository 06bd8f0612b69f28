"""Authoring procedures: drafts, steps, answers, publication, archive.

Published versions are immutable: every authoring service refuses a version that is not a draft.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from clients.models import Contract, Equipment

from .. import selectors
from ..models import Answer, Kind, Procedure, ProcedureVersion, Step


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
