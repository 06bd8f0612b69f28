import pytest
from django.core.exceptions import ValidationError

from procedures import selectors, services
from procedures.models import Kind, ProcedureVersion, Step
from tests.procedures.conftest import build_printer_tree


def errors_of(procedure):
    return selectors.version_errors(procedure.draft_version())


def test_valid_tree_publishes(manager):
    procedure = build_printer_tree(manager)
    version = procedure.published_version()
    assert version.status == ProcedureVersion.Status.PUBLISHED
    assert version.published_by == manager


def test_dangling_answer_blocks_publication(manager):
    procedure = build_printer_tree(manager, publish=False)
    question = procedure.draft_version().steps.get(position=2)
    services.answer_add(step=question, label="Je ne sais pas", next_step=None)
    errors = errors_of(procedure)
    assert errors == [
        "La réponse «\u00a0Je ne sais pas\u00a0» à "
        "«\u00a0La cartouche est-elle recyclée ?\u00a0» ne mène nulle part."
    ]
    with pytest.raises(ValidationError):
        services.version_publish(version=procedure.draft_version())
    assert procedure.published_version() is None


def test_cycle_blocks_publication(manager):
    procedure = build_printer_tree(manager, publish=False)
    draft = procedure.draft_version()
    q1, q2 = draft.steps.filter(kind=Step.Kind.QUESTION).order_by("position")
    services.answer_add(step=q2, label="Peut-être", next_step=q1)
    errors = errors_of(procedure)
    assert errors == [
        "La réponse «\u00a0Peut-être\u00a0» à «\u00a0La cartouche est-elle recyclée ?\u00a0» "
        "ramène à une question précédente (boucle)."
    ]
    with pytest.raises(ValidationError):
        services.version_publish(version=draft)


def test_leaf_question_is_not_a_conclusion(manager):
    procedure = build_printer_tree(manager, publish=False)
    draft = procedure.draft_version()
    q1 = draft.steps.get(position=1)
    q3 = services.step_add(version=draft, label="Le voyant clignote-t-il ?")
    services.answer_add(step=q1, label="Autre", next_step=q3)
    errors = errors_of(procedure)
    assert len(errors) == 1
    assert "Le voyant clignote-t-il ?" in errors[0]


def test_unreachable_step_and_empty_conclusion_are_reported(manager):
    procedure = build_printer_tree(manager, publish=False)
    draft = procedure.draft_version()
    services.step_add(version=draft, label="Orpheline", kind=Step.Kind.CONCLUSION)
    errors = errors_of(procedure)
    assert len(errors) == 2
    assert all("Orpheline" in e for e in errors)


def test_answer_cannot_point_to_its_own_question_or_another_version(manager):
    procedure = build_printer_tree(manager, publish=False)
    other = build_printer_tree(manager, publish=False)
    q1 = procedure.draft_version().steps.get(position=1)
    with pytest.raises(ValidationError):
        services.answer_add(step=q1, label="Moi", next_step=q1)
    with pytest.raises(ValidationError):
        services.answer_add(
            step=q1, label="Ailleurs", next_step=other.draft_version().steps.first()
        )


def test_checklist_needs_steps_and_refuses_questions(manager):
    procedure = services.procedure_create(kind=Kind.INTERVENTION, title="Vide")
    assert errors_of(procedure) == ["Ajoutez au moins une étape."]
    with pytest.raises(ValidationError):
        services.step_add(version=procedure.draft_version(), label="Q ?", kind=Step.Kind.QUESTION)
