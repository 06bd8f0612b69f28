"""Work done but not signed ("à faire signer") reaches the dispatcher, not only the manager:
the list filter, the counters of the dispatcher's and the manager's home pages, the manager's
table, the annual contract visits and the billing list share one rule."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interventions import services, stats, workflow
from interventions.models import Channel, Intervention, Status
from tests.factories import ClientFactory, ContractFactory, make_intervention

from .billing_helpers import signed_intervention
from .tablet_helpers import assigned_job, finished_job


def visited(technician, **kwargs):
    """In progress: the technician came and left, nobody signed."""
    job = assigned_job(technician, **kwargs)
    now = timezone.now()
    services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=now - datetime.timedelta(hours=3),
        left_at=now - datetime.timedelta(hours=2),
    )
    job.refresh_from_db()
    return job


@pytest.fixture
def jobs(db, technician):
    on_site_now = assigned_job(technician, client=ClientFactory(name="Sur place"))
    services.visit_arrive(intervention=on_site_now, technician=technician)
    # Arrived yesterday evening, departure never stamped: the work is over all the same.
    left_open = assigned_job(technician, client=ClientFactory(name="Départ oublié"))
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    services.visit_record(
        intervention=left_open,
        technician=technician,
        arrived_at=midnight - datetime.timedelta(hours=3),
    )
    # In progress without any visit: only a direct transition gets there (reopened data, admin).
    no_visit = make_intervention(client=ClientFactory(name="Sans passage"))
    workflow.transition(no_visit, Status.IN_PROGRESS)
    cancelled = visited(technician, client=ClientFactory(name="Annulée"))
    services.intervention_cancel(intervention=cancelled, actor=None, reason="Doublon")
    return {
        "new": make_intervention(client=ClientFactory(name="Nouvelle")),
        "scheduled": assigned_job(technician, client=ClientFactory(name="Planifiée")),
        "visited": visited(technician, client=ClientFactory(name="Passée")),
        "on_site_now": on_site_now,  # still working: not yet to sign
        "left_open": left_open,
        "no_visit": no_visit,
        "submitted": finished_job(technician),
        "signed": signed_intervention(technician),
        "cancelled": cancelled,
    }


def listed(response):
    return {i.number for i in response.context["page"]}


def test_to_sign_filter_lists_visited_and_submitted_jobs_only(client, dispatcher, jobs):
    client.force_login(dispatcher)
    response = client.get(reverse("interventions-list"), {"status": "to_sign"})
    assert listed(response) == {
        jobs["visited"].number,
        jobs["left_open"].number,
        jobs["submitted"].number,
    }
    assert '<option value="to_sign" selected>À faire signer</option>' in response.content.decode()


def test_dispatcher_home_counts_the_work_to_have_signed(client, dispatcher, jobs):
    client.force_login(dispatcher)
    response = client.get(reverse("home"), follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("interventions-list")
    assert response.context["to_sign_count"] == 3
    assert 'href="?status=to_sign" data-testid="to-sign-counter"' in html
    assert '<span class="badge text-bg-warning">3</span>' in html


def test_manager_dashboard_counts_in_progress_jobs_with_a_visit(client, manager, jobs):
    client.force_login(manager)
    response = client.get(reverse("interventions-dashboard"))
    html = response.content.decode()
    assert '<div class="fs-3 text-body" data-testid="count-to-sign">3</div>' in html
    table = next(t for t in response.context["tables"] if t.key == "signatures")
    assert table.title == "Travail fait, non signé"
    by_number = {row[0]: row for row in table.rows}
    assert set(by_number) == {
        jobs["visited"].number,
        jobs["left_open"].number,
        jobs["submitted"].number,
    }
    assert by_number[jobs["visited"].number][2] == "En cours"
    assert by_number[jobs["submitted"].number][2] == "En attente de signature"


def test_days_waiting_count_from_the_last_visit(technician):
    job = visited(technician)
    Intervention.objects.filter(pk=job.pk).update(updated_at=timezone.now())
    later = timezone.now() + datetime.timedelta(days=4)
    rows = stats.work_to_sign(now=later).rows
    assert rows == [[job.number, job.client.name, "En cours", job.technician.get_full_name(), 4]]


def test_billing_list_uses_the_same_rule(client, manager, jobs):
    client.force_login(manager)
    response = client.get(reverse("interventions-billing"))
    assert {i.number for i in response.context["unsigned"]} == {
        jobs["visited"].number,
        jobs["left_open"].number,
        jobs["submitted"].number,
    }


def test_annual_visits_done_but_unsigned_are_shown_apart(client, dispatcher, technician):
    contract = ContractFactory(number="MAINT-VISITS", annual_visits=4)
    first, second, _third, _fourth = services.planned_visits_create(
        contract=contract, actor=dispatcher
    )
    services.intervention_assign(intervention=first, technician=technician)
    first_visit = services.visit_arrive(intervention=first, technician=technician)
    services.visit_depart(visit=first_visit, actor=technician)
    services.intervention_assign(intervention=second, technician=technician)
    visit = services.visit_arrive(intervention=second, technician=technician)
    services.visit_depart(visit=visit, actor=technician)
    services.report_update(intervention=second, work_done="Nettoyage fait.", actor=technician)
    services.report_submit(intervention=second, actor=technician)
    assert set(
        Intervention.objects.filter(channel=Channel.PLANNED).values_list("status", flat=True)
    ) == {Status.IN_PROGRESS, Status.AWAITING_SIGNATURE, Status.NEW}

    row = stats.annual_visits().rows[0]
    # Contract, to come, done (signed), done not signed, overdue: the contract started 100 days
    # ago, so its first visit (day 0) and second (day 91) are due; both are done, not signed.
    assert row == ["MAINT-VISITS — " + contract.client.name, 2, 0, 2, 0]

    client.force_login(dispatcher)
    page = client.get(reverse("interventions-visits")).content.decode()
    assert 'data-testid="unsigned-MAINT-VISITS"><a href="/interventions/?status=to_sign' in page
    assert client.get(reverse("interventions-visits")).context["contracts"][0].visits_unsigned == 2


def count_queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_list_and_counter_queries_do_not_grow_with_the_jobs(client, dispatcher, technician):
    client.force_login(dispatcher)
    for _ in range(3):
        visited(technician)
    few = count_queries(client, reverse("interventions-list"), {"status": "to_sign"})
    for _ in range(12):
        visited(technician)
    assert count_queries(client, reverse("interventions-list"), {"status": "to_sign"}) == few
    assert few <= 10


def test_visits_page_queries_do_not_grow_with_the_contracts(client, dispatcher, technician):
    client.force_login(dispatcher)
    for _ in range(2):
        contract = ContractFactory(annual_visits=2)
        first, _second = services.planned_visits_create(contract=contract, actor=dispatcher)
        services.intervention_assign(intervention=first, technician=technician)
        services.visit_arrive(intervention=first, technician=technician)
    few = count_queries(client, reverse("interventions-visits"))
    for _ in range(6):
        contract = ContractFactory(annual_visits=2)
        first, _second = services.planned_visits_create(contract=contract, actor=dispatcher)
        services.intervention_assign(intervention=first, technician=technician)
        services.visit_arrive(intervention=first, technician=technician)
    assert count_queries(client, reverse("interventions-visits")) == few
