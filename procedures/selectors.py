"""Read queries on procedures: library search, tree validation, runs of an intervention,
signature blockers and the acceptance block of the report snapshot."""

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from interventions.selectors import pk_or_none

from .models import (
    Answer,
    Kind,
    Procedure,
    ProcedureRun,
    ProcedureVersion,
    RunEntry,
    Step,
)


def procedure_search(
    *, query: str = "", kind: str = "", archived: bool = False, published_only: bool = True
) -> QuerySet[Procedure]:
    """The library: title, summary and step labels are searched (case-insensitive)."""
    query = query.replace("\x00", "")  # no NUL in a PostgreSQL string: it matches nothing
    qs = Procedure.objects.filter(archived=archived)
    if kind:
        qs = qs.filter(kind=kind)
    if published_only:
        qs = qs.filter(versions__status=ProcedureVersion.Status.PUBLISHED)
    for word in query.split():
        qs = qs.filter(
            Q(title__icontains=word)
            | Q(summary__icontains=word)
            | Q(versions__steps__label__icontains=word)
            | Q(versions__steps__details__icontains=word)
        )
    return qs.distinct().order_by("kind", "title")


def version_steps(version: ProcedureVersion) -> list[Step]:
    """Steps in order, answers prefetched with their target."""
    return list(
        version.steps.order_by("position", "pk").prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("next_step"))
        )
    )


def version_errors(version: ProcedureVersion) -> list[str]:
    """Why this version cannot be published (French sentences); empty when it can."""
    steps = version_steps(version)
    if not steps:
        return [_("Add at least one step.")]
    if version.procedure.kind != Kind.DIAGNOSTIC:
        return []
    return tree_errors(steps)


def tree_errors(steps: list[Step]) -> list[str]:
    """A decision tree is valid when it starts with a question, every answer leads to a step of
    the tree (no dangling answer), no path loops, every leaf is a conclusion and every step can
    be reached from the first question."""
    errors = []
    by_pk = {s.pk: s for s in steps}
    root = steps[0]
    if root.is_conclusion:
        errors.append(_("The first step must be a question."))
    for step in steps:
        answers = list(step.answers.all())
        if step.is_conclusion:
            if answers:
                errors.append(
                    _("The conclusion “%(label)s” cannot have answers.") % {"label": step.label}
                )
            if not (step.cause or step.action):
                errors.append(
                    _("The conclusion “%(label)s” needs a likely cause or an action.")
                    % {"label": step.label}
                )
            continue
        if not answers:
            errors.append(
                _("The question “%(label)s” has no answer: every leaf must be a conclusion.")
                % {"label": step.label}
            )
        for answer in answers:
            if answer.next_step_id is None or answer.next_step_id not in by_pk:
                errors.append(
                    _("The answer “%(answer)s” to “%(label)s” leads nowhere.")
                    % {"answer": answer.label, "label": step.label}
                )
    # Cycles: depth-first search with colours.
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(by_pk, WHITE)
    cycles = []

    def visit(pk):
        colour[pk] = GREY
        for answer in by_pk[pk].answers.all():
            target = answer.next_step_id
            if target not in by_pk:
                continue
            if colour[target] == GREY:
                cycles.append((by_pk[pk], answer))
            elif colour[target] == WHITE:
                visit(target)
        colour[pk] = BLACK

    for pk in by_pk:
        if colour[pk] == WHITE:
            visit(pk)
    for step, answer in cycles:
        errors.append(
            _("The answer “%(answer)s” to “%(label)s” loops back to an earlier question.")
            % {"answer": answer.label, "label": step.label}
        )
    # Reachability from the first question.
    seen, stack = set(), [root.pk]
    while stack:
        pk = stack.pop()
        if pk in seen:
            continue
        seen.add(pk)
        stack.extend(a.next_step_id for a in by_pk[pk].answers.all() if a.next_step_id in by_pk)
    for step in steps:
        if step.pk not in seen:
            errors.append(
                _("The step “%(label)s” cannot be reached from the first question.")
                % {"label": step.label}
            )
    return errors


def runs_for(intervention) -> list[ProcedureRun]:
    """Every procedure used on the intervention, entries prefetched in order."""
    return list(
        ProcedureRun.objects.filter(intervention=intervention)
        .select_related("version__procedure", "started_by")
        .prefetch_related(
            Prefetch(
                "entries",
                queryset=RunEntry.objects.select_related("step", "answer").order_by("position"),
            ),
            Prefetch("version__steps", queryset=Step.objects.order_by("position", "pk")),
        )
        .order_by("started_at", "pk")
    )


def diagnostic_current_step(run: ProcedureRun) -> Step | None:
    """The question to ask now; None when the diagnostic reached its conclusion."""
    last = run.entries.select_related("answer__next_step", "step").order_by("-position").first()
    if last is None:
        return run.version.steps.order_by("position", "pk").first()
    if last.step.is_conclusion:
        return None
    return last.answer.next_step if last.answer_id else None


def diagnostic_path(run: ProcedureRun) -> tuple[list[RunEntry], RunEntry | None]:
    """(question → answer entries, conclusion entry or None)."""
    entries = sorted(run.entries.all(), key=lambda e: e.position)
    conclusion = entries[-1] if entries and entries[-1].step.is_conclusion else None
    questions = [e for e in entries if not e.step.is_conclusion]
    return questions, conclusion


def diagnostic_path_text(run: ProcedureRun) -> str:
    """The path as written into the report's diagnostics (French, plain text)."""
    run = (
        ProcedureRun.objects.select_related("version")
        .prefetch_related("entries__step", "entries__answer")
        .get(pk=run.pk)
    )
    questions, conclusion = diagnostic_path(run)
    lines = [
        _("Diagnostic procedure “%(title)s” (v%(number)s):")
        % {"title": run.version.title, "number": run.version.number}
    ]
    lines += [f"- {e.step.label} → {e.answer.label}" for e in questions]
    if conclusion is not None:
        step = conclusion.step
        text = _("Conclusion: %(label)s") % {"label": step.label}
        if step.cause:
            text += " — " + _("likely cause: %(cause)s") % {"cause": step.cause}
        if step.action:
            text += " — " + _("action: %(action)s") % {"action": step.action}
        if step.escalation:
            text += f" — {step.get_escalation_display()}"
        lines.append(text)
    return "\n".join(lines)


def unanswered_required(run: ProcedureRun) -> list[Step]:
    """Points of a checklist marked required, and every step of an acceptance procedure,
    still without a result."""
    answered = {e.step_id for e in run.entries.all() if e.result}
    acceptance = run.version.procedure.kind == Kind.ACCEPTANCE
    return [
        s for s in run.version.steps.all() if (s.required or acceptance) and s.pk not in answered
    ]


def signature_blockers(intervention) -> list[str]:
    """French messages naming the unanswered required points; appended to
    `interventions.services.signature_blockers`."""
    blockers = []
    for run in runs_for(intervention):
        if run.version.procedure.kind == Kind.INTERVENTION:
            missing = unanswered_required(run)
            if missing:
                blockers.append(
                    _("Checklist “%(title)s”: answer the required points: %(points)s.")
                    % {"title": run.version.title, "points": ", ".join(s.label for s in missing)}
                )
        elif run.version.procedure.kind == Kind.ACCEPTANCE:
            missing = unanswered_required(run)
            if missing:
                blockers.append(
                    _("Acceptance “%(title)s”: have the customer witness these steps: %(points)s.")
                    % {"title": run.version.title, "points": ", ".join(s.label for s in missing)}
                )
    return blockers


def acceptance_extras(intervention) -> list[dict]:
    """The `extras.acceptance` block of the report snapshot (see interventions/snapshot.py)."""
    block = []
    for run in runs_for(intervention):
        if run.version.procedure.kind != Kind.ACCEPTANCE:
            continue
        results = {e.step_id: e for e in run.entries.all()}
        block.append(
            {
                "title": run.version.title,
                "version": run.version.number,
                "steps": [
                    {
                        "label": s.label,
                        "result": results[s.pk].result if s.pk in results else "",
                        "comment": results[s.pk].comment if s.pk in results else "",
                    }
                    for s in run.version.steps.all()
                ],
            }
        )
    return block


def applicable_procedures(intervention, kind: str) -> list[Procedure]:
    """Published, non-archived procedures of `kind`; those matching the intervention's equipment
    kind or contract kind first, then the general ones, then the others."""
    equipment_kind = intervention.equipment.kind if intervention.equipment_id else None
    contract_kind = (intervention.contract_snapshot or {}).get("kind")
    procedures = list(procedure_search(kind=kind))

    def rank(p):
        if (equipment_kind and equipment_kind in p.equipment_kinds) or (
            contract_kind and contract_kind in p.contract_kinds
        ):
            return 0
        return 1 if p.is_general else 2

    return sorted(procedures, key=lambda p: (rank(p), p.title))


def procedure_library(
    *, query: str = "", kind: str = "", archived: bool = False, published_only: bool = True
) -> QuerySet[Procedure]:
    """The library page: `procedure_search` with the versions each row shows."""
    return procedure_search(
        query=query, kind=kind, archived=archived, published_only=published_only
    ).prefetch_related("versions")


def procedure_versions(procedure: Procedure, *, published_only: bool) -> QuerySet[ProcedureVersion]:
    """The versions of a procedure one may open: all of them, or the published ones only."""
    versions = procedure.versions.all()
    if published_only:
        versions = versions.filter(status=ProcedureVersion.Status.PUBLISHED)
    return versions


def attachable_procedures(runs: list[ProcedureRun]) -> list[Procedure]:
    """Checklists, acceptances and administrative procedures that can still be attached to an
    intervention that has `runs`: published ones, not already attached (diagnostics are
    started from the runner instead)."""
    attached = {run.version.procedure_id for run in runs}
    return [p for p in procedure_search() if p.kind != Kind.DIAGNOSTIC and p.pk not in attached]


def diagnostic_runs() -> QuerySet[ProcedureRun]:
    """Runs of diagnostic procedures (the runner acts on no other)."""
    return ProcedureRun.objects.filter(version__procedure__kind=Kind.DIAGNOSTIC)


def diagnostic_procedure(pk) -> Procedure | None:
    """The diagnostic procedure `pk` (any value; None when it is not one)."""
    return Procedure.objects.filter(pk=pk_or_none(pk) or 0, kind=Kind.DIAGNOSTIC).first()


def diagnostic_open_run(intervention) -> ProcedureRun | None:
    """The diagnostic being run on the intervention (the latest one started, not finished)."""
    return (
        diagnostic_runs()
        .filter(intervention=intervention, finished_at__isnull=True)
        .select_related("version")
        .order_by("-started_at", "-pk")
        .first()
    )


def diagnostic_run_with_path(run: ProcedureRun) -> ProcedureRun:
    """`run` again, its entries, their steps and answers prefetched for `diagnostic_path`."""
    return ProcedureRun.objects.prefetch_related("entries__step", "entries__answer").get(pk=run.pk)


def offline_procedures(interventions: list) -> dict[int, list[dict]]:
    """The checklists and acceptance of `interventions`, for the tablet's offline bundle
    (interventions/offline.py): steps with what is recorded, the choices to tap. Three
    queries whatever the number of interventions."""
    from .models import ACCEPTANCE_RESULTS, CHECKLIST_RESULTS

    runs = (
        ProcedureRun.objects.filter(
            intervention__in=[i.pk for i in interventions],
            version__procedure__kind__in=(Kind.INTERVENTION, Kind.ACCEPTANCE),
        )
        .select_related("version__procedure")
        .prefetch_related(
            "entries", Prefetch("version__steps", queryset=Step.objects.order_by("position", "pk"))
        )
        .order_by("started_at", "pk")
    )
    by_intervention: dict[int, list[dict]] = {}
    for run in runs:
        kind = run.version.procedure.kind
        entries = {e.step_id: e for e in run.entries.all()}
        choices = CHECKLIST_RESULTS if kind == Kind.INTERVENTION else ACCEPTANCE_RESULTS
        by_intervention.setdefault(run.intervention_id, []).append(
            {
                "run_id": run.pk,
                "kind": kind,
                "title": run.version.procedure.title,
                "choices": [[c.value, str(c.label)] for c in choices],
                "steps": [
                    {
                        "id": step.pk,
                        "text": step.label,
                        "details": step.details,
                        "required": step.required or kind == Kind.ACCEPTANCE,
                        "result": entries[step.pk].result if step.pk in entries else "",
                        "comment": entries[step.pk].comment if step.pk in entries else "",
                    }
                    for step in run.version.steps.all()
                ],
            }
        )
    return by_intervention
