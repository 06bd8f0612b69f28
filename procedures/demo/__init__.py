"""French demo procedures, added to `manage.py demo_data` through the hook of
`interventions.demo` (loaded with every installed app's `demo` module); idempotent: matched by
title. The procedures themselves are in `data`."""

from django.db import transaction

from interventions import demo
from interventions.models import Intervention

from .. import services
from ..models import Kind, Procedure, Step
from .data import DIAGNOSTICS, LISTS


def _tree(procedure: Procedure, tree: dict) -> None:
    draft = procedure.draft_version()
    steps = {}
    for key, node in tree.items():
        if node[0] == "q":
            steps[key] = services.step_add(version=draft, label=node[1], kind=Step.Kind.QUESTION)
        else:
            _c, label, cause, action, escalation = node
            steps[key] = services.step_add(
                version=draft,
                label=label,
                kind=Step.Kind.CONCLUSION,
                cause=cause,
                action=action,
                escalation=escalation,
            )
    for key, node in tree.items():
        if node[0] == "q":
            for label, target in node[2]:
                services.answer_add(step=steps[key], label=label, next_step=steps[target])


@transaction.atomic
def load_demo_procedures(actor=None) -> int:
    """Create the missing demo procedures, published; returns how many were created."""
    created = 0
    for data in DIAGNOSTICS:
        if Procedure.objects.filter(kind=Kind.DIAGNOSTIC, title=data["title"]).exists():
            continue
        procedure = services.procedure_create(
            kind=Kind.DIAGNOSTIC,
            title=data["title"],
            summary=data["summary"],
            equipment_kinds=data["equipment_kinds"],
            actor=actor,
        )
        _tree(procedure, data["tree"])
        services.version_publish(version=procedure.draft_version(), actor=actor)
        created += 1
    for kind, title, summary, applicability, points in LISTS:
        if Procedure.objects.filter(kind=kind, title=title).exists():
            continue
        procedure = services.procedure_create(
            kind=kind, title=title, summary=summary, actor=actor, **applicability
        )
        draft = procedure.draft_version()
        for label, required in points:
            services.step_add(version=draft, label=label, required=required)
        services.version_publish(version=draft, actor=actor)
        created += 1
    return created


def attach_demo_runs(actor=None) -> None:
    """Show an acceptance on the demo: the workstation without Internet gets its own."""
    job = (
        Intervention.objects.filter(object__icontains="Internet", status="scheduled")
        .order_by("pk")
        .first()
    )
    procedure = Procedure.objects.filter(
        kind=Kind.ACCEPTANCE, title="Valider la connexion Internet du poste"
    ).first()
    if job is None or procedure is None or job.procedure_runs.exists():
        return
    services.run_attach(intervention=job, procedure=procedure, actor=actor)


@demo.register
def demo_build(users: dict) -> None:
    """The manager writes the procedures, the dispatcher attaches one to an intervention."""
    load_demo_procedures(actor=users["claire"])
    attach_demo_runs(actor=users["sophie"])
