"""The dashboard's period aggregates (issue 14): hours per technician grouped by technician then
named in the database's order, the last arrival of each job to sign, the status counts — and the
same number of queries whether the period holds a few jobs or many, by one or many technicians."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions import selectors, services, stats
from interventions.models import Status
from interventions.roles import TECHNICIAN
from tests.factories import UserFactory, make_intervention
from tests.interventions.billing_helpers import signed_intervention

pytestmark = pytest.mark.django_db


def _technicians(names):
    return [
        UserFactory(username=f"t-{last}-{first}", first_name=first, last_name=last, role=TECHNICIAN)
        for last, first in names
    ]


def test_hours_per_technician_ordered_by_last_name_then_login_with_their_sums(rates):
    zola, adam_b, adam_a = _technicians([("Zola", "Émile"), ("Adam", "Paul"), ("Adam", "Anne")])
    # Two jobs for Zola (60 + 30 min), one for each Adam; t-Adam-Anne < t-Adam-Paul by login.
    signed_intervention(zola, minutes=60, km="10.0")
    signed_intervention(zola, minutes=30, km="5.5")
    signed_intervention(adam_b, minutes=120, km="1.0")
    signed_intervention(adam_a, minutes=45, km="0.0")
    today = timezone.localdate()
    rows = stats.per_technician(today - datetime.timedelta(days=1), today).rows
    assert [row[0] for row in rows] == ["Anne Adam", "Paul Adam", "Émile Zola"]
    assert [str(row[1]) for row in rows] == ["0.8", "2.0", "1.5"]
    assert [row[2] for row in rows] == [Decimal("0"), Decimal("1.0"), Decimal("15.5")]
    assert [row[3] for row in rows] == [1, 1, 2]


def test_work_to_sign_waits_from_the_latest_of_several_visits(technician):
    job = make_intervention()
    services.intervention_assign(intervention=job, technician=technician, actor=technician)
    now = timezone.now().replace(microsecond=0)
    for days in (9, 2):  # the latest arrival counts: 2 days ago
        services.visit_record(
            intervention=job,
            technician=technician,
            arrived_at=now - datetime.timedelta(days=days),
            left_at=now - datetime.timedelta(days=days) + datetime.timedelta(hours=1),
        )
    rows = stats.work_to_sign(now=now).rows
    assert [(row[0], row[4]) for row in rows] == [(job.number, 2)]


def test_status_counts_every_status_zero_included():
    make_intervention()
    make_intervention()
    counts = dict(selectors.count_by_status())
    assert counts[Status.NEW] == 2
    assert counts[Status.SIGNED] == 0
    assert len(counts) == len(Status.values)


def _dashboard_queries(client) -> int:
    url = reverse("interventions-dashboard")
    client.get(url)  # session and group rows created once, outside the count
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_dashboard_same_queries_with_more_jobs_and_technicians(client, manager, rates):
    client.force_login(manager)
    counts = []
    for size, names in ((1, [("Un", "A")]), (3, [("Deux", "B"), ("Trois", "C"), ("Quatre", "D")])):
        for tech in _technicians(names):
            for _ in range(size):
                signed_intervention(tech)
        counts.append(_dashboard_queries(client))
    technicians = stats.per_technician(
        timezone.localdate() - datetime.timedelta(days=1), timezone.localdate()
    )
    assert len(technicians.rows) == 4
    assert counts[0] == counts[1]
