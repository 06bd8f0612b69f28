import datetime
import itertools
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from interventions import billing, services
from interventions.models import Intervention, InterventionEvent, Status
from tests.factories import ClientFactory, EquipmentFactory, make_intervention

from .billing_helpers import covered_equipment, signed_intervention

FLAGS = ["travel", "labour", "parts"]


WARRANTY_COVERS = {"labour", "parts"}


def entitled_job(*, covered_flag: str | None, contract: bool, warranty: bool):
    """An intervention whose contract covers `covered_flag` (or nothing) and/or under warranty."""
    if contract:
        equipment = covered_equipment(
            **{covered_flag: True} if covered_flag else {},
            warranty_days=300 if warranty else None,
        )
    else:
        equipment = EquipmentFactory(
            warranty_until=date.today() + timedelta(days=300) if warranty else None
        )
    return make_intervention(equipment=equipment)


@pytest.mark.parametrize(
    "flag,contract_covers,warranty,out_of_conditions,override",
    list(
        itertools.product(FLAGS, [False, True], [False, True], [False, True], [None, True, False])
    ),
)
def test_billable_flag_follows_contract_warranty_observation_and_override(
    flag, contract_covers, warranty, out_of_conditions, override, technician, manager
):
    job = entitled_job(
        covered_flag=flag if contract_covers else None, contract=contract_covers, warranty=warranty
    )
    if out_of_conditions:
        services.out_of_conditions_record(
            intervention=job,
            actor=technician,
            out_of_conditions=True,
            note="Cartouche recyclée, contraire à la clause consommables",
        )
    if override is not None:
        services.billing_override(
            intervention=job, actor=manager, flag=flag, billable=override, reason="Geste commercial"
        )
    job.refresh_from_db()
    services.billing_refresh(intervention=job)  # what report_freeze does at signature

    expected_proposal = out_of_conditions or not (
        contract_covers or (warranty and flag in WARRANTY_COVERS)
    )
    proposal = billing.propose(job)[flag]
    assert proposal.billable is expected_proposal
    if out_of_conditions:
        assert "Cartouche recyclée" in proposal.reason
    elif contract_covers:
        assert proposal.reason == f"couvert par le contrat {job.contract_snapshot['number']}"
    elif warranty and flag in WARRANTY_COVERS:
        until = job.warranty_until.strftime("%d/%m/%Y")
        assert proposal.reason == f"sous garantie jusqu'au {until}"

    expected = expected_proposal if override is None else override
    assert getattr(job, f"billable_{flag}") is expected
    decision = billing.decide(job)[flag]
    assert decision.billable is expected
    assert decision.overridden is (override is not None)
    audit = InterventionEvent.objects.filter(intervention=job, kind=InterventionEvent.Kind.BILLING)
    if override is None:
        assert not audit.exists()
    else:
        event = audit.get()
        assert event.actor == manager
        assert event.note == "Geste commercial"
        assert event.data["flag"] == flag and event.data["to"] is override
        assert event.data["proposed"] is expected_proposal


def test_proposal_is_stored_at_signature(technician):
    equipment = covered_equipment(labour=True, travel=True)
    job = signed_intervention(technician, equipment=equipment)
    assert (job.billable_labour, job.billable_travel, job.billable_parts) == (False, False, True)
    assert job.signed_report.snapshot["billable"] == {
        "travel": False,
        "labour": False,
        "parts": True,
    }


def test_observation_out_of_conditions_makes_everything_billable_at_signature(technician):
    equipment = covered_equipment(labour=True, travel=True, parts=True)
    job = signed_intervention(
        technician, equipment=equipment, out_of_conditions_note="Atelier très poussiéreux"
    )
    assert (job.billable_labour, job.billable_travel, job.billable_parts) == (True, True, True)
    reason = billing.decide(job)["labour"].reason
    assert reason == "hors conditions du contrat\u00a0: Atelier très poussiéreux"


def test_observation_needs_a_description(technician):
    job = make_intervention(client=ClientFactory())
    with pytest.raises(ValidationError):
        services.out_of_conditions_record(
            intervention=job, actor=technician, out_of_conditions=True, note="  "
        )
    job.refresh_from_db()
    assert job.out_of_conditions is False


def test_observation_refused_once_signed(technician):
    job = signed_intervention(technician)
    with pytest.raises(services.ReportLocked):
        services.out_of_conditions_record(
            intervention=job, actor=technician, out_of_conditions=True, note="Poussière"
        )


def test_override_needs_a_reason(manager):
    job = make_intervention()
    with pytest.raises(ValidationError):
        services.billing_override(
            intervention=job, actor=manager, flag="labour", billable=False, reason=" "
        )
    assert job.billing_overrides == {}
    assert not InterventionEvent.objects.filter(kind=InterventionEvent.Kind.BILLING).exists()


def test_override_made_before_signature_survives_it(technician, manager):
    job = signed_intervention(technician, manager_override=("travel", False, "Client voisin"))
    assert job.billable_travel is False
    assert job.signed_report.snapshot["billable"]["travel"] is False


def test_override_refused_once_billed(technician, manager):
    job = signed_intervention(technician)
    services.interventions_mark_billed(pks=[job.pk], actor=manager)
    with pytest.raises(ValidationError):
        services.billing_override(
            intervention=job, actor=manager, flag="parts", billable=False, reason="Oubli"
        )


def test_warranty_reason_uses_french_date():
    job = Intervention(
        under_warranty=True,
        warranty_until=datetime.date(2027, 3, 12),
        contract_snapshot={"number": "MAINT-2026-003", "covers_travel": True},
    )
    proposal = billing.propose(job)
    assert proposal["labour"].reason == "sous garantie jusqu'au 12/03/2027"
    assert proposal["travel"].reason == "couvert par le contrat MAINT-2026-003"
    assert proposal["labour"].billable is False and proposal["travel"].billable is False


def test_mark_billed_is_all_or_nothing(technician, manager):
    from interventions.workflow import TransitionError

    first = signed_intervention(technician)
    second = signed_intervention(technician)
    # Rows are billed in pk order: the one that fails (already billed) comes LAST, so without
    # the transaction `first` would stay billed.
    assert first.pk < second.pk
    services.interventions_mark_billed(pks=[second.pk], actor=manager)
    with pytest.raises(TransitionError) as excinfo:
        services.interventions_mark_billed(pks=[first.pk, second.pk], actor=manager)
    assert str(excinfo.value) == (
        f"L'intervention {second.number} est maintenant «\u00a0Facturée\u00a0»\u00a0: "
        "rechargez la page."
    )
    first.refresh_from_db()
    assert first.status == Status.SIGNED
    assert not InterventionEvent.objects.filter(
        intervention=first, kind=InterventionEvent.Kind.BILLING
    ).exists()
    assert (
        InterventionEvent.objects.filter(
            intervention=second, kind=InterventionEvent.Kind.STATUS, to_status=Status.BILLED
        ).count()
        == 1
    )


def test_only_a_superuser_with_a_reason_takes_billing_back(technician, manager, admin_user):
    from interventions.workflow import TransitionError

    job = signed_intervention(technician)
    services.interventions_mark_billed(pks=[job.pk], actor=manager)
    with pytest.raises(TransitionError):
        services.intervention_unbill(intervention=job, actor=manager, reason="Erreur")
    with pytest.raises(TransitionError):
        services.intervention_unbill(intervention=job, actor=admin_user, reason="  ")
    services.intervention_unbill(intervention=job, actor=admin_user, reason="Facture annulée")
    job.refresh_from_db()
    assert job.status == Status.SIGNED
    event = InterventionEvent.objects.filter(intervention=job, kind="billing").last()
    assert event.note == "Facture annulée" and event.actor == admin_user
