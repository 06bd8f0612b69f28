import json
from decimal import Decimal

from django.utils import timezone

from interventions import services
from interventions.snapshot import report_snapshot
from tests.factories import ContractFactory, EquipmentFactory, PartFactory, make_intervention


def test_snapshot_holds_what_the_report_shows_and_is_json(db, technician):
    contract = ContractFactory(number="MAINT-2026-003")
    equipment = EquipmentFactory(client=contract.client, contract=contract, brand="Brother")
    job = make_intervention(equipment=equipment, object="Taches d'encre")
    services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=timezone.now(),
        left_at=timezone.now() + timezone.timedelta(minutes=75),
        travel_km=Decimal("12.5"),
        travel_minutes=20,
    )
    services.part_add(intervention=job, part=PartFactory(reference="CART-1"), quantity=2)
    services.report_update(intervention=job, diagnostics="Cartouche recyclée", actor=technician)
    snap = report_snapshot(job)
    json.dumps(snap)
    assert snap["number"] == job.number
    assert snap["client"]["number"] == contract.client.number
    assert snap["contract"]["number"] == "MAINT-2026-003"
    assert snap["equipment"]["brand"] == "Brother"
    assert snap["parts"][0]["reference"] == "CART-1"
    assert snap["parts"][0]["quantity"] == "2"
    assert snap["total_minutes"] == 75
    assert snap["total_km"] == "12.5"
    assert snap["diagnostics"] == "Cartouche recyclée"
    assert snap["status_label"] == "En cours"


def test_build_snapshot_reads_nothing_from_the_database(db, technician, django_assert_num_queries):
    """The data generator builds 100,000 snapshots from objects in memory: no query each."""
    from interventions.models import Intervention
    from interventions.snapshot import build_snapshot

    job = make_intervention(equipment=EquipmentFactory(brand="Brother"))
    services.intervention_assign(intervention=job, technician=technician)
    services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=timezone.now(),
        left_at=timezone.now() + timezone.timedelta(minutes=30),
    )
    services.part_add(intervention=job, part=PartFactory(reference="CART-2"), quantity=1)
    loaded = (
        Intervention.objects.select_related("client", "site", "equipment", "technician")
        .prefetch_related("visits__technician", "parts")
        .get(pk=job.pk)
    )
    visits, parts = list(loaded.visits.all()), list(loaded.parts.all())
    with django_assert_num_queries(0):
        snap = build_snapshot(loaded, visits, parts, {})
    assert snap == {**report_snapshot(job), "extras": {}}
