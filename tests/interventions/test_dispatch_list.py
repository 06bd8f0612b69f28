import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions import services
from interventions.models import Intervention, Priority
from tests.factories import ClientFactory, make_intervention


def set_deadline(job, *, requested_hours_ago, deadline_in_hours):
    now = timezone.now()
    Intervention.objects.filter(pk=job.pk).update(
        requested_at=now - datetime.timedelta(hours=requested_hours_ago),
        deadline_at=now + datetime.timedelta(hours=deadline_in_hours),
    )


def numbers(response):
    return [i.number for i in response.context["page"]]


@pytest.fixture
def jobs(db, technician):
    ok = make_intervention(client=ClientFactory(name="Garage Vial"), object="Écran noir")
    set_deadline(ok, requested_hours_ago=1, deadline_in_hours=7)
    risky = make_intervention(client=ClientFactory(name="Mairie"), object="Réseau coupé")
    set_deadline(risky, requested_hours_ago=7, deadline_in_hours=1)
    late = make_intervention(client=ClientFactory(name="Pharmacie"), object="Imprimante")
    set_deadline(late, requested_hours_ago=9, deadline_in_hours=-1)
    urgent = make_intervention(
        client=ClientFactory(name="École"), object="Serveur", priority=Priority.URGENT
    )
    services.intervention_assign(intervention=urgent, technician=technician)
    cancelled = make_intervention(client=ClientFactory(name="Notaire"), object="Annulée")
    services.intervention_cancel(intervention=cancelled, actor=None, reason="Doublon")
    return {"ok": ok, "risky": risky, "late": late, "urgent": urgent, "cancelled": cancelled}


def test_default_list_is_open_jobs_most_urgent_first(client, dispatcher, jobs):
    client.force_login(dispatcher)
    response = client.get(reverse("interventions-list"))
    # Overdue, then at risk, then the rest of the deadlines, then no deadline (by priority).
    assert numbers(response) == [
        jobs["late"].number,
        jobs["risky"].number,
        jobs["ok"].number,
        jobs["urgent"].number,
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"deadline": "overdue"}, ["late"]),
        ({"deadline": "at_risk"}, ["risky"]),
        ({"deadline": "late"}, ["late", "risky"]),
        ({"status": "cancelled"}, ["cancelled"]),
        ({"status": "scheduled"}, ["urgent"]),
        ({"priority": "4"}, ["urgent"]),
        ({"q": "réseau"}, ["risky"]),
        ({"q": "vial"}, ["ok"]),
        ({"client": "Mairie"}, ["risky"]),
    ],
)
def test_filters(client, dispatcher, jobs, params, expected):
    client.force_login(dispatcher)
    response = client.get(reverse("interventions-list"), params)
    assert numbers(response) == [jobs[key].number for key in expected]


def test_filter_by_technician_and_unassigned(client, dispatcher, technician, jobs):
    client.force_login(dispatcher)
    response = client.get(reverse("interventions-list"), {"technician": technician.pk})
    assert numbers(response) == [jobs["urgent"].number]
    response = client.get(reverse("interventions-list"), {"technician": "null"})
    assert jobs["urgent"].number not in numbers(response) and len(numbers(response)) == 3


def test_filter_by_date_range(client, dispatcher, jobs):
    client.force_login(dispatcher)
    old = jobs["ok"]
    Intervention.objects.filter(pk=old.pk).update(
        requested_at=timezone.now() - datetime.timedelta(days=40)
    )
    since = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    response = client.get(reverse("interventions-list"), {"requested_after": since})
    assert old.number not in numbers(response) and len(numbers(response)) == 3
    response = client.get(reverse("interventions-list"), {"requested_before": since})
    assert numbers(response) == [old.number]


def test_list_is_paginated(client, dispatcher, db):
    customer = ClientFactory()
    for _ in range(30):
        make_intervention(client=customer)
    client.force_login(dispatcher)
    assert len(numbers(client.get(reverse("interventions-list")))) == 25
    assert len(numbers(client.get(reverse("interventions-list"), {"page": 2}))) == 5


def count_list_queries(client, expected_rows):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("interventions-list"), {"status": ""})  # any status
    assert len(numbers(response)) == expected_rows
    return len(ctx.captured_queries)


def test_same_number_of_queries_for_5_and_200_interventions(
    client, dispatcher, technician, django_assert_max_num_queries
):
    client.force_login(dispatcher)
    customers = [ClientFactory() for _ in range(5)]
    for n in range(5):
        job = make_intervention(client=customers[n])
        services.intervention_assign(intervention=job, technician=technician)
    with django_assert_max_num_queries(10):
        client.get(reverse("interventions-list"))
    few = count_list_queries(client, 5)
    for n in range(195):
        make_intervention(client=customers[n % 5])
    many = count_list_queries(client, 25)
    assert few == many


def test_list_refuses_technicians(client, technician):
    client.force_login(technician)
    assert client.get(reverse("interventions-list")).status_code == 403


def test_every_page_keeps_the_urgency_order_and_the_exact_count(client, dispatcher):
    """The list reads a page's ids first, then their rows (issue 14): the rows come back in
    the urgency order, not the database's, on the last page too, and the count is exact."""
    made = []
    for n in range(28):
        job = make_intervention(client=ClientFactory(name=f"Client {n}"), object=f"Panne {n}")
        # Later jobs have nearer deadlines: the urgency order is the reverse of creation.
        set_deadline(job, requested_hours_ago=1, deadline_in_hours=100 - n)
        made.append(job.number)
    services.intervention_cancel(
        intervention=Intervention.objects.get(number=made[0]), actor=None, reason="Doublon"
    )
    client.force_login(dispatcher)
    last = client.get(reverse("interventions-list"), {"status": "", "page": "2"})
    assert numbers(last) == [made[2], made[1], made[0]]
    assert "28 interventions, les plus urgentes en premier." in last.content.decode()
    first = client.get(reverse("interventions-list"))
    assert numbers(first) == made[:0:-1][:25]
    assert "27 interventions, les plus urgentes en premier." in first.content.decode()
