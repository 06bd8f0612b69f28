"""SQL queries per page do not grow with the data (issue 14): each page is read at two sizes of
the same shape (3 rows, then 30) and must run exactly as many queries both times. A page that
loads a related object per row (N+1) fails here long before 100,000 interventions."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions import roles, services
from interventions.models import Intervention, Priority
from tests.factories import (
    ClientFactory,
    EquipmentFactory,
    PartFactory,
    UserFactory,
    make_intervention,
)

SMALL, LARGE = 3, 30


def queries(client, url, params=None) -> int:
    """Queries of the second of two identical requests: a one-time write on first use (the
    default billing rates row) is not a cost per page."""
    client.get(url, params or {})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def this_week_slot(n: int) -> tuple[datetime.datetime, datetime.datetime]:
    """A one-hour slot inside the current week (the planning's default view)."""
    today = timezone.localdate()
    monday = today - datetime.timedelta(days=today.weekday())
    day = monday + datetime.timedelta(days=n % 5)
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time(8 + n % 9)))
    return start, start + datetime.timedelta(hours=1)


class Shop:
    """Interventions with everything a row can show: its own client, site, equipment and
    technician, a slot this week, a visit, a part; some open without a slot (the planning's
    list to schedule), a few cancelled."""

    def __init__(self, dispatcher):
        self.dispatcher = dispatcher
        self.made = 0

    def grow_to(self, n: int) -> None:
        while self.made < n:
            self.add(self.made)
            self.made += 1

    def add(self, n: int) -> None:
        tech = UserFactory(username=f"tech{n}", role=roles.TECHNICIAN)
        equipment = EquipmentFactory(client=ClientFactory(name=f"Garage Vial {n}"))
        job = make_intervention(
            equipment=equipment,
            site=equipment.site,
            object=f"Imprimante {n}",
            priority=Priority.HIGH if n % 2 else Priority.NORMAL,
        )
        self.last_job = job
        if n % 3 == 2:  # open, not scheduled: listed under "to schedule"
            return
        start, end = this_week_slot(n)
        services.intervention_assign(
            intervention=job,
            technician=tech,
            scheduled_start=start,
            scheduled_end=end,
            actor=self.dispatcher,
        )
        services.visit_record(
            intervention=job,
            technician=tech,
            arrived_at=timezone.now() - datetime.timedelta(hours=2),
            left_at=timezone.now() - datetime.timedelta(hours=1),
        )
        services.part_add(intervention=job, part=PartFactory(), quantity=Decimal("1"))
        if n % 7 == 6:
            services.intervention_cancel(intervention=job, actor=self.dispatcher, reason="Doublon")


@pytest.fixture
def shop(db, dispatcher):
    return Shop(dispatcher)


def same_count_at_two_sizes(grow, read) -> None:
    """`read` returns the query count of one page, or a dict of them (one per view)."""
    grow(SMALL)
    small = read()
    grow(LARGE)
    large = read()
    assert small == large, f"at {SMALL} rows: {small}; at {LARGE} rows: {large}"


LIST_VIEWS = [
    {},
    {"status": ""},
    {"status": "to_sign"},
    {"status": "in_progress"},
    {"q": "vial"},
    {"client": "garage"},
    {"technician": "null"},
    {"priority": "3"},
    {"deadline": "late"},
    {"requested_after": "2020-01-01", "requested_before": "2099-12-31"},
    {"status": "", "page": "2"},
]


@pytest.mark.parametrize("role", ["dispatcher", "manager"])
def test_intervention_list_queries_do_not_grow(client, shop, role, request):
    """Each role's default view, every filter, and a second page."""
    client.force_login(request.getfixturevalue(role))
    url = reverse("interventions-list")
    same_count_at_two_sizes(
        shop.grow_to, lambda: {str(params): queries(client, url, params) for params in LIST_VIEWS}
    )


def test_list_filtered_by_technician_queries_do_not_grow(client, shop, dispatcher):
    client.force_login(dispatcher)
    shop.grow_to(1)
    tech = Intervention.objects.exclude(technician=None).first().technician
    same_count_at_two_sizes(
        shop.grow_to,
        lambda: queries(client, reverse("interventions-list"), {"technician": tech.pk}),
    )


def test_technician_default_view_queries_do_not_grow(client, technician):
    """The technician's own list (today, later, not planned) grows from 3 to 30 jobs."""
    client.force_login(technician)

    def grow(n):
        while Intervention.objects.filter(technician=technician).count() < n:
            k = Intervention.objects.count()
            equipment = EquipmentFactory()
            job = make_intervention(equipment=equipment, site=equipment.site)
            start, end = this_week_slot(k) if k % 3 else (None, None)
            services.intervention_assign(
                intervention=job, technician=technician, scheduled_start=start, scheduled_end=end
            )

    same_count_at_two_sizes(grow, lambda: queries(client, reverse("interventions-mine")))


@pytest.mark.parametrize("view", ["week", "day"])
def test_planning_queries_do_not_grow(client, shop, dispatcher, view):
    client.force_login(dispatcher)
    same_count_at_two_sizes(
        shop.grow_to, lambda: queries(client, reverse("interventions-planning"), {"view": view})
    )


def test_equipment_history_queries_do_not_grow(client, dispatcher):
    client.force_login(dispatcher)
    equipment = EquipmentFactory()
    tech = UserFactory(username="tech-history", role=roles.TECHNICIAN)
    part = PartFactory()

    def grow(n):
        while equipment.interventions.count() < n:
            job = make_intervention(equipment=equipment)
            services.intervention_assign(intervention=job, technician=tech)
            services.part_add(intervention=job, part=part, quantity=Decimal("2"))

    url = reverse("interventions-equipment-history", args=[equipment.pk])
    same_count_at_two_sizes(grow, lambda: queries(client, url))
    same_count_at_two_sizes(lambda n: None, lambda: queries(client, url, {"page": "2"}))


def _job_with_many(technician, dispatcher):
    """One job whose visits, parts and children grow: its detail and tablet pages must not
    read them one by one."""
    job = make_intervention(client=ClientFactory(name="Mairie"))
    services.intervention_assign(intervention=job, technician=technician, actor=dispatcher)
    part = PartFactory()
    made = {"n": 0}

    def grow(n):
        while made["n"] < n:
            i = made["n"]
            arrived = timezone.now() - datetime.timedelta(days=40 - i, hours=3)
            services.visit_record(
                intervention=job,
                technician=technician,
                arrived_at=arrived,
                left_at=arrived + datetime.timedelta(hours=1),
                actor=technician,
            )
            services.part_add(intervention=job, part=part, quantity=Decimal("1"))
            services.part_add(
                intervention=job, description=f"Câble {i}", quantity=1, unit_price=Decimal("5")
            )
            make_intervention(client=job.client, parent=job, relation="follow_up")
            services.report_update(intervention=job, work_done=f"Étape {i}", actor=technician)
            made["n"] += 1

    return job, grow


@pytest.mark.parametrize("role", ["dispatcher", "manager"])
def test_intervention_detail_queries_do_not_grow(client, technician, dispatcher, role, request):
    job, grow = _job_with_many(technician, dispatcher)
    client.force_login(request.getfixturevalue(role))
    url = reverse("interventions-detail", args=[job.pk])
    same_count_at_two_sizes(grow, lambda: queries(client, url))


def test_tablet_job_page_queries_do_not_grow(client, technician, dispatcher):
    job, grow = _job_with_many(technician, dispatcher)
    client.force_login(technician)
    url = reverse("interventions-work", args=[job.pk])
    same_count_at_two_sizes(grow, lambda: queries(client, url))
