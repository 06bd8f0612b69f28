import datetime
from decimal import Decimal

from django.utils import timezone

from interventions import services, workflow
from interventions.models import Part, Status
from tests.factories import ContractFactory, EquipmentFactory, PartFactory, make_intervention


def covered_equipment(*, labour=False, travel=False, parts=False, warranty_days=None):
    contract = ContractFactory(covers_labour=labour, covers_travel=travel, covers_parts=parts)
    warranty = (
        timezone.localdate() + datetime.timedelta(days=warranty_days)
        if warranty_days is not None
        else None
    )
    return EquipmentFactory(client=contract.client, contract=contract, warranty_until=warranty)


def signed_intervention(
    technician,
    *,
    equipment=None,
    minutes=90,
    km="24.0",
    travel_minutes=30,
    part: Part | None = None,
    quantity="2",
    object="L'imprimante fait des taches.",
    out_of_conditions_note="",
    manager_override=None,
):
    job = make_intervention(equipment=equipment or EquipmentFactory(), object=object)
    services.intervention_assign(intervention=job, technician=technician, actor=technician)
    now = timezone.now()
    services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=now - datetime.timedelta(minutes=minutes),
        left_at=now,
        travel_km=Decimal(km),
        travel_minutes=travel_minutes,
    )
    services.part_add(
        intervention=job,
        part=part or PartFactory(unit_price=Decimal("50.00"), unit_cost=Decimal("30.00")),
        quantity=Decimal(quantity),
        actor=technician,
    )
    services.report_update(intervention=job, work_done="Remplacement du tambour", actor=technician)
    if out_of_conditions_note:
        services.out_of_conditions_record(
            intervention=job,
            actor=technician,
            out_of_conditions=True,
            note=out_of_conditions_note,
        )
    if manager_override:
        flag, value, reason = manager_override
        services.billing_override(
            intervention=job, actor=technician, flag=flag, billable=value, reason=reason
        )
    workflow.transition(job, Status.AWAITING_SIGNATURE, actor=technician)
    services.report_freeze(
        intervention=job,
        signatures={"technician": {"name": "T"}, "customer": {"name": "Mme Roux"}},
        actor=technician,
    )
    job.refresh_from_db()
    return job
