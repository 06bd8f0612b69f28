import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from clients.models import Contract
from interventions import services
from interventions.models import Intervention, PartUsed, Visit
from tests.factories import ClientFactory, PartFactory, make_intervention


@pytest.fixture
def job(db):
    return make_intervention()


def test_visit_must_end_after_it_starts(job, technician):
    now = timezone.now()
    with pytest.raises(ValidationError) as excinfo:
        services.visit_record(
            intervention=job,
            technician=technician,
            arrived_at=now,
            left_at=now - datetime.timedelta(minutes=5),
        )
    assert "left_at" in excinfo.value.message_dict
    assert not Visit.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.create(intervention=job, technician=technician, arrived_at=now, left_at=now)


def test_travel_km_cannot_be_negative(job, technician):
    with pytest.raises(ValidationError):
        services.visit_record(
            intervention=job,
            technician=technician,
            arrived_at=timezone.now(),
            travel_km=Decimal("-1"),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Visit.objects.create(
            intervention=job,
            technician=technician,
            arrived_at=timezone.now(),
            travel_km=Decimal("-3"),
        )


def test_part_quantity_must_be_positive(job):
    part = PartFactory()
    for quantity in (Decimal("0"), Decimal("-2")):
        with pytest.raises(ValidationError):
            services.part_add(intervention=job, part=part, quantity=quantity)
    with pytest.raises(IntegrityError), transaction.atomic():
        PartUsed.objects.create(intervention=job, description="x", quantity=Decimal("-1"))
    assert not PartUsed.objects.exists()


def test_free_part_line_needs_a_description(job):
    with pytest.raises(ValidationError):
        services.part_add(intervention=job, quantity=1, description="  ")


def test_catalogue_part_copies_price_and_cost_at_the_time(job):
    part = PartFactory(unit_price=Decimal("12.50"), unit_cost=Decimal("7.00"))
    used = services.part_add(intervention=job, part=part, quantity=Decimal("2"))
    part.unit_price = Decimal("99.00")
    part.save()
    used.refresh_from_db()
    assert (used.reference, used.unit_price, used.unit_cost) == (
        part.reference,
        Decimal("12.50"),
        Decimal("7.00"),
    )
    assert used.total_price == Decimal("25.00")


def test_resolution_cannot_precede_the_request(job):
    job.resolved_at = job.requested_at - datetime.timedelta(hours=1)
    with pytest.raises(ValidationError) as excinfo:
        job.full_clean()
    assert "resolved_at" in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        Intervention.objects.filter(pk=job.pk).update(resolved_at=job.resolved_at)


def test_contract_must_end_after_it_starts(db):
    client = ClientFactory()
    today = datetime.date(2026, 3, 1)
    contract = Contract(
        client=client, number="X-1", kind="maintenance", start_date=today, end_date=today
    )
    with pytest.raises(ValidationError) as excinfo:
        contract.full_clean()
    assert "end_date" in excinfo.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        contract.save()


def test_first_arrival_is_compared_with_the_deadline(job, technician):
    job.deadline_at = job.requested_at + datetime.timedelta(hours=4)
    job.save(update_fields=["deadline_at"])
    services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=job.requested_at + datetime.timedelta(hours=5),
    )
    job.refresh_from_db()
    assert job.met_deadline is False
    assert job.status == "in_progress"
    # An earlier visit entered afterwards becomes the first arrival.
    services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=job.requested_at + datetime.timedelta(hours=2),
    )
    job.refresh_from_db()
    assert job.met_deadline is True
    assert job.first_arrival_at == job.requested_at + datetime.timedelta(hours=2)
