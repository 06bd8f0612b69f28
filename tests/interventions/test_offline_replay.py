"""The tablet's actions replayed after working offline (docs/offline.md): idempotency keys,
JSON answers, conflicts, device times."""

import datetime
import threading
import uuid

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interventions import services
from interventions.models import InterventionEvent, PartUsed, ReplayedAction, Visit
from tests.factories import PartFactory
from tests.interventions.tablet_helpers import assigned_job

pytestmark = pytest.mark.django_db


def replay(client, url, data=None, *, key=None, device_time=None, **headers):
    headers = {
        "Idempotency-Key": key or str(uuid.uuid4()),
        "X-Offline-Replay": "1",
        **headers,
    }
    if device_time is not None:
        headers["X-Device-Time"] = device_time.isoformat()
    return client.post(url, data or {}, headers=headers)


def url(name, job, *args):
    return reverse(name, args=[job.pk, *args])


@pytest.fixture
def tablet(client, technician):
    client.force_login(technician)
    return client


@pytest.fixture
def job(technician, dispatcher):
    """Called in three hours ago."""
    return assigned_job(
        technician, dispatcher, requested_at=timezone.now() - datetime.timedelta(hours=3)
    )


# Idempotency ------------------------------------------------------------------------------


def test_arrival_replayed_twice_makes_one_visit_at_the_device_time(tablet, job):
    device = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=40)
    key = str(uuid.uuid4())
    first = replay(tablet, url("interventions-work-arrive", job), key=key, device_time=device)
    again = replay(tablet, url("interventions-work-arrive", job), key=key, device_time=device)

    assert first.status_code == 200
    body = first.json()
    assert body["ok"] is True
    visit = Visit.objects.get(intervention=job)
    assert body["visit_id"] == visit.pk
    assert body["versions"]["visits"] == {str(visit.pk): 0}
    assert visit.arrived_at == device
    assert again.status_code == 200
    assert again.json() == body
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Visit.objects.filter(intervention=job).count() == 1
    event = job.events.get(code=InterventionEvent.Code.VISIT_ARRIVED)
    assert event.data["device_time"] == device.isoformat()
    received = datetime.datetime.fromisoformat(event.data["received_at"])
    assert abs(received - timezone.now()) < datetime.timedelta(minutes=1)


def test_part_added_twice_with_one_key_is_one_line_and_removed_by_the_key_of_the_add(tablet, job):
    part = PartFactory(name="Toner HP 59A")
    key = str(uuid.uuid4())
    data = {"part": part.pk, "quantity": "2", "version": "0"}
    first = replay(tablet, url("interventions-work-part-add", job), data, key=key)
    again = replay(tablet, url("interventions-work-part-add", job), data, key=key)

    assert first.status_code == again.status_code == 200
    line = PartUsed.objects.get(intervention=job)
    assert first.json()["part_line_id"] == line.pk
    assert first.json()["versions"]["parts"] == 1
    assert again.json() == first.json()

    removed = replay(
        tablet,
        url("interventions-work-part-remove", job, 0),
        {"version": "1", "created_by_key": key},
    )
    assert removed.status_code == 200, removed.content
    assert removed.json()["versions"]["parts"] == 2
    assert not PartUsed.objects.filter(intervention=job).exists()


def test_a_key_used_for_another_action_is_refused_in_french(tablet, job):
    key = str(uuid.uuid4())
    assert replay(tablet, url("interventions-work-arrive", job), key=key).status_code == 200
    other = replay(tablet, url("interventions-work-resolve", job), key=key)
    assert other.status_code == 422
    assert "clé" in other.json()["errors"]["__all__"][0]
    job.refresh_from_db()
    assert job.outcome == ""


def test_a_replay_without_key_is_refused_and_changes_nothing(tablet, job):
    response = tablet.post(url("interventions-work-arrive", job), headers={"X-Offline-Replay": "1"})
    assert response.status_code == 422
    assert response.json()["errors"]["__all__"] == [
        "Chaque modification envoyée par la tablette doit porter sa clé d’idempotence."
    ]
    assert not Visit.objects.filter(intervention=job).exists()


def test_keys_are_per_user(client, job, technician, dispatcher):
    """Two technicians' tablets may (by chance) make the same key: each runs once for its
    user."""
    key = str(uuid.uuid4())
    client.force_login(technician)
    assert replay(client, url("interventions-work-arrive", job), key=key).status_code == 200
    assert ReplayedAction.objects.filter(key=key, user=technician).count() == 1


def test_a_refused_action_is_stored_and_a_5xx_is_not(tablet, job, monkeypatch):
    key = str(uuid.uuid4())
    refused = replay(tablet, url("interventions-work-follow-up", job), {"reason": ""}, key=key)
    assert refused.status_code == 422
    assert ReplayedAction.objects.get(key=key).status == 422

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    other = str(uuid.uuid4())
    monkeypatch.setattr(services, "intervention_resolve", broken)
    with pytest.raises(RuntimeError):
        replay(tablet, url("interventions-work-resolve", job), key=other)
    assert not ReplayedAction.objects.filter(key=other).exists()


def test_old_keys_are_forgotten_after_the_configured_days(tablet, job, technician, settings):
    settings.OFFLINE_KEY_DAYS = 30
    old = ReplayedAction.objects.create(
        user=technician,
        key=str(uuid.uuid4()),
        method="POST",
        path="/x/",
        status=200,
        created_at=timezone.now() - datetime.timedelta(days=31),
    )
    recent = ReplayedAction.objects.create(
        user=technician,
        key=str(uuid.uuid4()),
        method="POST",
        path="/x/",
        status=200,
        created_at=timezone.now() - datetime.timedelta(days=29),
    )
    assert replay(tablet, url("interventions-work-arrive", job)).status_code == 200
    assert not ReplayedAction.objects.filter(pk=old.pk).exists()
    assert ReplayedAction.objects.filter(pk=recent.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_copies_of_one_action_sent_at_once_add_one_part(technician, dispatcher):
    job = assigned_job(technician, dispatcher)
    part = PartFactory()
    key = str(uuid.uuid4())
    barrier = threading.Barrier(2)
    answers, errors = [], []

    def tablet():
        try:
            client = Client()
            client.force_login(technician)
            barrier.wait()
            answers.append(
                replay(
                    client,
                    url("interventions-work-part-add", job),
                    {"part": part.pk, "quantity": "1", "version": "0"},
                    key=key,
                )
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=tablet) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert connection.vendor == "postgresql"
    assert errors == []
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert sorted(a.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert PartUsed.objects.filter(intervention=job).count() == 1
    assert job.events.filter(code=InterventionEvent.Code.PART_ADDED).count() == 1


# The pages without the header -------------------------------------------------------------


def test_without_the_replay_header_the_page_still_redirects(tablet, job):
    response = tablet.post(url("interventions-work-arrive", job))
    assert response.status_code == 302
    assert response["Location"].endswith("#visits")


def test_a_form_post_with_a_key_but_no_replay_header_runs_once(tablet, job):
    key = str(uuid.uuid4())
    first = tablet.post(url("interventions-work-arrive", job), headers={"Idempotency-Key": key})
    again = tablet.post(url("interventions-work-arrive", job), headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 302
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true"
    assert Visit.objects.filter(intervention=job).count() == 1


# JSON answers: 401, 403, 404, 422 ---------------------------------------------------------


def test_a_replay_after_the_session_ended_asks_to_log_in(client, job):
    response = replay(client, url("interventions-work-arrive", job))
    assert response.status_code == 401
    assert response.json()["login_required"] is True
    assert not ReplayedAction.objects.exists()


def test_a_job_handed_to_someone_else_is_a_json_404(client, job, other_technician):
    client.force_login(other_technician)
    response = replay(client, url("interventions-work-arrive", job))
    assert response.status_code == 404
    assert "n’est plus" in response.json()["error"] or "plus parmi" in response.json()["error"]
    assert not Visit.objects.exists()


def test_the_dispatcher_replaying_a_tablet_action_is_a_json_403(client, job, dispatcher):
    client.force_login(dispatcher)
    response = replay(client, url("interventions-work-arrive", job))
    assert response.status_code == 403
    assert response.json()["error"]


def test_invalid_input_is_a_422_with_french_messages_per_field(tablet, job):
    response = replay(
        tablet, url("interventions-work-part-add", job), {"quantity": "0", "version": "0"}
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "quantity" in errors
    assert all(isinstance(m, str) and m for messages in errors.values() for m in messages)


# Conflicts --------------------------------------------------------------------------------


def test_texts_written_offline_on_an_old_version_conflict_with_the_office_and_keep_both(
    tablet, job, dispatcher
):
    services.report_update(
        intervention=job, actor=dispatcher, version=0, diagnostics="Vu au téléphone : bourrage."
    )
    response = replay(
        tablet,
        url("interventions-work-report", job),
        {"diagnostics": "Rouleau usé.", "work_done": "Rouleau changé.", "version": "0"},
    )
    assert response.status_code == 409
    conflict = response.json()["conflict"]
    assert conflict["field"] == "texts"
    assert conflict["yours"] == {"diagnostics": "Rouleau usé.", "work_done": "Rouleau changé."}
    assert conflict["theirs"]["diagnostics"] == "Vu au téléphone : bourrage."
    assert conflict["by"] == dispatcher.get_full_name()
    assert conflict["version"] == 1
    assert "Votre saisie n’a pas été enregistrée" in conflict["message"]
    assert response.json()["versions"]["texts"] == 1
    job.refresh_from_db()
    assert job.diagnostics == "Vu au téléphone : bourrage."
    assert job.work_done == ""

    # The technician keeps theirs: a new action, at the conflict's version, with a new key.
    again = replay(
        tablet,
        url("interventions-work-report", job),
        {"diagnostics": "Rouleau usé.", "work_done": "Rouleau changé.", "version": "1"},
    )
    assert again.status_code == 200
    assert again.json()["versions"]["texts"] == 2
    job.refresh_from_db()
    assert (job.diagnostics, job.work_done) == ("Rouleau usé.", "Rouleau changé.")


def test_a_part_added_offline_on_an_old_list_is_a_conflict_showing_both_lists(
    tablet, job, dispatcher
):
    theirs = PartFactory(name="Kit de fusion")
    mine = PartFactory(name="Toner HP 59A")
    services.part_add(intervention=job, part=theirs, quantity=1, actor=dispatcher, version=0)
    response = replay(
        tablet,
        url("interventions-work-part-add", job),
        {"part": mine.pk, "quantity": "2", "version": "0"},
    )
    assert response.status_code == 409
    conflict = response.json()["conflict"]
    assert conflict["field"] == "parts"
    assert conflict["yours"] == {"part": str(mine.pk), "description": "", "quantity": "2"}
    assert [p["designation"] for p in conflict["theirs"]["parts"]] == ["Kit de fusion"]
    assert conflict["version"] == 1
    assert list(PartUsed.objects.values_list("description", flat=True)) == ["Kit de fusion"]


# Device time ------------------------------------------------------------------------------


def test_a_device_time_in_the_future_is_refused_in_french(tablet, job, settings):
    settings.OFFLINE_CLOCK_SKEW_MINUTES = 5
    ahead = timezone.now() + datetime.timedelta(minutes=30)
    response = replay(tablet, url("interventions-work-arrive", job), device_time=ahead)
    assert response.status_code == 422
    assert "dans le futur" in response.json()["errors"]["__all__"][0]
    assert not Visit.objects.exists()


def test_a_device_time_a_little_ahead_is_accepted(tablet, job, settings):
    settings.OFFLINE_CLOCK_SKEW_MINUTES = 5
    ahead = timezone.now().replace(microsecond=0) + datetime.timedelta(minutes=2)
    response = replay(tablet, url("interventions-work-arrive", job), device_time=ahead)
    assert response.status_code == 200
    assert Visit.objects.get().arrived_at == ahead


def test_a_device_time_before_the_request_is_refused(tablet, job):
    before = job.requested_at - datetime.timedelta(days=2)
    response = replay(tablet, url("interventions-work-arrive", job), device_time=before)
    assert response.status_code == 422
    assert "avant la demande" in response.json()["errors"]["__all__"][0]


def test_a_device_time_without_offset_is_refused(tablet, job):
    response = replay(
        tablet,
        url("interventions-work-arrive", job),
        **{"X-Device-Time": "2026-11-30T09:05:00"},
    )
    assert response.status_code == 422
    assert not Visit.objects.exists()


def test_departure_of_the_open_visit_at_the_device_time(tablet, job):
    arrived = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2)
    left = arrived + datetime.timedelta(minutes=95)
    arrive_key = str(uuid.uuid4())
    replay(tablet, url("interventions-work-arrive", job), key=arrive_key, device_time=arrived)

    response = replay(
        tablet,
        url("interventions-work-depart", job, 0),
        {"travel_km": "12.5", "travel_minutes": "20", "created_by_key": arrive_key},
        device_time=left,
    )
    assert response.status_code == 200, response.content
    visit = Visit.objects.get()
    assert (visit.arrived_at, visit.left_at, str(visit.travel_km)) == (arrived, left, "12.5")
    event = job.events.get(code=InterventionEvent.Code.VISIT_DEPARTED)
    assert event.data["device_time"] == left.isoformat()
    assert "received_at" in event.data


def test_departure_before_the_arrival_is_refused(tablet, job):
    arrived = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=1)
    replay(tablet, url("interventions-work-arrive", job), device_time=arrived)
    response = replay(
        tablet,
        url("interventions-work-depart", job, 0),
        {"travel_km": "0", "travel_minutes": "0"},
        device_time=arrived - datetime.timedelta(minutes=5),
    )
    assert response.status_code == 422
    assert "après l’arrivée" in response.json()["errors"]["__all__"][0]
    assert Visit.objects.get().left_at is None


def test_departure_without_an_open_visit_is_a_french_422(tablet, job):
    response = replay(
        tablet, url("interventions-work-depart", job, 0), {"travel_km": "0", "travel_minutes": "0"}
    )
    assert response.status_code == 422
    assert response.json()["errors"]["__all__"] == [
        "Vous n’avez pas de visite en cours sur cette intervention."
    ]


def test_resolution_marked_offline_keeps_the_device_time(tablet, job):
    at = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=10)
    response = replay(tablet, url("interventions-work-resolve", job), device_time=at)
    assert response.status_code == 200, response.content.decode()
    job.refresh_from_db()
    assert (job.outcome, job.resolved_at) == ("resolved", at)


# CSRF -------------------------------------------------------------------------------------


def test_replay_needs_a_csrf_token_and_the_endpoint_gives_a_fresh_one(technician, job):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(technician)
    browser.get(reverse("interventions-mine"))  # sets the CSRF cookie, as any page

    stale = replay(browser, url("interventions-work-arrive", job), **{"X-CSRFToken": "x" * 64})
    assert stale.status_code == 403
    assert stale.json()["csrf"] is True
    assert not ReplayedAction.objects.exists()

    token = browser.get(reverse("interventions-offline-csrf")).json()["csrf_token"]
    fresh = replay(browser, url("interventions-work-arrive", job), **{"X-CSRFToken": token})
    assert fresh.status_code == 200
    assert Visit.objects.count() == 1


def test_the_csrf_endpoint_asks_to_log_in_when_the_session_is_gone(client):
    response = client.get(reverse("interventions-offline-csrf"))
    assert response.status_code == 401
    assert response.json()["login_required"] is True


def test_the_purge_command_deletes_only_the_expired_keys(technician, settings):
    from django.core.management import call_command

    settings.OFFLINE_KEY_DAYS = 30
    ages = {"old": 31, "young": 2}
    for name, days in ages.items():
        ReplayedAction.objects.create(
            user=technician,
            key=f"key-{name}-0000",
            method="POST",
            path="/x/",
            status=200,
            created_at=timezone.now() - datetime.timedelta(days=days),
        )
    call_command("offline_purge_keys")
    assert list(ReplayedAction.objects.values_list("key", flat=True)) == ["key-young-0000"]


def test_a_visit_corrected_offline_on_an_old_version_is_a_conflict(tablet, job, dispatcher):
    arrived = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2)
    key = str(uuid.uuid4())
    replay(tablet, url("interventions-work-arrive", job), key=key, device_time=arrived)
    visit = Visit.objects.get()
    services.visit_update(
        visit=visit,
        actor=dispatcher,
        arrived_at=arrived - datetime.timedelta(minutes=10),
        left_at=arrived + datetime.timedelta(minutes=30),
        travel_km=5,
        travel_minutes=10,
        version=0,
    )
    local_arrival = timezone.localtime(arrived)
    response = replay(
        tablet,
        url("interventions-work-visit", job, 0),
        {
            "created_by_key": key,
            "arrived_at": local_arrival.strftime("%Y-%m-%dT%H:%M"),
            "left_at": (local_arrival + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "travel_km": "8",
            "travel_minutes": "15",
            "version": "0",
        },
    )
    assert response.status_code == 409
    conflict = response.json()["conflict"]
    assert conflict["field"] == "visit"
    assert conflict["yours"]["travel_km"] == "8"
    assert conflict["version"] == 1
    visit.refresh_from_db()
    assert visit.travel_km == 5


def test_another_request_replayed_once_gives_the_new_number(tablet, job):
    key = str(uuid.uuid4())
    data = {"object": "Le modem de l’accueil"}
    first = replay(tablet, url("interventions-work-other-request", job), data, key=key)
    again = replay(tablet, url("interventions-work-other-request", job), data, key=key)
    assert first.status_code == 200
    assert again.json()["child_number"] == first.json()["child_number"]
    assert job.children.count() == 1


def test_an_action_not_kept_offline_is_refused_on_replay_and_run_once_with_a_key(
    tablet, job, technician, other_technician
):
    handover = url("interventions-work-handover", job)
    data = {
        "to_technician": other_technician.pk,
        "note": "Je pars en congés",
        "version": job.assignment_version,
    }
    refused = replay(tablet, handover, data)
    assert refused.status_code == 422
    assert refused.json()["errors"]["__all__"] == [
        "Cette action n’est pas gardée hors ligne\u00a0: refaites-la avec le réseau."
    ]
    job.refresh_from_db()
    assert job.technician == technician
    assert not ReplayedAction.objects.exists()

    key = str(uuid.uuid4())
    first = tablet.post(handover, data, headers={"Idempotency-Key": key})
    again = tablet.post(handover, data, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 302
    assert again["Idempotent-Replayed"] == "true"
    job.refresh_from_db()
    assert job.technician == other_technician
    assert job.events.filter(code=InterventionEvent.Code.HANDOVER).count() == 1


# Refusals as 422 errors ---------------------------------------------------------------------


def test_a_workflow_refusal_reaches_the_tablet_with_its_message():
    """A replayed arrival, submission or signature that the workflow refuses answered 422 with
    no message at all (arrival) or folded a form's fields (submission): one mapping for all."""
    from django.core.exceptions import ValidationError

    from interventions.idempotency import errors_of
    from interventions.workflow import TransitionError

    assert errors_of(TransitionError("Transition refusée : annulée → en cours.")) == {
        "__all__": ["Transition refusée : annulée → en cours."]
    }
    assert errors_of(ValidationError({"reason": ["Indiquez le motif."]})) == {
        "reason": ["Indiquez le motif."]
    }
    assert errors_of(ValidationError("Rapport verrouillé.")) == {"__all__": ["Rapport verrouillé."]}
