import pytest

from procedures import services
from procedures.models import Kind, Step


def build_printer_tree(actor=None, *, publish=True):
    """A small valid decision tree: two questions, three conclusions."""
    procedure = services.procedure_create(
        kind=Kind.DIAGNOSTIC,
        title="L'imprimante imprime des taches",
        equipment_kinds=["printer"],
        actor=actor,
    )
    draft = procedure.draft_version()
    q1 = services.step_add(version=draft, label="Les taches sont-elles régulières ?")
    q2 = services.step_add(version=draft, label="La cartouche est-elle recyclée ?")
    c_drum = services.step_add(
        version=draft,
        label="Tambour rayé",
        kind=Step.Kind.CONCLUSION,
        cause="Tambour ou rouleau encrassé",
        action="Nettoyer le rouleau",
        escalation=Step.Escalation.SEND_TECHNICIAN,
    )
    c_recycled = services.step_add(
        version=draft,
        label="Cartouche recyclée défectueuse",
        kind=Step.Kind.CONCLUSION,
        cause="Cartouche recyclée qui fuit",
        action="Remplacer par une cartouche d'origine",
    )
    c_env = services.step_add(
        version=draft,
        label="Environnement",
        kind=Step.Kind.CONCLUSION,
        cause="Humidité ou poussière",
        action="Déplacer l'imprimante",
    )
    services.answer_add(step=q1, label="Oui", next_step=c_drum)
    services.answer_add(step=q1, label="Non", next_step=q2)
    services.answer_add(step=q2, label="Oui", next_step=c_recycled)
    services.answer_add(step=q2, label="Non", next_step=c_env)
    if publish:
        services.version_publish(version=draft, actor=actor)
    return procedure


def build_list(kind, title, labels, *, required=(), actor=None, **applicability):
    procedure = services.procedure_create(kind=kind, title=title, actor=actor, **applicability)
    draft = procedure.draft_version()
    for label in labels:
        services.step_add(version=draft, label=label, required=label in required)
    services.version_publish(version=draft, actor=actor)
    return procedure


@pytest.fixture
def printer_tree(manager):
    return build_printer_tree(manager)
