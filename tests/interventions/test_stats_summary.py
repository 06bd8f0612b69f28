"""The dashboard's monthly summary (interventions/stats_summary.py, issue 14): its period tables
read closed months from the summary and the rest live, and give exactly what the live
aggregate of the whole period gives — on random data, after writes into a closed month made by
paths that send no signal (`QuerySet.update`, `bulk_create`, `delete`), and with the current
month always live. PostgreSQL: the summary and its triggers exist there only."""

import datetime
import random
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from clients.models import Equipment
from interventions import stats, stats_summary
from interventions.models import (
    Intervention,
    PartUsed,
    StatsMonth,
    StatsMonthTotals,
    Status,
    Visit,
)
from interventions.roles import TECHNICIAN
from tests.factories import ClientFactory, EquipmentFactory, UserFactory, make_intervention

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the summary exists on PostgreSQL only"
    ),
]

PERIOD_TABLES = ("months", "technicians", "parts", "clients", "equipment")


def _period_tables(start, end, *, summary):
    tables = [
        stats.per_month(start, end, summary=summary),
        stats.per_technician(start, end, summary=summary),
        stats.parts_consumed(start, end, summary=summary),
        stats.per_client(start, end, summary=summary),
        stats.per_equipment_kind(start, end, summary=summary),
    ]
    return {t.key: t.rows for t in tables}


def _periods():
    today = timezone.localdate()
    return [
        (today.replace(day=1) - datetime.timedelta(days=365), today),  # the dashboard's default
        (today - datetime.timedelta(days=200), today - datetime.timedelta(days=40)),  # two edges
        (today - datetime.timedelta(days=500), today),
        (today - datetime.timedelta(days=95), today - datetime.timedelta(days=3)),
    ]


def _assert_summary_is_live():
    for start, end in _periods():
        summary = _period_tables(start, end, summary=True)
        live = _period_tables(start, end, summary=False)
        for key in PERIOD_TABLES:
            assert summary[key] == live[key], (key, start, end)


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


@pytest.fixture
def history():
    """~14 months of random jobs: clients, equipment kinds, deadlines, resolutions,
    cancellations, visits by several technicians (some jobs visited in two months), parts."""
    rng = random.Random(14)
    technicians = [
        UserFactory(username=f"tech-{i}", last_name=name, role=TECHNICIAN)
        for i, name in enumerate(["Martin", "Bernard", "Martin", "Dubois"])
    ]
    clients = [
        ClientFactory(name=rng.choice(["Alpha", "Bêta", "Gamma", "Alpha"])) for _ in range(6)
    ]
    equipment = [
        EquipmentFactory(client=rng.choice(clients), kind=kind)
        for kind in (Equipment.Kind.PRINTER, Equipment.Kind.SERVER, Equipment.Kind.LAPTOP)
    ]
    today = timezone.localdate()
    visits, parts = [], []
    for _ in range(90):
        with_equipment = rng.random() < 0.6
        job = (
            make_intervention(equipment=rng.choice(equipment))
            if with_equipment
            else make_intervention(client=rng.choice(clients))
        )
        requested = _at(today - datetime.timedelta(days=rng.randint(0, 430)), rng.randint(0, 23))
        resolved = requested + datetime.timedelta(
            hours=rng.randint(1, 400), seconds=rng.randint(0, 3599)
        )
        Intervention.objects.filter(pk=job.pk).update(
            requested_at=requested,
            met_deadline=rng.choice([None, True, False]),
            resolved_at=resolved if rng.random() < 0.7 and resolved < timezone.now() else None,
            status=rng.choice([Status.NEW, Status.IN_PROGRESS, Status.CANCELLED]),
        )
        for _ in range(rng.randint(0, 3)):
            arrived = requested + datetime.timedelta(days=rng.choice([0, 1, 20, 45]), hours=2)
            if arrived < timezone.now() - datetime.timedelta(hours=3):
                visits.append(
                    Visit(
                        intervention_id=job.pk,
                        technician=rng.choice(technicians),
                        arrived_at=arrived,
                        left_at=arrived + datetime.timedelta(minutes=rng.randint(5, 300))
                        if rng.random() < 0.9
                        else None,
                        travel_km=Decimal(rng.randint(0, 800)) / 10,
                    )
                )
        for _ in range(rng.randint(0, 2)):
            ref = rng.choice(["TON-01", "DD-500", "", "RAM-8"])
            parts.append(
                PartUsed(
                    intervention_id=job.pk,
                    reference=ref,
                    description=rng.choice(["Toner", "Disque", "Mémoire"]),
                    quantity=Decimal(rng.randint(1, 30)) / 2,
                )
            )
    Visit.objects.bulk_create(visits)
    PartUsed.objects.bulk_create(parts)
    return {"technicians": technicians, "clients": clients, "equipment": equipment}


def _closed_job(month_back: int = 3) -> Intervention:
    """A job requested in a month that the summary holds."""
    limit = stats_summary.settled_months_before()
    job = (
        Intervention.objects.filter(requested_at__lt=stats_summary.month_bounds(limit)[0])
        .exclude(status=Status.CANCELLED)
        .order_by("requested_at")
        .last()
    )
    assert job is not None
    return job


def _month_of(instant) -> datetime.date:
    return timezone.localtime(instant).date().replace(day=1)


def test_summary_gives_the_live_figures_on_random_data(history):
    assert stats_summary.refresh() > 0
    # The summary is really read: the default year holds stored months.
    today = timezone.localdate()
    low, high = stats._bounds(today.replace(day=1) - datetime.timedelta(days=365), today)
    assert len(stats_summary.split(low, high).months) >= 10
    assert StatsMonthTotals.objects.exists()
    _assert_summary_is_live()
    # `refresh_stats` recomputes everything to the same figures.
    call_command("refresh_stats", "--all", verbosity=0)
    _assert_summary_is_live()


def test_writes_into_a_closed_month_make_it_stale_and_the_figures_stay_exact(history):
    stats_summary.refresh()
    job = _closed_job()
    month = _month_of(job.requested_at)
    row = StatsMonth.objects.get(month=month)
    assert row.computed_version == row.version

    # A late cancellation through QuerySet.update (no signal).
    Intervention.objects.filter(pk=job.pk).update(status=Status.CANCELLED)
    row.refresh_from_db()
    assert row.computed_version != row.version
    _assert_summary_is_live()

    # A visit added with bulk_create into a closed month, then its km changed, then deleted.
    other = _closed_job()
    Intervention.objects.filter(pk=other.pk).update(status=Status.IN_PROGRESS)
    technician = history["technicians"][0]
    arrived = other.requested_at + datetime.timedelta(hours=1)
    (visit,) = Visit.objects.bulk_create(
        [
            Visit(
                intervention_id=other.pk,
                technician=technician,
                arrived_at=arrived,
                left_at=arrived + datetime.timedelta(hours=2),
                travel_km=Decimal("12.5"),
            )
        ]
    )
    _assert_summary_is_live()
    Visit.objects.filter(pk=visit.pk).update(travel_km=Decimal("40.0"))
    _assert_summary_is_live()
    PartUsed.objects.bulk_create(
        [PartUsed(intervention_id=other.pk, description="Câble", quantity=Decimal("99"))]
    )
    _assert_summary_is_live()
    Visit.objects.filter(pk=visit.pk).delete()
    PartUsed.objects.filter(intervention_id=other.pk).delete()
    _assert_summary_is_live()

    # An equipment re-kinded, a job moved to another month, a resolution recorded late.
    with_equipment = Intervention.objects.filter(
        equipment__isnull=False, requested_at__lt=job.requested_at
    ).first()
    Equipment.objects.filter(pk=with_equipment.equipment_id).update(kind=Equipment.Kind.PHONE)
    _assert_summary_is_live()
    Intervention.objects.filter(pk=other.pk).update(
        requested_at=other.requested_at - datetime.timedelta(days=60),
        resolved_at=other.requested_at + datetime.timedelta(days=1),
        met_deadline=True,
    )
    _assert_summary_is_live()


def test_a_change_that_moves_no_figure_leaves_the_month_fresh(history):
    stats_summary.refresh()
    job = _closed_job()
    row = StatsMonth.objects.get(month=_month_of(job.requested_at))
    Intervention.objects.filter(pk=job.pk).update(object="Autre objet", remarks="Vu")
    row.refresh_from_db()
    assert row.computed_version == row.version


def test_the_current_month_is_always_live(history):
    stats_summary.refresh()
    today = timezone.localdate()
    current = today.replace(day=1)
    computed = StatsMonth.objects.filter(month__gte=current, computed_version__isnull=False)
    assert not computed.exists()
    before = stats.per_month(today - datetime.timedelta(days=365), today).rows
    client = history["clients"][0]
    make_intervention(client=client)  # requested now
    after = stats.per_month(today - datetime.timedelta(days=365), today).rows
    label = current.strftime("%m/%Y")
    count = {row[0]: row[1] for row in before}.get(label, 0)
    assert {row[0]: row[1] for row in after}[label] == count + 1
    assert not computed.exists()
    _assert_summary_is_live()


def test_a_month_is_summarised_an_hour_after_it_ends():
    tz = timezone.get_current_timezone()
    first = datetime.datetime(2026, 3, 1, tzinfo=tz)
    assert stats_summary.settled_months_before(first + datetime.timedelta(minutes=30)) == (
        datetime.date(2026, 2, 1)
    )
    assert stats_summary.settled_months_before(first + datetime.timedelta(hours=2)) == (
        datetime.date(2026, 3, 1)
    )
