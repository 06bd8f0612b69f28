"""Handover reaches the right person: the receiving technician reads the note on top of the
tablet page, the history is one tap away, and each technician corrects only their own visits."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from interventions import roles, services
from interventions.models import InterventionEvent, Visit
from tests.factories import UserFactory

from .tablet_helpers import assigned_job


@pytest.fixture
def karim(db):
    return UserFactory(
        username="karim", first_name="Karim", last_name="Haddad", role=roles.TECHNICIAN
    )


@pytest.fixture
def julie(db):
    return UserFactory(
        username="julie", first_name="Julie", last_name="Martin", role=roles.TECHNICIAN
    )


@pytest.fixture
def handed_over(karim, julie, dispatcher):
    """Karim came, left, and handed the job to Julie with a note."""
    job = assigned_job(karim, dispatcher)
    now = timezone.now()
    services.visit_record(
        intervention=job,
        technician=karim,
        arrived_at=now - datetime.timedelta(hours=3),
        left_at=now - datetime.timedelta(hours=2),
        travel_km=Decimal("12.0"),
    )
    services.intervention_handover(
        intervention=job,
        to_technician=julie,
        actor=karim,
        note="Câble changé.\nReste à installer le pilote.",
    )
    job.refresh_from_db()
    return job


def work_page(client, job) -> str:
    return unescape(client.get(reverse("interventions-work", args=[job.pk])).content.decode())


def test_receiving_technician_reads_the_handover_note_on_top(client, julie, handed_over):
    client.force_login(julie)
    html = work_page(client, handed_over)
    event = InterventionEvent.objects.get(kind="handover")
    at = date_format(timezone.localtime(event.at), "SHORT_DATETIME_FORMAT")
    note = html.index('data-testid="handover-note"')
    assert f"Vous a été transmise par Karim Haddad le {at}" in html
    assert "Câble changé.\nReste à installer le pilote." in html[note:]
    assert "auparavant confiée" not in html  # Karim handed over himself
    assert note < html.index("Matériel et droits")  # above the job's details


def test_office_handover_names_who_had_the_job(client, dispatcher, karim, julie):
    job = assigned_job(karim, dispatcher)
    services.intervention_handover(
        intervention=job, to_technician=julie, actor=dispatcher, note="Karim est malade."
    )
    client.force_login(julie)
    html = work_page(client, job)
    assert f"Vous a été transmise par {dispatcher.get_full_name()} le" in html
    assert "auparavant confiée à Karim Haddad" in html
    assert "Karim est malade." in html


def test_no_note_without_a_handover_to_this_technician(client, dispatcher, karim, julie):
    job = assigned_job(karim, dispatcher)
    client.force_login(karim)
    assert 'data-testid="handover-note"' not in work_page(client, job)
    # Handed to Julie, then given back to Karim by the dispatcher: Karim received no handover.
    services.intervention_handover(intervention=job, to_technician=julie, actor=karim, note="x")
    services.intervention_assign(intervention=job, technician=karim, actor=dispatcher)
    assert 'data-testid="handover-note"' not in work_page(client, job)


def test_handover_written_before_ids_were_stored_is_still_shown(client, karim, julie):
    job = assigned_job(julie)
    InterventionEvent.objects.create(
        intervention=job,
        kind="handover",
        actor=karim,
        note="Ancienne note.",
        data={"from": "karim", "from_name": "Karim Haddad", "to": "julie", "to_name": "J. M."},
    )
    client.force_login(julie)
    html = work_page(client, job)
    assert "Vous a été transmise par Karim Haddad le" in html and "Ancienne note." in html


def test_history_is_one_tap_from_the_tablet(client, julie, handed_over):
    client.force_login(julie)
    html = work_page(client, handed_over)
    detail = reverse("interventions-detail", args=[handed_over.pk])
    assert f'href="{detail}#history" data-testid="history-link"' in html
    page = unescape(client.get(detail).content.decode()).replace("\u00a0", " ")
    assert 'id="history"' in page
    assert "Transmission : Karim Haddad → Julie Martin" in re.sub(r"<[^>]+>", "", page)


def test_work_page_queries_do_not_grow_with_visits_and_handovers(client, dispatcher, karim, julie):
    job = assigned_job(julie, dispatcher)
    now = timezone.now()

    def visit(who, hours):
        services.visit_record(
            intervention=job,
            technician=who,
            arrived_at=now - datetime.timedelta(hours=hours),
            left_at=now - datetime.timedelta(hours=hours - 1),
        )

    visit(julie, 10)
    services.intervention_handover(intervention=job, to_technician=karim, actor=julie, note="a")
    client.force_login(karim)
    url = reverse("interventions-work", args=[job.pk])
    client.get(url)  # the session is read once
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for hours in range(8, 0, -2):
        visit(karim if hours % 4 else julie, hours)
    services.intervention_handover(intervention=job, to_technician=julie, actor=karim, note="b")
    services.intervention_handover(intervention=job, to_technician=karim, actor=julie, note="c")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["visits"]) == 5
    assert response.context["handover"].note == "c"
    assert len(many.captured_queries) == len(few.captured_queries) <= 20


# --- visits: each technician corrects their own ----------------------------------------


def correction(visit):
    return {
        "visit": visit,
        "arrived_at": visit.arrived_at - datetime.timedelta(minutes=10),
        "left_at": visit.left_at,
        "travel_km": Decimal("99.0"),
        "travel_minutes": 40,
    }


def test_technician_cannot_correct_another_technicians_visit(julie, handed_over):
    visit = handed_over.visits.get()
    with pytest.raises(ValidationError) as refused:
        services.visit_update(actor=julie, **correction(visit))
    assert refused.value.messages == [
        "Ce passage est celui de Karim Haddad\u00a0: seul ce technicien peut le modifier."
    ]
    with pytest.raises(ValidationError):
        services.visit_depart(visit=visit, actor=julie)
    visit.refresh_from_db()
    assert visit.travel_km == Decimal("12.0")
    assert not InterventionEvent.objects.filter(code="visit_corrected").exists()


@pytest.mark.parametrize("who", ["karim", "manager", "dispatcher"])
def test_own_technician_and_office_may_correct_a_visit(request, handed_over, who):
    visit = handed_over.visits.get()
    services.visit_update(actor=request.getfixturevalue(who), **correction(visit))
    visit.refresh_from_db()
    assert visit.travel_km == Decimal("99.0")


def test_tablet_shows_other_technicians_visits_read_only(client, julie, handed_over):
    now = timezone.now()
    own = services.visit_arrive(intervention=handed_over, technician=julie, at=now)
    theirs = Visit.objects.get(technician__username="karim")
    client.force_login(julie)
    html = work_page(client, handed_over)
    own_url = reverse("interventions-work-visit", args=[handed_over.pk, own.pk])
    their_url = reverse("interventions-work-visit", args=[handed_over.pk, theirs.pk])
    assert f'href="{own_url}" data-testid="correct-visit"' in html
    assert f'href="{their_url}" data-testid="visit-read-only-link"' in html
    assert f'href="{their_url}" data-testid="correct-visit"' not in html

    page = client.get(their_url)
    body = unescape(page.content.decode())
    assert page.status_code == 200
    assert 'data-testid="visit-read-only"' in body and "<form" not in body.split("<main")[-1]
    assert "Passage de Karim Haddad : en lecture seule" in body.replace("\u00a0", " ")

    data = {
        "arrived_at": timezone.localtime(theirs.arrived_at).strftime("%Y-%m-%dT%H:%M"),
        "left_at": timezone.localtime(theirs.left_at).strftime("%Y-%m-%dT%H:%M"),
        "travel_km": "99",
        "travel_minutes": "40",
        "version": theirs.version,
    }
    refused = client.post(their_url, data)
    assert refused.status_code == 403
    assert "Ce passage est celui de Karim Haddad" in unescape(refused.content.decode())
    theirs.refresh_from_db()
    assert theirs.travel_km == Decimal("12.0")


def test_handing_over_technician_still_corrects_their_own_visit(client, karim, julie, handed_over):
    visit = handed_over.visits.get()
    client.force_login(karim)
    detail = reverse("interventions-detail", args=[handed_over.pk])
    url = reverse("interventions-work-visit", args=[handed_over.pk, visit.pk])
    assert f'href="{url}" data-testid="correct-own-visit"' in client.get(detail).content.decode()
    response = client.post(
        url,
        {
            "arrived_at": timezone.localtime(visit.arrived_at).strftime("%Y-%m-%dT%H:%M"),
            "left_at": timezone.localtime(visit.left_at).strftime("%Y-%m-%dT%H:%M"),
            "travel_km": "15",
            "travel_minutes": "20",
            "version": visit.version,
        },
    )
    assert response.status_code == 302 and response["Location"] == detail
    visit.refresh_from_db()
    assert visit.travel_km == Decimal("15.0")
    # Julie's visits stay hers: Karim does not even reach them.
    julies = services.visit_arrive(intervention=handed_over, technician=julie)
    other = reverse("interventions-work-visit", args=[handed_over.pk, julies.pk])
    assert client.get(other).status_code == 404
