"""The technician's iCalendar feed: a private address with a token, their scheduled jobs
only, Paris times across a daylight-saving change, regeneration, constant queries (README,
« Agenda (iCalendar) »)."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from interventions import services
from interventions.calendar import build_calendar, calendar_feed_regenerate
from interventions.models import CalendarFeed
from tests.factories import ClientFactory, EquipmentFactory, SiteFactory, make_intervention

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS)


def _job(technician, start, hours=2, *, dispatcher=None, **kwargs):
    job = make_intervention(**kwargs)
    services.intervention_assign(
        intervention=job,
        technician=technician,
        actor=dispatcher,
        scheduled_start=start,
        scheduled_end=start + datetime.timedelta(hours=hours),
    )
    job.refresh_from_db()
    return job


def _events(body: bytes) -> dict:
    calendar = Calendar.from_ical(body)
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def _feed(token: str):
    return HttpClient().get(reverse("interventions-calendar-feed", args=[token]))


@pytest.fixture
def equipment(db):
    client = ClientFactory(name="Boulangerie Émile Fournier")
    site = SiteFactory(
        client=client,
        label="Fournil",
        address="14 rue de la Charité",
        postal_code="69002",
        city="Lyon",
        contact_name="Émile Fournier",
        contact_phone="06 12 34 56 78",
    )
    return EquipmentFactory(client=client, site=site, serial_number="E78654K1N")


def test_feed_parses_with_the_jobs_details(technician, equipment):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    job = _job(technician, _at(tomorrow, 9), equipment=equipment, object="Bourrage papier bac 2")
    feed = calendar_feed_regenerate(user=technician)
    response = _feed(feed.token)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert [tz["tzid"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == f"{job.number} — Bourrage papier bac 2"
    assert str(event["location"]) == "14 rue de la Charité, 69002 Lyon"
    assert str(event["uid"]) == f"intervention-{job.pk}@testserver"
    assert event.decoded("dtstart") == _at(tomorrow, 9)
    assert event.decoded("dtend") == _at(tomorrow, 11)
    assert event["dtstart"].params["TZID"] == "Europe/Paris"
    assert "DTSTAMP" in event
    description = str(event["description"])
    for text in (
        "Client : Boulangerie Émile Fournier",
        "Site : Fournil",
        "Émile Fournier — 06 12 34 56 78",
        "Imprimante HP LaserJet Pro M404dn (S/N E78654K1N)",
        "Objet : Bourrage papier bac 2",
        f"http://testserver/interventions/{job.pk}/work/",
    ):
        assert text.replace(" :", "\u00a0:") in description, text


def test_times_stay_right_across_the_daylight_saving_change(technician, equipment):
    """Slots at 09:00 the day before and the day after the next change of offset in Paris:
    both read 09:00 in Paris, an hour apart in UTC."""
    day = timezone.localdate()
    while _at(day, 12).utcoffset() == _at(day + datetime.timedelta(days=1), 12).utcoffset():
        day += datetime.timedelta(days=1)
    before, after = day, day + datetime.timedelta(days=1)
    first = _job(technician, _at(before, 9), equipment=equipment)
    second = _job(technician, _at(after, 9), equipment=equipment)
    now = _at(before, 8)  # the feed as read on the morning before the change
    events = _events(build_calendar(technician, base_url="https://x", host="x", now=now))
    start_1 = events[f"intervention-{first.pk}@x"].decoded("dtstart")
    start_2 = events[f"intervention-{second.pk}@x"].decoded("dtstart")
    assert (start_1.hour, start_2.hour) == (9, 9)
    assert str(start_1.tzinfo) == str(start_2.tzinfo) == "Europe/Paris"
    utc_1 = start_1.astimezone(datetime.UTC)
    utc_2 = start_2.astimezone(datetime.UTC)
    assert {utc_1.hour, utc_2.hour} == {7, 8}
    assert utc_1.hour != utc_2.hour


def test_only_the_technicians_own_scheduled_jobs_in_the_window(
    technician, other_technician, dispatcher, equipment
):
    today = timezone.localdate()
    mine = _job(technician, _at(today + datetime.timedelta(days=2), 14), equipment=equipment)
    past = _job(technician, _at(today - datetime.timedelta(days=20), 10), equipment=equipment)
    _job(other_technician, _at(today + datetime.timedelta(days=2), 14), equipment=equipment)
    _job(technician, _at(today + datetime.timedelta(days=120), 10), equipment=equipment)
    _job(technician, _at(today - datetime.timedelta(days=45), 10), equipment=equipment)
    cancelled = _job(technician, _at(today + datetime.timedelta(days=3), 8), equipment=equipment)
    services.intervention_cancel(intervention=cancelled, actor=dispatcher, reason="Doublon")
    unscheduled = make_intervention(equipment=equipment)
    services.intervention_assign(intervention=unscheduled, technician=technician)
    feed = calendar_feed_regenerate(user=technician)
    events = _events(_feed(feed.token).content)
    assert sorted(events) == sorted(f"intervention-{job.pk}@testserver" for job in (mine, past))


def test_a_new_slot_raises_the_sequence_and_keeps_the_uid(technician, equipment, dispatcher):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    job = _job(technician, _at(tomorrow, 9), equipment=equipment)
    feed = calendar_feed_regenerate(user=technician)
    uid = f"intervention-{job.pk}@testserver"
    first = _events(_feed(feed.token).content)[uid]
    services.intervention_assign(
        intervention=job,
        technician=technician,
        actor=dispatcher,
        scheduled_start=_at(tomorrow, 14),
        scheduled_end=_at(tomorrow, 16),
    )
    second = _events(_feed(feed.token).content)[uid]
    assert int(second["sequence"]) > int(first["sequence"])
    assert second.decoded("dtstart") == _at(tomorrow, 14)


def test_regenerating_the_link_kills_the_old_address(technician):
    old = calendar_feed_regenerate(user=technician).token
    assert _feed(old).status_code == 200
    http = HttpClient()
    http.force_login(technician)
    response = http.post(reverse("interventions-calendar-regenerate"), follow=True)
    assert "ne fonctionne plus" in response.content.decode()
    new = CalendarFeed.objects.get(user=technician).token
    assert new != old
    assert _feed(old).status_code == 404
    assert _feed(new).status_code == 200


@pytest.mark.parametrize(
    "token",
    ["nope", "a" * 43, "", "x" * 200],
)
def test_an_unknown_token_is_404(technician, token):
    real = calendar_feed_regenerate(user=technician).token
    if token == "":
        token = real[: CalendarFeed.SELECTOR_LENGTH] + "A" * (len(real) - 12)
    assert _feed(token).status_code == 404


def test_a_token_with_the_right_selector_but_a_wrong_secret_is_404(technician):
    real = calendar_feed_regenerate(user=technician).token
    forged = real[:-1] + ("A" if real[-1] != "A" else "B")
    assert _feed(forged).status_code == 404
    assert _feed(real).status_code == 200


def test_an_inactive_users_feed_is_404(technician):
    token = calendar_feed_regenerate(user=technician).token
    technician.is_active = False
    technician.save()
    assert _feed(token).status_code == 404


def test_the_feed_reads_in_constant_queries(technician, equipment):
    feed = calendar_feed_regenerate(user=technician)
    start = timezone.localdate() + datetime.timedelta(days=1)
    counts = []
    for size in (2, 12):
        while technician.assigned_interventions.count() < size:
            n = technician.assigned_interventions.count()
            _job(technician, _at(start + datetime.timedelta(days=n), 9), equipment=equipment)
        with CaptureQueriesContext(connection) as queries:
            response = _feed(feed.token)
        assert len(_events(response.content)) == size
        counts.append(len(queries))
    assert counts == [2, 2]


def test_my_calendar_page_shows_the_address_and_is_linked_from_my_interventions(technician):
    http = HttpClient()
    http.force_login(technician)
    assert 'data-testid="calendar-link"' in http.get(reverse("interventions-mine")).content.decode()
    page = http.get(reverse("interventions-calendar")).content.decode()
    assert 'data-testid="calendar-create"' in page
    assert not CalendarFeed.objects.exists()
    http.post(reverse("interventions-calendar-regenerate"))
    feed = CalendarFeed.objects.get(user=technician)
    page = http.get(reverse("interventions-calendar")).content.decode()
    assert f"http://testserver/calendar/{feed.token}.ics" in page
    assert f"webcal://testserver/calendar/{feed.token}.ics" in page
    assert "Régénérer le lien" in page


def test_only_technicians_have_a_calendar_page(dispatcher, manager):
    for user in (dispatcher, manager):
        http = HttpClient()
        http.force_login(user)
        assert http.get(reverse("interventions-calendar")).status_code == 403
        assert http.post(reverse("interventions-calendar-regenerate")).status_code == 403
    assert not CalendarFeed.objects.exists()
