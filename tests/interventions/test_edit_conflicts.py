"""Two people saving the same thing at once: the second save, read at an older version, is
refused with the other person's change, and nothing is silently lost (issue 15, lost updates)."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interventions import services
from interventions.models import Intervention, InterventionEvent
from interventions.services import EditConflict
from procedures import selectors as procedure_selectors
from procedures import services as procedure_services
from tests.factories import PartFactory
from tests.interventions.tablet_helpers import assigned_job
from tests.procedures.conftest import build_printer_tree


def url(name, job, *args):
    return reverse(name, args=[job.pk, *args])


def autosave(client, job, version, **texts):
    return client.post(url("interventions-work-report", job), {"version": version, **texts})


def test_two_saves_read_at_the_same_version_second_is_refused_with_the_first_text(
    client, technician, dispatcher
):
    job = assigned_job(technician)
    version = job.texts_version
    first, second = Client(), Client()
    first.force_login(technician)
    second.force_login(technician)

    one = autosave(first, job, version, diagnostics="Tablette 1 : fusible HS")
    two = autosave(second, job, version, diagnostics="Tablette 2 : carte mère")

    assert one.status_code == 200 and one.json()["saved"] is True
    assert two.status_code == 409
    body = two.json()
    assert body["saved"] is False and body["conflict"] is True
    assert body["theirs"]["diagnostics"] == "Tablette 1 : fusible HS"
    assert body["version"] == version + 1
    assert "Pendant que vous écriviez" in body["error"] or "While you were" in body["error"]
    job.refresh_from_db()
    assert job.diagnostics == "Tablette 1 : fusible HS"
    assert job.texts_version == version + 1


def test_the_conflict_names_who_changed_it_and_when_in_french(client, technician, settings):
    settings.LANGUAGE_CODE = "fr"
    job = assigned_job(technician)
    services.report_update(intervention=job, actor=technician, diagnostics="Premier texte")
    client.force_login(technician)
    response = autosave(client, job, 0, diagnostics="Mon texte", HTTP_ACCEPT_LANGUAGE="fr")
    body = response.json()
    assert response.status_code == 409
    assert body["error"].startswith("Pendant que vous écriviez, ")
    assert body["by"] == (technician.get_full_name() or technician.get_username())
    assert body["by"] in body["error"] and body["at"] in body["error"]


def test_saving_with_the_returned_version_goes_on(client, technician):
    job = assigned_job(technician)
    client.force_login(technician)
    first = autosave(client, job, job.texts_version, work_done="Nettoyage")
    second = autosave(client, job, first.json()["version"], work_done="Nettoyage, test OK")
    assert second.status_code == 200
    job.refresh_from_db()
    assert job.work_done == "Nettoyage, test OK" and job.texts_version == 2


def test_a_stale_save_of_the_texts_already_saved_is_not_a_conflict(client, technician):
    """A beacon sent before a page change, then the same texts re-sent from the tablet."""
    job = assigned_job(technician)
    client.force_login(technician)
    autosave(client, job, 0, diagnostics="Même texte", work_done="", remarks="")
    again = autosave(client, job, 0, diagnostics="Même texte", work_done="", remarks="")
    assert again.status_code == 200 and again.json()["version"] == 1


def test_a_save_without_version_is_refused_and_saves_nothing(client, technician):
    job = assigned_job(technician)
    client.force_login(technician)
    response = client.post(url("interventions-work-report", job), {"diagnostics": "x"})
    assert response.status_code == 400 and response.json()["saved"] is False
    job.refresh_from_db()
    assert job.diagnostics == "" and job.texts_version == 0


def test_the_diagnostic_append_bumps_the_version_so_the_tablet_sees_the_conflict(
    client, technician, dispatcher, manager
):
    job = assigned_job(technician)
    version = job.texts_version
    # The dispatcher's diagnostic run, on the phone, appends its path to the diagnostics.
    run = procedure_services.diagnostic_start(
        intervention=job, procedure=build_printer_tree(manager), actor=dispatcher
    )
    for label in ("Non", "Oui"):
        current = procedure_selectors.diagnostic_current_step(run)
        procedure_services.diagnostic_answer(
            run=run, answer=current.answers.get(label=label), actor=dispatcher
        )
    job.refresh_from_db()
    assert job.texts_version == version + 1
    client.force_login(technician)
    response = autosave(client, job, version, diagnostics="Texte de la tablette")
    assert response.status_code == 409
    assert response.json()["theirs"]["diagnostics"] == job.diagnostics
    job.refresh_from_db()
    assert "Texte de la tablette" not in job.diagnostics


def test_service_refuses_a_stale_version(technician):
    job = assigned_job(technician)
    services.report_update(intervention=job, actor=technician, version=0, remarks="A")
    with pytest.raises(EditConflict) as caught:
        services.report_update(intervention=job, actor=technician, version=0, remarks="B")
    assert caught.value.theirs["remarks"] == "A"
    assert caught.value.version == 1
    assert Intervention.objects.get(pk=job.pk).remarks == "A"


# --- Report text events ---------------------------------------------------------------------


def report_events(job):
    return list(
        InterventionEvent.objects.filter(
            intervention=job, code=InterventionEvent.Code.REPORT_TEXT
        ).order_by("at", "pk")
    )


def test_every_report_text_change_writes_an_event_with_before_and_after(technician, dispatcher):
    job = assigned_job(technician)
    services.report_update(intervention=job, actor=technician, diagnostics="Avant")
    services.report_update(intervention=job, actor=dispatcher, diagnostics="Après")
    events = report_events(job)
    assert [(e.actor, e.data["field"], e.data["before"], e.data["after"]) for e in events] == [
        (technician, "diagnostics", "", "Avant"),
        (dispatcher, "diagnostics", "Avant", "Après"),
    ]


def test_autosaves_of_one_person_within_the_window_make_one_event(technician):
    job = assigned_job(technician)
    for text in ("C", "Ca", "Cartouche", "Cartouche recyclée"):
        services.report_update(intervention=job, actor=technician, diagnostics=text)
    events = report_events(job)
    assert len(events) == 1
    from interventions.history import intervention_history

    lines = [line for line in intervention_history(job) if line.event.pk == events[0].pk]
    assert "Cartouche recyclée" in lines[0].change
    assert lines[0].change == "diagnostics et observations, — → «\u00a0Cartouche recyclée\u00a0»"


def test_a_new_event_after_the_window(technician):
    job = assigned_job(technician)
    services.report_update(intervention=job, actor=technician, remarks="Un")
    later = timezone.now() + datetime.timedelta(minutes=11)
    services.report_update(intervention=job, actor=technician, remarks="Deux", now=later)
    events = report_events(job)
    assert [(e.data["before"], e.data["after"]) for e in events] == [("", "Un"), ("Un", "Deux")]


def test_history_shows_the_latest_after_of_a_coalesced_event_in_french(
    client, technician, dispatcher, settings
):
    job = assigned_job(technician)
    services.report_update(intervention=job, actor=technician, work_done="Toner")
    services.report_update(intervention=job, actor=technician, work_done="Toner remplacé")
    services.report_update(intervention=job, actor=dispatcher, work_done="Toner remplacé, OK")
    client.force_login(dispatcher)
    page = client.get(
        reverse("interventions-detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "travaux réalisés, «\u00a0Toner remplacé\u00a0» → «\u00a0Toner remplacé, OK" in page
    assert "travaux réalisés, —" in page


# --- PostgreSQL: two clients at once --------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tablets_saving_at_once_exactly_one_wins(technician):
    job = assigned_job(technician)
    version = job.texts_version
    rounds, barrier, results = 20, threading.Barrier(2), []
    lock = threading.Lock()

    def tablet(name, round_version):
        browser = Client()
        browser.force_login(technician)
        try:
            barrier.wait()
            response = autosave(browser, job, round_version, diagnostics=f"{name} {round_version}")
            with lock:
                results.append((round_version, name, response.status_code))
        finally:
            connections.close_all()

    for _ in range(rounds):
        threads = [threading.Thread(target=tablet, args=(n, version)) for n in ("A", "B")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        version += 1
    assert connection.vendor == "postgresql"
    for round_version in range(job.texts_version, job.texts_version + rounds):
        codes = sorted(code for v, _, code in results if v == round_version)
        assert codes == [200, 409], (round_version, codes)
    job.refresh_from_db()
    assert job.texts_version == version
    winners = {(v, n) for v, n, code in results if code == 200}
    assert job.diagnostics in {f"{n} {v}" for v, n in winners}


def test_two_pages_of_one_person_are_two_sessions(technician):
    """Two tablets of one technician: the second overwriting the first is its own event."""
    job = assigned_job(technician)
    services.report_update(intervention=job, actor=technician, page="tablette-1", remarks="Un")
    services.report_update(intervention=job, actor=technician, page="tablette-2", remarks="Deux")
    services.report_update(intervention=job, actor=technician, page="tablette-2", remarks="Trois")
    events = report_events(job)
    assert [(e.data["before"], e.data["after"]) for e in events] == [("", "Un"), ("Un", "Deux")]


# --- Assignment, visits, parts ---------------------------------------------------------------


def test_assignment_read_at_an_older_version_is_refused_and_keeps_the_input(
    client, dispatcher, technician, other_technician
):
    job = assigned_job(technician, dispatcher)
    read_at = job.assignment_version
    services.intervention_assign(
        intervention=job, technician=other_technician, actor=dispatcher, version=read_at
    )
    client.force_login(dispatcher)
    day = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    response = client.post(
        reverse("interventions-assign", args=[job.pk]),
        {
            "technician": technician.pk,
            "scheduled_start": f"{day}T09:00",
            "scheduled_end": f"{day}T10:00",
            "version": read_at,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Pendant que vous écriviez" in page and "qui fait cette intervention" in page
    assert other_technician.get_full_name() in page
    assert f'value="{day}T09:00"' in page  # what the dispatcher typed is kept
    assert f'name="version" value="{read_at + 1}"' in page  # saving again is a choice
    job.refresh_from_db()
    assert job.technician == other_technician and job.assignment_version == read_at + 1


def test_handover_read_at_an_older_version_is_refused(dispatcher, technician, other_technician):
    job = assigned_job(technician, dispatcher)
    services.intervention_assign(
        intervention=job, technician=other_technician, actor=dispatcher, version=1
    )
    with pytest.raises(EditConflict):
        services.intervention_handover(
            intervention=job, to_technician=technician, actor=technician, note="fait", version=1
        )


def test_visit_correction_read_at_an_older_version_is_refused_and_keeps_the_input(
    client, technician
):
    job = assigned_job(technician)
    visit = services.visit_arrive(intervention=job, technician=technician)
    services.visit_depart(visit=visit, actor=technician, travel_km=12)
    visit.refresh_from_db()
    assert visit.version == 1
    client.force_login(technician)
    response = client.post(
        reverse("interventions-work-visit", args=[job.pk, visit.pk]),
        {
            "arrived_at": "2026-01-05T08:00",
            "left_at": "2026-01-05T09:30",
            "travel_km": "33",
            "travel_minutes": "20",
            "version": 0,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Pendant que vous écriviez" in page and "ce passage" in page
    assert 'value="33"' in page and 'name="version" value="1"' in page
    visit.refresh_from_db()
    assert visit.travel_km == 12 and visit.version == 1


def test_part_added_on_a_stale_list_is_refused_and_the_list_shows_theirs(
    client, technician, other_technician
):
    """Two technicians on one job, both see no toner, both add one: the second is told."""
    job = assigned_job(technician)
    part = PartFactory(reference="TON-59A", name="Toner 59A")
    services.part_add(intervention=job, part=part, quantity=1, actor=other_technician, version=0)
    client.force_login(technician)
    response = client.post(
        url("interventions-work-part-add", job),
        {"part": part.pk, "quantity": "2", "version": 0},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert "Pendant que vous écriviez" in body and "la liste des pièces" in body
    assert other_technician.get_full_name() in body
    assert body.count('data-testid="part-row"') == 1  # theirs, shown
    assert 'name="version" value="1"' in body
    assert job.parts.count() == 1
    job.refresh_from_db()
    assert job.parts_version == 1


def test_part_removal_on_a_stale_list_is_refused(technician, other_technician):
    job = assigned_job(technician)
    first = services.part_add(intervention=job, description="Câble", quantity=1, version=0)
    services.part_add(intervention=job, description="Prise", quantity=1, version=1)
    with pytest.raises(EditConflict):
        services.part_remove(part_used=first, actor=technician, version=1)
    assert job.parts.count() == 2


def test_part_added_is_in_the_history(client, technician, dispatcher):
    job = assigned_job(technician)
    services.part_add(intervention=job, description="Câble USB", quantity=2, actor=technician)
    client.force_login(dispatcher)
    page = client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
    assert "pièce ajoutée\u00a0: 2 × Câble USB" in page
