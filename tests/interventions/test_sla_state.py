import datetime

from django.utils import timezone

from interventions.models import Intervention
from interventions.sla import deadline_state

NOW = timezone.make_aware(datetime.datetime(2026, 3, 10, 12, 0))


def job(requested_hours_ago, deadline_in_hours, arrived=None):
    return Intervention(
        requested_at=NOW - datetime.timedelta(hours=requested_hours_ago),
        deadline_at=NOW + datetime.timedelta(hours=deadline_in_hours),
        first_arrival_at=arrived,
    )


def test_no_deadline_no_state():
    assert deadline_state(Intervention(requested_at=NOW), NOW) is None


def test_ok_at_risk_overdue():
    assert deadline_state(job(2, 6), NOW).state == "ok"
    assert deadline_state(job(7, 1), NOW).state == "at_risk"  # 1 h of 8 left: 12.5 %
    assert deadline_state(job(6, 2), NOW).state == "ok"  # exactly 25 % left
    overdue = deadline_state(job(9, -1), NOW)
    assert overdue.state == "overdue" and overdue.remaining == datetime.timedelta(hours=-1)


def test_arrival_gives_a_final_verdict():
    assert deadline_state(job(2, 6, arrived=NOW), NOW).state == "met"
    assert deadline_state(job(9, -1, arrived=NOW), NOW).state == "missed"
