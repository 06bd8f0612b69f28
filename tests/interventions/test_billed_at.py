"""The billing date is stored on the intervention (`Intervention.billed_at`, issue 14): the time
of its latest status event to « billed », written with the status by `workflow.transition`,
cleared when an administrator takes the billing back, backfilled from the events by migration
0024, and moved by nobody else (the database refuses it)."""

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from interventions import billing, services
from interventions.models import Intervention, InterventionEvent, Status

from .billing_helpers import signed_intervention
from .integrity_helpers import triggers_off

migration = importlib.import_module("interventions.migrations.0024_intervention_billed_at")

FROZEN = "rapport signé figé"


def billed_event_times(job) -> list[datetime.datetime]:
    return list(
        InterventionEvent.objects.filter(
            intervention=job, kind=InterventionEvent.Kind.STATUS, to_status=Status.BILLED
        )
        .order_by("at", "pk")
        .values_list("at", flat=True)
    )


def test_marking_billed_stores_the_events_time_and_taking_it_back_clears_it(
    technician, manager, admin_user
):
    job = signed_intervention(technician)
    assert job.billed_at is None
    before = timezone.now()
    services.interventions_mark_billed(pks=[job.pk], actor=manager)
    job.refresh_from_db()
    [event_at] = billed_event_times(job)
    assert job.billed_at == event_at
    assert before <= job.billed_at <= timezone.now()

    services.intervention_unbill(intervention=job, actor=admin_user, reason="Avoir émis")
    job.refresh_from_db()
    assert job.status == Status.SIGNED and job.billed_at is None

    services.interventions_mark_billed(pks=[job.pk], actor=manager)
    job.refresh_from_db()
    first, second = billed_event_times(job)
    assert job.billed_at == second and second > first


@pytest.mark.parametrize("status", [Status.SIGNED, Status.BILLED])
def test_the_database_refuses_a_billing_date_that_moves_without_the_status(
    technician, manager, status
):
    job = signed_intervention(technician)
    if status == Status.BILLED:
        services.interventions_mark_billed(pks=[job.pk], actor=manager)
    job.refresh_from_db()
    other = timezone.now() - datetime.timedelta(days=40)
    with pytest.raises(IntegrityError), transaction.atomic():
        Intervention.objects.filter(pk=job.pk).update(billed_at=other)
    if status == Status.BILLED:
        with pytest.raises(IntegrityError, match=FROZEN), transaction.atomic():
            Intervention.objects.filter(pk=job.pk).update(billed_at=None)
    assert Intervention.objects.get(pk=job.pk).billed_at == job.billed_at


def test_only_a_billed_intervention_has_a_billing_date(technician):
    """The check constraint, with the freeze triggers out of the way."""
    job = signed_intervention(technician)
    with triggers_off(), pytest.raises(IntegrityError), transaction.atomic():
        Intervention.objects.filter(pk=job.pk).update(billed_at=timezone.now())


def test_the_migration_fills_the_billing_date_from_the_latest_billed_event(
    technician, manager, admin_user
):
    """Data as it was before the column: billed interventions without `billed_at`."""
    once = signed_intervention(technician)
    twice = signed_intervention(technician)
    not_billed = signed_intervention(technician)
    services.interventions_mark_billed(pks=[once.pk, twice.pk], actor=manager)
    services.intervention_unbill(intervention=twice, actor=admin_user, reason="Avoir émis")
    services.interventions_mark_billed(pks=[twice.pk], actor=manager)
    long_ago = timezone.now() - datetime.timedelta(days=40)
    with triggers_off():
        # `once` was billed 40 days ago; `twice` first 40 days ago, then again today.
        InterventionEvent.objects.filter(intervention=once, to_status=Status.BILLED).update(
            at=long_ago
        )
        first_of_twice = min(billed_event_times(twice))
        InterventionEvent.objects.filter(
            intervention=twice, to_status=Status.BILLED, at=first_of_twice
        ).update(at=long_ago)
        Intervention.objects.update(billed_at=None)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses them pending
        # The migration steps around the freeze trigger itself.
        migration.backfill_billed_at(apps, SimpleNamespace(connection=connection))
    else:
        with triggers_off():  # SQLite migrates without its triggers (apps.py)
            migration.backfill_billed_at(apps, SimpleNamespace(connection=connection))

    stored = dict(Intervention.objects.values_list("pk", "billed_at"))
    assert stored[once.pk] == long_ago
    assert stored[twice.pk] == max(billed_event_times(twice)) > long_ago
    assert stored[not_billed.pk] is None
    # The triggers are back, with the new rule.
    with pytest.raises(IntegrityError, match=FROZEN), transaction.atomic():
        Intervention.objects.filter(pk=once.pk).update(billed_at=timezone.now())


def test_billing_lines_read_the_stored_date(technician, manager):
    job = signed_intervention(technician)
    services.interventions_mark_billed(pks=[job.pk], actor=manager)
    job.refresh_from_db()
    today = timezone.localdate()
    [line] = billing.billing_lines(
        billing.billable_queryset(
            date_from=today, date_to=today, statuses=[Status.BILLED], date_basis=billing.BILLED_DATE
        )
    )
    assert line.billed_at == job.billed_at
