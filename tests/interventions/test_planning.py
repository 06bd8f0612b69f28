import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Contract
from interventions import services
from interventions.models import Channel, Intervention, InterventionEvent, Status
from interventions.planning import build_planning
from tests.factories import ClientFactory, ContractFactory, SiteFactory, make_intervention


def local(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def monday():
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=7)


def test_assign_with_slot_and_reassign(client, dispatcher, technician, other_technician, monday):
    job = make_intervention()
    client.force_login(dispatcher)
    response = client.post(
        reverse("interventions-assign", args=[job.pk]),
        {"technician": technician.pk, "scheduled_start": f"{monday}T09:00", "version": 0},
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.technician == technician and job.status == Status.SCHEDULED
    assert job.scheduled_start == local(monday, 9) and job.scheduled_end == local(monday, 10)
    client.post(
        reverse("interventions-assign", args=[job.pk]),
        {
            "technician": other_technician.pk,
            "scheduled_start": f"{monday}T14:00",
            "scheduled_end": f"{monday}T16:00",
            "version": 1,
        },
    )
    job.refresh_from_db()
    assert job.technician == other_technician and job.scheduled_end == local(monday, 16)
    events = InterventionEvent.objects.filter(intervention=job, kind="assigned")
    assert [e.data["to"] for e in events] == ["technician", "technician2"]


def test_assign_refuses_a_slot_ending_before_it_starts(client, dispatcher, technician, monday):
    job = make_intervention()
    client.force_login(dispatcher)
    response = client.post(
        reverse("interventions-assign", args=[job.pk]),
        {
            "technician": technician.pk,
            "scheduled_start": f"{monday}T14:00",
            "scheduled_end": f"{monday}T13:00",
            "version": 0,
        },
    )
    assert response.status_code == 400
    assert "Le créneau doit se terminer après son début." in response.content.decode()
    job.refresh_from_db()
    assert job.technician is None


def test_assign_warns_on_an_overlapping_slot(client, dispatcher, technician, monday):
    first, second = make_intervention(), make_intervention()
    services.intervention_assign(
        intervention=first,
        technician=technician,
        scheduled_start=local(monday, 9),
        scheduled_end=local(monday, 11),
    )
    client.force_login(dispatcher)
    response = client.post(
        reverse("interventions-assign", args=[second.pk]),
        {
            "technician": technician.pk,
            "scheduled_start": f"{monday}T10:00",
            "scheduled_end": f"{monday}T12:00",
            "version": second.assignment_version,
        },
        follow=True,
    )
    assert "Créneaux qui se chevauchent" in response.content.decode()
    assert first.number in response.content.decode()


def test_technician_cannot_assign(client, technician):
    job = make_intervention()
    client.force_login(technician)
    response = client.post(
        reverse("interventions-assign", args=[job.pk]), {"technician": technician.pk}
    )
    assert response.status_code == 403


def test_planning_grid_flags_overlaps(client, dispatcher, technician, other_technician, monday):
    a, b, c = make_intervention(), make_intervention(), make_intervention()
    for job, tech, start, end in [
        (a, technician, 9, 11),
        (b, technician, 10, 12),
        (c, other_technician, 10, 12),
    ]:
        services.intervention_assign(
            intervention=job,
            technician=tech,
            scheduled_start=local(monday, start),
            scheduled_end=local(monday, end),
        )
    grid = build_planning(monday, 7)
    assert [(p[0], p[1].job.number, p[2]) for p in grid.overlaps] == [
        (technician, a.number, b.number)
    ]
    client.force_login(dispatcher)
    for view in ("day", "week"):
        response = client.get(reverse("interventions-planning"), {"view": view, "day": monday})
        body = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="overlap-warning"' in body
        assert all(f"slot-{job.number}" in body for job in (a, b, c))


def test_planning_is_for_dispatchers(client, technician):
    client.force_login(technician)
    assert client.get(reverse("interventions-planning")).status_code == 403


def test_slot_ending_at_midnight_stays_on_its_day(technician, monday):
    job = make_intervention()
    services.intervention_assign(
        intervention=job,
        technician=technician,
        scheduled_start=local(monday, 22),
        scheduled_end=local(monday + datetime.timedelta(days=1), 0),
    )
    row = next(r for r in build_planning(monday, 7).rows if r.technician == technician)
    assert [len(day) for day in row.days] == [1, 0, 0, 0, 0, 0, 0]


@pytest.fixture
def visit_contract(db):
    customer = ClientFactory(name="Cabinet Vial")
    SiteFactory(client=customer, label="Cabinet")
    return ContractFactory(
        client=customer,
        number="CLE-1",
        kind=Contract.Kind.TURNKEY,
        annual_visits=2,
        standard_tasks="Contrôle des postes\nTest de l'onduleur",
    )


def test_visits_to_plan_creates_the_missing_visits_once(client, dispatcher, visit_contract):
    ContractFactory(annual_visits=0, number="NO-VISIT")
    client.force_login(dispatcher)
    body = client.get(reverse("interventions-visits")).content.decode()
    assert "CLE-1" in body and "NO-VISIT" not in body and "Préparer 2 visites" in body
    client.post(reverse("interventions-visits-create", args=[visit_contract.pk]))
    jobs = Intervention.objects.filter(contract=visit_contract).order_by("sequence")
    assert jobs.count() == 2
    assert all(j.channel == Channel.PLANNED and j.deadline_at is None for j in jobs)
    assert jobs[0].planned_tasks == "Contrôle des postes\nTest de l'onduleur"
    assert jobs[0].site.label == "Cabinet" and "1/2" in jobs[0].object
    client.post(reverse("interventions-visits-create", args=[visit_contract.pk]))
    assert Intervention.objects.filter(contract=visit_contract).count() == 2
    body = client.get(reverse("interventions-visits")).content.decode()
    assert "Toutes préparées" in body
    detail = client.get(reverse("interventions-detail", args=[jobs[0].pk])).content.decode()
    assert "Test de l&#x27;onduleur" in detail


def test_cancelled_visit_is_prepared_again(dispatcher, visit_contract):
    first, _second = services.planned_visits_create(contract=visit_contract, actor=dispatcher)
    services.intervention_cancel(intervention=first, actor=dispatcher, reason="Client fermé")
    again = services.planned_visits_create(contract=visit_contract, actor=dispatcher)
    assert len(again) == 1


def test_visits_to_plan_is_for_dispatchers(client, technician, visit_contract):
    client.force_login(technician)
    assert client.get(reverse("interventions-visits")).status_code == 403
    response = client.post(reverse("interventions-visits-create", args=[visit_contract.pk]))
    assert response.status_code == 403
    assert not Intervention.objects.exists()


def test_assign_refuses_a_slot_starting_in_the_last_hour_of_year_9999(
    client, dispatcher, technician
):
    """Found by tests/reliability/test_hostile_input.py: the default end (start + 1 h) overflowed
    the calendar and the page answered 500."""
    job = make_intervention()
    client.force_login(dispatcher)
    response = client.post(
        reverse("interventions-assign", args=[job.pk]),
        {
            "technician": technician.pk,
            "scheduled_start": "9999-12-31T23:59",
            "version": job.assignment_version,
        },
    )
    assert response.status_code == 400
    assert "Cette date est hors du calendrier." in response.content.decode()
    job.refresh_from_db()
    assert job.technician is None and job.scheduled_start is None
