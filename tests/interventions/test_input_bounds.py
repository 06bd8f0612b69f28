"""Every number and date the tablet (or the office) sends is bounded on the server: catalogue
prices come from the catalogue, quantities and prices fit their columns, visits sit in a sane
window, unknown ids are a 404 or a form error, and expected refusals log one line."""

import logging
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from interventions import services
from interventions.models import PartUsed, Status
from tests.factories import PartFactory
from tests.interventions.tablet_helpers import assigned_job, sign_both


def url(name, *args):
    return reverse(name, args=args)


@pytest.fixture
def started(technician):
    job = assigned_job(technician)
    services.visit_arrive(intervention=job, technician=technician)
    return job


def parts_version(job) -> int:
    """The parts list's version as the page would carry it (optimistic locking)."""
    job.refresh_from_db(fields=["parts_version"])
    return job.parts_version


def test_catalogue_part_keeps_its_catalogue_price_whatever_is_posted(client, technician, started):
    part = PartFactory(unit_price=Decimal("42.50"))
    client.force_login(technician)
    client.post(
        url("interventions-work-part-add", started.pk),
        {"part": part.pk, "quantity": "2", "unit_price": "0", "version": parts_version(started)},
    )
    used = PartUsed.objects.get(intervention=started)
    assert used.unit_price == Decimal("42.50")


def test_free_line_keeps_its_typed_price(client, technician, started):
    client.force_login(technician)
    client.post(
        url("interventions-work-part-add", started.pk),
        {
            "description": "Câble USB",
            "quantity": "1",
            "unit_price": "7.90",
            "version": parts_version(started),
        },
    )
    assert PartUsed.objects.get(intervention=started).unit_price == Decimal("7.90")


@pytest.mark.parametrize(
    "quantity, price, message",
    [
        ("999999.99", "1", "La quantité"),
        ("1", "99999999.99", "Le prix unitaire"),
    ],
)
def test_huge_quantity_or_price_is_refused_in_french(
    client, technician, started, quantity, price, message
):
    client.force_login(technician)
    response = client.post(
        url("interventions-work-part-add", started.pk),
        {
            "description": "Câble",
            "quantity": quantity,
            "unit_price": price,
            "version": parts_version(started),
        },
        follow=True,
    )
    assert message in response.content.decode()
    assert not PartUsed.objects.filter(intervention=started).exists()


def test_parts_that_would_overflow_the_signed_figures_are_refused_at_entry(
    client, technician, started
):
    """Lines each within bounds whose sum would not fit the report figures' column
    (12 digits, 2 decimals: under 10,000,000,000): refused when typed, not at signature."""
    client.force_login(technician)
    for _ in range(3):
        client.post(
            url("interventions-work-part-add", started.pk),
            {
                "description": "Serveur",
                "quantity": "9999",
                "unit_price": "99999.99",
                "version": parts_version(started),
            },
        )
    # One line of 999,989,900.00 passes; a second would pass the 1,000,000,000 cap per job.
    assert PartUsed.objects.filter(intervention=started).count() == 1


def test_a_job_with_the_largest_parts_line_still_signs(client, technician, started):
    """What entry accepts, signature stores: no numeric overflow (a 500 before)."""
    services.part_add(
        intervention=started,
        description="Serveur",
        quantity=Decimal("9999"),
        unit_price=Decimal("99999.99"),
        actor=technician,
    )
    visit = started.visits.get()
    services.visit_depart(visit=visit, actor=technician, travel_km=Decimal("10"), travel_minutes=5)
    services.report_update(intervention=started, work_done="Fait.", actor=technician)
    job = sign_both(services.report_submit(intervention=started, actor=technician), technician)
    assert job.status == Status.SIGNED


def visit_post(client, started, arrived, left, km="1"):
    visit = started.visits.get()
    return client.post(
        url("interventions-work-visit", started.pk, visit.pk),
        {
            "arrived_at": arrived.strftime("%Y-%m-%dT%H:%M"),
            "left_at": left.strftime("%Y-%m-%dT%H:%M") if left else "",
            "travel_km": km,
            "travel_minutes": "10",
            "version": visit.version,
        },
    )


def test_visit_from_2000_to_2030_is_refused_in_french(client, technician, started):
    client.force_login(technician)
    tz = timezone.get_current_timezone()
    before = started.visits.get().arrived_at
    response = visit_post(
        client,
        started,
        timezone.datetime(2000, 1, 1, 8, 0, tzinfo=tz),
        timezone.datetime(2030, 1, 1, 8, 0, tzinfo=tz),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "avant la demande" in body
    assert started.visits.get().arrived_at == before


def test_visit_longer_than_a_day_is_refused(client, technician, started):
    client.force_login(technician)
    now = timezone.localtime()
    response = visit_post(
        client, started, now - timezone.timedelta(hours=23), now + timezone.timedelta(hours=2)
    )
    assert response.status_code == 400
    assert "plus de 24 heures" in response.content.decode()


def test_visit_in_the_future_is_refused(client, technician, started):
    client.force_login(technician)
    now = timezone.localtime()
    response = visit_post(
        client, started, now + timezone.timedelta(days=3), now + timezone.timedelta(days=3, hours=1)
    )
    assert response.status_code == 400
    assert "avenir" in response.content.decode()


def test_plausible_visit_correction_is_accepted(client, technician, started):
    client.force_login(technician)
    now = timezone.localtime()
    response = visit_post(
        client, started, now - timezone.timedelta(hours=2), now - timezone.timedelta(hours=1)
    )
    assert response.status_code == 302


def test_huge_travel_distance_is_refused(client, technician, started):
    client.force_login(technician)
    now = timezone.localtime()
    response = visit_post(
        client,
        started,
        now - timezone.timedelta(hours=2),
        now - timezone.timedelta(hours=1),
        km="999999",
    )
    assert "La distance ne peut pas dépasser 2000 km" in response.content.decode()
    assert started.visits.get().travel_km == 0


@pytest.mark.parametrize("pk", ["999999", "abc", "-1", ""])
def test_mark_billed_with_an_unknown_id_is_a_french_error_not_a_500(client, manager, pk):
    client.force_login(manager)
    response = client.post(reverse("interventions-billing-mark"), {"pk": pk}, follow=True)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sélectionnez" in body or "n’existe pas" in body or "n'existe pas" in body


def test_expected_refusal_logs_one_line_without_traceback(
    client, technician, other_technician, caplog
):
    job = assigned_job(other_technician)
    client.force_login(technician)
    with caplog.at_level(logging.WARNING, logger="django"):
        response = client.get(url("interventions-work", job.pk))
    assert response.status_code == 404
    records = [r for r in caplog.records if r.name.startswith("django")]
    assert len(records) <= 1
    assert all(r.exc_info is None for r in records)


def test_permission_denied_logs_one_line_without_traceback(client, technician, caplog):
    client.force_login(technician)
    with caplog.at_level(logging.WARNING, logger="django"):
        response = client.get(reverse("interventions-billing"))
    assert response.status_code == 403
    records = [r for r in caplog.records if r.name.startswith("django")]
    assert len(records) == 1
    assert records[0].exc_info is None
    assert "\n" not in records[0].getMessage()


HOSTILE_IDS = ["abc", "1.5", "-3", "99999999999999999999", "1 OR 1=1", "٣"]


@pytest.mark.parametrize("value", HOSTILE_IDS)
@pytest.mark.parametrize(
    "name", ["interventions-intake-client", "interventions-intake-entitlement"]
)
def test_intake_with_a_hostile_client_id_is_a_404(client, dispatcher, name, value):
    client.force_login(dispatcher)
    assert client.get(reverse(name), {"client": value}).status_code == 404


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_site_and_equipment_ids_that_are_not_ids_find_nothing(value, db):
    from interventions import selectors
    from procedures import selectors as procedure_selectors
    from tests.factories import ClientFactory

    customer = ClientFactory()
    assert selectors.client_site_or_none(customer, value) is None
    assert selectors.client_equipment_or_none(customer, value) is None
    assert procedure_selectors.diagnostic_procedure(value) is None


@pytest.mark.parametrize("value", ["0001-01-01T00:00", "1900-01-01T08:00"])
def test_intake_date_centuries_ago_is_refused_in_french(value, db):
    from interventions.forms import IntakeForm

    form = IntakeForm({"requested_at": value, "object": "Imprimante"})
    form.is_valid()
    assert "plus d’un an" in form.errors["requested_at"][0]


@pytest.mark.parametrize(
    "start, end, message",
    [
        ("0001-01-01T08:00", "0001-01-01T09:00", "créneau"),
        ("2026-12-01T08:00", "9999-12-31T23:59", "créneau"),
    ],
)
def test_assign_slot_outside_a_sane_window_is_refused(technician, start, end, message):
    from interventions.forms import AssignForm

    form = AssignForm(
        {
            "technician": technician.pk,
            "scheduled_start": start,
            "scheduled_end": end,
            "version": "0",
        }
    )
    assert not form.is_valid()
    assert message in str(form.errors)
