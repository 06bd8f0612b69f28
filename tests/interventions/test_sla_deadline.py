import datetime

import pytest
from django.utils import timezone

from interventions import services
from interventions.models import Channel
from interventions.sla import add_business_hours, deadline_state, response_deadline
from tests.factories import ClientFactory, ContractFactory, EquipmentFactory, make_intervention


def paris(*args):
    return timezone.make_aware(datetime.datetime(*args))


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        # Same day, within opening hours.
        (paris(2026, 3, 10, 9, 0), 4, paris(2026, 3, 10, 13, 0)),
        # Ends exactly at closing time: still that day.
        (paris(2026, 3, 10, 10, 0), 8, paris(2026, 3, 10, 18, 0)),
        # Overnight: 2 h on Tuesday evening, 2 h on Wednesday morning.
        (paris(2026, 3, 10, 16, 0), 4, paris(2026, 3, 11, 10, 0)),
        # A call at night starts the clock at the next opening.
        (paris(2026, 3, 10, 22, 30), 2, paris(2026, 3, 11, 10, 0)),
        (paris(2026, 3, 11, 6, 45), 2, paris(2026, 3, 11, 10, 0)),
        # Weekend: Friday 17:00 + 4 h → Monday 11:00.
        (paris(2026, 3, 13, 17, 0), 4, paris(2026, 3, 16, 11, 0)),
        # A call on Saturday waits for Monday.
        (paris(2026, 3, 14, 10, 0), 8, paris(2026, 3, 16, 16, 0)),
        # 14 July 2026 is a Tuesday: Monday 16:00 + 8 h → Wednesday 14:00.
        (paris(2026, 7, 13, 16, 0), 8, paris(2026, 7, 15, 14, 0)),
        # 25 December 2026 is a Friday: Thursday 15:00 + 8 h → Monday 28 at 13:00.
        (paris(2026, 12, 24, 15, 0), 8, paris(2026, 12, 28, 13, 0)),
        # Several days: 24 business hours from Monday 8:00 → Wednesday 12:00.
        (paris(2026, 3, 9, 8, 0), 24, paris(2026, 3, 11, 12, 0)),
        # Across the switch to summer time (29 March 2026): wall-clock hours count.
        (paris(2026, 3, 27, 16, 0), 4, paris(2026, 3, 30, 10, 0)),
    ],
)
def test_business_hours_deadline(start, hours, expected):
    assert add_business_hours(start, hours) == expected


def test_deadline_accepts_a_utc_datetime():
    start = datetime.datetime(2026, 3, 10, 15, 0, tzinfo=datetime.UTC)  # 16:00 in Paris
    assert add_business_hours(start, 4) == paris(2026, 3, 11, 10, 0)


def test_opening_hours_and_days_come_from_settings(settings):
    settings.BUSINESS_HOURS_START, settings.BUSINESS_HOURS_END = "09:00", "17:00"
    settings.BUSINESS_DAYS = [0, 1, 2, 3, 4, 5]  # open on Saturday too
    assert add_business_hours(paris(2026, 3, 13, 16, 0), 4) == paris(2026, 3, 14, 12, 0)


def test_regional_holidays_come_from_the_subdivision(settings):
    # 26 December is a public holiday in Moselle (57), not in the rest of France.
    start = paris(2025, 12, 24, 17, 0)
    assert add_business_hours(start, 2) == paris(2025, 12, 26, 9, 0)
    settings.HOLIDAYS_SUBDIV = "57"
    assert add_business_hours(start, 2) == paris(2025, 12, 29, 9, 0)


def test_no_response_time_no_deadline():
    assert response_deadline(paris(2026, 3, 10, 9, 0), None) is None
    assert response_deadline(paris(2026, 3, 10, 9, 0), 0) is None


def test_intake_sets_the_deadline_from_the_contract(db):
    equipment = EquipmentFactory()
    contract = ContractFactory(client=equipment.client, response_time_hours=4)
    equipment.contract = contract
    equipment.save()
    requested = timezone.now().replace(second=0, microsecond=0)
    job = make_intervention(equipment=equipment, requested_at=requested)
    job.refresh_from_db()
    assert job.deadline_at == add_business_hours(requested, 4)
    assert job.contract == contract


def test_intake_without_contract_has_no_deadline(db):
    job = make_intervention(client=ClientFactory())
    job.refresh_from_db()
    assert job.contract is None and job.deadline_at is None


def test_contract_without_response_time_gives_no_deadline(db):
    contract = ContractFactory(response_time_hours=None)
    job = make_intervention(client=contract.client)
    assert job.under_contract and job.deadline_at is None


def test_planned_visit_has_no_response_deadline(db):
    contract = ContractFactory(response_time_hours=4)
    job = make_intervention(client=contract.client, channel=Channel.PLANNED)
    assert job.under_contract and job.deadline_at is None


def contract_2026(hours):
    return ContractFactory(
        response_time_hours=hours,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )


def test_at_risk_then_overdue_on_a_real_deadline(db):
    contract = contract_2026(8)
    requested = paris(2026, 3, 10, 8, 0)
    job = make_intervention(client=contract.client, requested_at=requested)
    assert job.deadline_at == paris(2026, 3, 10, 16, 0)
    assert deadline_state(job, paris(2026, 3, 10, 13, 0)).state == "ok"
    assert deadline_state(job, paris(2026, 3, 10, 14, 30)).state == "at_risk"
    assert deadline_state(job, paris(2026, 3, 10, 16, 1)).state == "overdue"


def test_handover_does_not_reset_the_clock(db, dispatcher, technician, other_technician):
    contract = contract_2026(4)
    job = make_intervention(client=contract.client, requested_at=paris(2026, 3, 10, 16, 0))
    services.intervention_assign(intervention=job, technician=technician, actor=dispatcher)
    job = services.intervention_handover(
        intervention=job, to_technician=other_technician, actor=dispatcher, note="Client absent."
    )
    job.refresh_from_db()
    assert job.deadline_at == paris(2026, 3, 11, 10, 0)
