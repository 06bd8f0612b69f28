import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from clients.models import Contract
from interventions import services as intervention_services
from interventions import workflow
from interventions.models import Channel, Status
from procedures import selectors, services
from procedures.models import Kind, ProcedureRun, Result
from tests.factories import ContractFactory, EquipmentFactory, make_intervention
from tests.procedures.conftest import build_list


def answer(run, label):
    current = selectors.diagnostic_current_step(run)
    return services.diagnostic_answer(run=run, answer=current.answers.get(label=label))


def test_diagnostic_path_is_recorded_and_written_into_diagnostics(dispatcher, printer_tree):
    job = make_intervention(actor=dispatcher)
    run = services.diagnostic_start(intervention=job, procedure=printer_tree, actor=dispatcher)
    answer(run, "Non")
    services.diagnostic_back(run=run)
    answer(run, "Non")
    answer(run, "Oui")
    run.refresh_from_db()
    assert run.finished_at is not None
    questions, conclusion = selectors.diagnostic_path(run)
    assert [(e.step.label, e.answer.label) for e in questions] == [
        ("Les taches sont-elles régulières ?", "Non"),
        ("La cartouche est-elle recyclée ?", "Oui"),
    ]
    assert conclusion.step.label == "Cartouche recyclée défectueuse"
    job.refresh_from_db()
    assert job.diagnostics == (
        "Procédure de diagnostic «\u00a0L'imprimante imprime des taches\u00a0» (v1)\u00a0:\n"
        "- Les taches sont-elles régulières ? → Non\n"
        "- La cartouche est-elle recyclée ? → Oui\n"
        "Conclusion\u00a0: Cartouche recyclée défectueuse — "
        "cause probable\u00a0: Cartouche recyclée qui fuit — "
        "action\u00a0: Remplacer par une cartouche d'origine"
    )
    assert selectors.diagnostic_current_step(run) is None
    first_question = printer_tree.published_version().steps.get(position=1)
    with pytest.raises(ValidationError):
        services.diagnostic_answer(run=run, answer=first_question.answers.first())
    assert run.entries.count() == 3


def test_diagnostic_refuses_an_answer_of_another_question(dispatcher, printer_tree):
    job = make_intervention()
    run = services.diagnostic_start(intervention=job, procedure=printer_tree, actor=dispatcher)
    second = printer_tree.published_version().steps.get(position=2)
    with pytest.raises(ValidationError):
        services.diagnostic_answer(run=run, answer=second.answers.first())
    assert run.entries.count() == 0


def test_attach_by_equipment_kind_contract_kind_and_planned_only(db):
    build_list(Kind.INTERVENTION, "Imprimante", ["Point"], equipment_kinds=["printer"])
    build_list(
        Kind.INTERVENTION,
        "Visite technique annuelle",
        ["Onduleur"],
        contract_kinds=[Contract.Kind.MAINTENANCE],
        planned_only=True,
    )
    build_list(Kind.ACCEPTANCE, "Générale", ["Étape"])
    equipment = EquipmentFactory()
    ContractFactory(client=equipment.client)  # client contract: covers the printer
    phone_call = make_intervention(equipment=equipment)
    planned = make_intervention(equipment=equipment, channel=Channel.PLANNED)
    titles = lambda job: sorted(  # noqa: E731
        ProcedureRun.objects.filter(intervention=job).values_list("version__title", flat=True)
    )
    assert titles(phone_call) == ["Imprimante"]
    assert titles(planned) == ["Imprimante", "Visite technique annuelle"]
    assert all(r.automatic for r in ProcedureRun.objects.all())


def test_manual_attach_once_per_checklist(technician):
    general = build_list(Kind.ACCEPTANCE, "Valider Internet", ["Ouvrir une page web"])
    job = make_intervention()
    services.run_attach(intervention=job, procedure=general, actor=technician)
    with pytest.raises(ValidationError):
        services.run_attach(intervention=job, procedure=general, actor=technician)


def ready_for_signature(job, technician):
    now = timezone.now()
    intervention_services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=now - timezone.timedelta(hours=1),
        left_at=now,
    )
    intervention_services.report_update(intervention=job, work_done="Nettoyage", actor=technician)


def test_required_points_block_signature_until_answered(technician):
    build_list(
        Kind.INTERVENTION,
        "Visite technique annuelle",
        ["Postes", "Onduleur", "Sauvegardes"],
        required=["Onduleur", "Sauvegardes"],
        equipment_kinds=["printer"],
    )
    job = make_intervention(equipment=EquipmentFactory())
    ready_for_signature(job, technician)
    assert intervention_services.signature_blockers(job) == [
        "Liste de contrôle «\u00a0Visite technique annuelle\u00a0»\u00a0: "
        "répondez aux points obligatoires\u00a0: Onduleur, Sauvegardes."
    ]
    run = job.procedure_runs.get()
    steps = {s.label: s.pk for s in run.version.steps.all()}
    services.run_record(run=run, results={steps["Onduleur"]: (Result.NOT_OK, "Batterie à changer")})
    assert "Sauvegardes" in intervention_services.signature_blockers(job)[0]
    services.run_record(run=run, results={steps["Sauvegardes"]: (Result.NOT_APPLICABLE, "")})
    assert intervention_services.signature_blockers(job) == []
    run.refresh_from_db()
    assert run.finished_at is None  # "Postes" is optional and still open
    workflow.transition(job, Status.AWAITING_SIGNATURE, actor=technician)


def test_checklist_refuses_acceptance_results_and_locked_reports(technician):
    checklist = build_list(Kind.INTERVENTION, "Contrôle", ["Point"])
    job = make_intervention()
    run = services.run_attach(intervention=job, procedure=checklist)
    step = run.version.steps.get()
    with pytest.raises(ValidationError):
        services.run_record(run=run, results={step.pk: (Result.PASSED, "")})
    assert run.entries.count() == 0
    workflow.transition(job, Status.CANCELLED, actor=technician, note="Doublon")
    with pytest.raises(intervention_services.ReportLocked):
        services.run_record(run=run, results={step.pk: (Result.OK, "")})
