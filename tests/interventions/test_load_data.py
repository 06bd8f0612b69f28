"""`manage.py load_data` (issue 14): data at scale in every status, signed reports that verify,
pages that open on it, and a refusal on a database holding other data."""

import datetime
import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Contract, Site
from clients.search import search_text
from interventions import roles
from interventions.models import (
    Channel,
    Intervention,
    InterventionCounter,
    InterventionEvent,
    PartUsed,
    SignedReport,
    Status,
    Visit,
)
from interventions.snapshot import report_snapshot
from interventions.verification import report_check


@pytest.fixture
def loaded(db):
    out = StringIO()
    call_command("load_data", interventions=300, stdout=out)
    return out.getvalue()


def test_every_status_with_visits_parts_events_and_contracts(loaded):
    counts = {s: Intervention.objects.filter(status=s).count() for s in Status.values}
    assert all(counts.values()), counts
    assert Intervention.objects.count() == 300
    assert Visit.objects.exists() and PartUsed.objects.exists()
    assert InterventionEvent.objects.count() > 5 * 300
    assert set(InterventionEvent.objects.values_list("code", flat=True).distinct()) >= {
        "created",
        "assigned",
        "status",
        "visit_arrived",
        "visit_departed",
        "customer_signed",
        "billed",
    }
    assert Client.objects.count() == 15 and Site.objects.count() > 15
    assert Contract.objects.filter(annual_visits__gt=0).exists()
    assert Intervention.objects.filter(channel=Channel.PLANNED).exists()
    assert "Terminé en" in loaded and "interventions : 300" in loaded


def test_dates_relative_to_today_and_numbering(loaded):
    now = timezone.now()
    open_ = Intervention.objects.filter(
        status__in=[Status.NEW, Status.SCHEDULED, Status.IN_PROGRESS]
    )
    assert all(now - i.requested_at < datetime.timedelta(days=46) for i in open_)
    assert all(
        i.scheduled_start > now for i in Intervention.objects.filter(status=Status.SCHEDULED)
    )
    billed = Intervention.objects.filter(status=Status.BILLED)
    assert max(now - i.requested_at for i in billed) > datetime.timedelta(days=365)
    # The billing date is stored as workflow.transition stores it: the billed event's time.
    billed_events = dict(
        InterventionEvent.objects.filter(kind="status", to_status=Status.BILLED).values_list(
            "intervention_id", "at"
        )
    )
    assert billed.exists()
    assert {i.pk: i.billed_at for i in billed} == {i.pk: billed_events[i.pk] for i in billed}
    assert not Intervention.objects.exclude(status=Status.BILLED).filter(billed_at__isnull=False)
    for counter in InterventionCounter.objects.all():
        numbers = Intervention.objects.filter(year=counter.year)
        assert numbers.count() == counter.last_number
        last = numbers.order_by("-sequence").first()
        assert last.number == f"{counter.year}-{counter.last_number:05d}"
    i = Intervention.objects.order_by("?").first()
    assert i.search_text == search_text(i.number, i.object)
    assert Client.objects.filter(search_text="").count() == 0


def test_every_signed_report_verifies(loaded):
    reports = SignedReport.objects.select_related("intervention")
    assert (
        reports.count()
        == Intervention.objects.filter(status__in=[Status.SIGNED, Status.BILLED]).count()
    )
    failing = [r.intervention.number for r in reports if not report_check(r).intact]
    assert failing == []


def test_list_and_detail_pages_open(loaded, client, manager):
    client.force_login(manager)
    assert client.get(reverse("interventions-list")).status_code == 200
    assert client.get(reverse("interventions-list"), {"status": "all"}).status_code == 200
    for status in Status.values:
        i = Intervention.objects.filter(status=status).first()
        response = client.get(reverse("interventions-detail", args=[i.pk]))
        assert response.status_code == 200, status
        assert i.number in response.content.decode()


def test_technicians_have_the_role(loaded):
    technicians = {i.technician for i in Intervention.objects.exclude(technician=None)}
    assert technicians and all(roles.user_role(t) == roles.TECHNICIAN for t in technicians)


def test_the_dispatcher_has_the_role(loaded):
    assert roles.user_role(get_user_model().objects.get(username="ld-dispatch")) == (
        roles.DISPATCHER
    )


@pytest.mark.postgres
def test_leaves_planner_statistics(loaded):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE relname = %s",
            [Intervention._meta.db_table],
        )
        assert cursor.fetchone()[0] >= 300


def test_refuses_a_database_with_real_data_unless_forced(db):
    Client.objects.create(number="C-001", name="Boulangerie Martin")
    with pytest.raises(CommandError, match="--force"):
        call_command("load_data", interventions=20, stdout=StringIO())
    assert Intervention.objects.count() == 0
    call_command("load_data", interventions=20, force=True, stdout=StringIO())
    assert Intervention.objects.count() == 20


def test_runs_again_on_its_own_data(loaded):
    call_command("load_data", interventions=50, stdout=StringIO())
    assert Intervention.objects.count() == 350


def test_frozen_reports_read_like_the_app_snapshot(loaded):
    """The generator's frozen reports hold what `report_snapshot` shows for the same job
    (addresses, technician login, warranty, part totals): it builds them the same way."""
    frozen_only = {"status", "status_label", "signatures", "signed_at", "figures"}
    frozen_only |= {"signed_content_sha256", "extras"}
    for report in SignedReport.objects.select_related("intervention")[:30]:
        live = json.loads(json.dumps(report_snapshot(report.intervention)))
        kept = {k: v for k, v in report.snapshot.items() if k not in frozen_only}
        assert kept == {k: v for k, v in live.items() if k not in frozen_only}
        assert report.snapshot["status"] == "signed"
