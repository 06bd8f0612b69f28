import pytest
from django.core.exceptions import ValidationError

from procedures import selectors, services
from procedures.models import Kind, ProcedureRun, ProcedureVersion, Step
from tests.factories import EquipmentFactory, make_intervention
from tests.procedures.conftest import build_list


def test_editing_a_published_procedure_creates_a_draft_copy(manager, printer_tree):
    published = printer_tree.published_version()
    draft = services.draft_get_or_create(procedure=printer_tree, actor=manager)
    assert draft.number == 2 and draft.is_draft
    assert draft.steps.count() == published.steps.count() == 5
    # Answers of the copy lead to steps of the copy, never of the published version.
    targets = set(
        draft.steps.filter(kind=Step.Kind.QUESTION).values_list(
            "answers__next_step__version", flat=True
        )
    )
    assert targets == {draft.pk}
    assert services.draft_get_or_create(procedure=printer_tree) == draft
    assert selectors.version_errors(draft) == []


def test_published_version_refuses_every_change(manager, printer_tree):
    published = printer_tree.published_version()
    step = published.steps.first()
    with pytest.raises(ValidationError):
        services.step_update(step=step, label="Autre")
    with pytest.raises(ValidationError):
        services.step_add(version=published, label="Nouvelle")
    with pytest.raises(ValidationError):
        services.step_delete(step=step)
    with pytest.raises(ValidationError):
        services.answer_delete(answer=step.answers.first())
    with pytest.raises(ValidationError):
        services.version_publish(version=published)
    assert published.steps.get(pk=step.pk).label == "Les taches sont-elles régulières ?"


def test_editing_a_procedure_leaves_past_interventions_unchanged(technician, manager):
    checklist = build_list(
        Kind.INTERVENTION,
        "Contrôle imprimante",
        ["Nettoyer le chemin papier", "Imprimer une page de test"],
        required=["Imprimer une page de test"],
        equipment_kinds=["printer"],
    )
    old_job = make_intervention(equipment=EquipmentFactory())
    old_run = old_job.procedure_runs.get()
    assert old_run.version.number == 1

    draft = services.draft_get_or_create(procedure=checklist, actor=manager)
    services.step_update(step=draft.steps.get(position=1), label="Changer le kit de maintenance")
    services.step_add(version=draft, label="Vérifier le bac 2", required=True)
    services.version_publish(version=draft, actor=manager)

    old_run.refresh_from_db()
    assert old_run.version.number == 1
    assert [s.label for s in old_run.version.steps.all()] == [
        "Nettoyer le chemin papier",
        "Imprimer une page de test",
    ]
    new_job = make_intervention(equipment=EquipmentFactory())
    assert new_job.procedure_runs.get().version.number == 2
    assert ProcedureVersion.objects.filter(procedure=checklist).count() == 2


def test_step_move_reorders_the_draft(manager):
    procedure = services.procedure_create(kind=Kind.ADMINISTRATIVE, title="Circuit d'achat")
    draft = procedure.draft_version()
    a = services.step_add(version=draft, label="A")
    services.step_add(version=draft, label="B")
    services.step_move(step=a, offset=1)
    assert list(draft.steps.values_list("label", flat=True)) == ["B", "A"]
    services.step_delete(step=draft.steps.get(label="B"))
    assert list(draft.steps.values_list("label", "position")) == [("A", 1)]


def test_archived_procedures_are_no_longer_attached(manager):
    checklist = build_list(Kind.INTERVENTION, "Contrôle", ["Point"], equipment_kinds=["printer"])
    services.procedure_archive(procedure=checklist)
    job = make_intervention(equipment=EquipmentFactory())
    assert not ProcedureRun.objects.filter(intervention=job).exists()
    assert checklist not in selectors.procedure_search(kind=Kind.INTERVENTION)
