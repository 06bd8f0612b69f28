import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from interventions import services
from interventions.models import BillingRates, InterventionEvent, Status
from tests.factories import EquipmentFactory, make_intervention

from .billing_helpers import signed_intervention

MANAGER_PAGES = [
    ("interventions-billing", []),
    ("interventions-billing-export", ["csv"]),
    ("interventions-billing-export", ["xlsx"]),
    ("interventions-billing-rates", []),
    ("interventions-dashboard", []),
]


@pytest.mark.parametrize("name,args", MANAGER_PAGES)
@pytest.mark.parametrize("who", ["dispatcher", "technician"])
def test_billing_pages_are_for_managers_only(client, request, who, name, args):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse(name, args=args)).status_code == 403


@pytest.mark.parametrize("who", ["dispatcher", "technician"])
def test_only_managers_mark_billed_or_override(client, request, who, technician):
    job = signed_intervention(technician)
    client.force_login(request.getfixturevalue(who))
    assert client.post(reverse("interventions-billing-mark"), {"pk": [job.pk]}).status_code == 403
    response = client.post(
        reverse("interventions-billing-override", args=[job.pk]),
        {"flag": "labour", "billable": "0", "reason": "x"},
    )
    assert response.status_code == 403
    job.refresh_from_db()
    assert job.status == Status.SIGNED and job.billing_overrides == {}


def test_billing_list_shows_signed_with_totals_and_unsigned_apart(
    client, manager, technician, django_assert_max_num_queries
):
    signed = [signed_intervention(technician) for _ in range(3)]
    waiting = make_intervention()

    services.visit_record(
        intervention=waiting,
        technician=technician,
        arrived_at=timezone.now() - datetime.timedelta(hours=2),
        left_at=timezone.now() - datetime.timedelta(hours=1),
    )
    client.force_login(manager)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("interventions-billing"))
    html = response.content.decode()
    assert response.status_code == 200
    for job in signed:
        assert job.number in html
    assert len(response.context["lines"]) == 3
    assert response.context["totals"].count == 3
    assert [i.number for i in response.context["unsigned"]] == [waiting.number]
    assert "À faire signer" in html
    assert "Prix de revient" in html  # managers hold interventions.view_costs


def test_billing_list_filters_by_client(client, manager, technician):
    first = signed_intervention(technician)
    second = signed_intervention(technician)
    client.force_login(manager)
    response = client.get(reverse("interventions-billing"), {"client": first.client_id})
    assert [line.number for line in response.context["lines"]] == [first.number]
    assert second.number not in response.content.decode()


def test_manager_override_from_the_page_is_audited(client, manager, technician):
    job = signed_intervention(technician)
    client.force_login(manager)
    url = reverse("interventions-billing-override", args=[job.pk])
    response = client.post(url, {"flag": "parts", "billable": "0", "reason": ""})
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in response.content.decode()
    response = client.post(url, {"flag": "parts", "billable": "0", "reason": "Pièce offerte"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.billable_parts is False
    event = InterventionEvent.objects.get(intervention=job, kind="billing")
    assert event.actor == manager and event.note == "Pièce offerte"
    page = client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
    assert "décision du responsable\u00a0: Pièce offerte" in page


def test_technician_records_out_of_conditions_on_own_job_only(client, technician, other_technician):
    job = make_intervention()
    services.intervention_assign(intervention=job, technician=technician, actor=technician)
    url = reverse("interventions-out-of-conditions", args=[job.pk])
    client.force_login(other_technician)
    assert client.post(url, {"out_of_conditions": "on", "note": "x"}).status_code == 404
    client.force_login(technician)
    response = client.post(url, {"out_of_conditions": "on", "note": ""})
    assert response.status_code == 400
    assert "Décrivez ce qui sort des conditions du contrat." in response.content.decode()
    response = client.post(url, {"out_of_conditions": "on", "note": "Cartouche recyclée"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.out_of_conditions and job.out_of_conditions_note == "Cartouche recyclée"
    assert job.billable_labour and job.billable_travel and job.billable_parts


def test_technician_records_out_of_conditions_from_the_tablet(client, technician):
    job = make_intervention()
    services.intervention_assign(intervention=job, technician=technician, actor=technician)
    url = reverse("interventions-out-of-conditions", args=[job.pk])
    work = reverse("interventions-work", args=[job.pk])
    client.force_login(technician)
    assert 'name="from" value="work"' in client.get(work).content.decode()
    response = client.post(url, {"from": "work", "out_of_conditions": "on", "note": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Décrivez ce qui sort des conditions du contrat." in page
    assert "Passages" in page  # still the tablet page, not the dispatcher's detail page
    response = client.post(
        url, {"from": "work", "out_of_conditions": "on", "note": "Atelier très poussiéreux"}
    )
    assert response.status_code == 302 and response.url == f"{work}#out-of-conditions"
    job.refresh_from_db()
    assert job.out_of_conditions and job.out_of_conditions_note == "Atelier très poussiéreux"
    assert "Atelier très poussiéreux" in client.get(work).content.decode()


def test_superuser_takes_billing_back_with_a_reason(client, admin_user, manager, technician):
    job = signed_intervention(technician)
    services.interventions_mark_billed(pks=[job.pk], actor=manager)
    url = reverse("interventions-unbill", args=[job.pk])
    client.force_login(manager)
    assert client.post(url, {"reason": "Erreur"}).status_code == 403
    client.force_login(admin_user)
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "Avoir émis"}).status_code == 302
    job.refresh_from_db()
    assert job.status == Status.SIGNED


def test_manager_edits_rates_and_bad_input_is_kept(client, manager):
    client.force_login(manager)
    url = reverse("interventions-billing-rates")
    data = {
        "rates-hourly_rate": "-5",
        "rates-travel_per_km": "0.6",
        "rates-travel_flat_fee": "0",
        "rates-vat_rate": "20",
        "rates-internal_hourly_cost": "35",
        "rates-vehicle_cost_per_km": "0.35",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert 'value="-5"' in response.content.decode()
    data["rates-hourly_rate"] = "72.50"
    assert client.post(url, data).status_code == 302
    assert str(BillingRates.current().hourly_rate) == "72.50"


def test_dashboard_draws_every_table_with_bounded_queries(
    client, manager, technician, django_assert_max_num_queries
):
    for _ in range(3):
        signed_intervention(technician)
    client.force_login(manager)
    # The first visit also fills the monthly summary of the year's closed months
    # (stats_summary, PostgreSQL), all months at once: bounded too; then the page alone.
    with django_assert_max_num_queries(45):
        assert client.get(reverse("interventions-dashboard")).status_code == 200
    # 16 before the summary, + its freshness check and one read per period table.
    with django_assert_max_num_queries(22):
        response = client.get(reverse("interventions-dashboard"))
    assert response.status_code == 200
    keys = [t.key for t in response.context["tables"]]
    assert keys == [
        "months",
        "technicians",
        "parts",
        "clients",
        "equipment",
        "deadlines",
        "signatures",
        "contracts",
        "visits",
    ]
    months = response.context["tables"][0]
    assert sum(row[1] for row in months.rows) == 3
    technicians = response.context["tables"][1]
    assert technicians.rows[0][1] == pytest.approx(4.5, abs=0.01)  # 3 × 1.5 h


def test_manager_sees_deadlines_at_risk_and_contracts_ending(manager):
    from interventions import stats
    from tests.factories import ContractFactory

    now = timezone.now()
    overdue = make_intervention(object="En retard")
    at_risk = make_intervention(object="À risque")
    fine = make_intervention(object="Large")
    reached = make_intervention(object="Technicien arrivé")
    hours = datetime.timedelta(hours=1)
    Intervention = type(overdue)
    Intervention.objects.filter(pk=overdue.pk).update(
        requested_at=now - 10 * hours, deadline_at=now - 2 * hours
    )
    Intervention.objects.filter(pk=at_risk.pk).update(
        requested_at=now - 7 * hours, deadline_at=now + hours
    )
    Intervention.objects.filter(pk=fine.pk).update(
        requested_at=now - hours, deadline_at=now + 7 * hours
    )
    Intervention.objects.filter(pk=reached.pk).update(
        requested_at=now - 10 * hours, deadline_at=now - 2 * hours, first_arrival_at=now - 9 * hours
    )
    table = stats.deadlines_at_risk(now)
    assert [row[0].split(" — ")[0] for row in table.rows] == [overdue.number, at_risk.number]
    assert [row[2] for row in table.rows] == ["en retard", "à risque"]
    assert table.rows[0][4] == pytest.approx(-2, abs=0.05)
    assert table.rows[1][4] == pytest.approx(1, abs=0.05)

    today = timezone.localdate()
    soon = ContractFactory(
        number="CT-SOON",
        start_date=today - datetime.timedelta(days=300),
        end_date=today + datetime.timedelta(days=20),
    )
    ContractFactory(
        number="CT-LATER",
        start_date=today - datetime.timedelta(days=10),
        end_date=today + datetime.timedelta(days=200),
    )
    ContractFactory(
        number="CT-ENDED",
        start_date=today - datetime.timedelta(days=400),
        end_date=today - datetime.timedelta(days=5),
    )
    rows = stats.contracts_ending(today).rows
    numbers = [row[0].split(" — ")[0] for row in rows]
    assert "CT-SOON" in numbers and "CT-LATER" not in numbers and "CT-ENDED" not in numbers
    assert rows[numbers.index("CT-SOON")][3] == 20
    assert soon.client.name in rows[numbers.index("CT-SOON")][0]


def test_dashboard_table_downloads_as_csv(client, manager, technician):
    signed_intervention(technician)
    client.force_login(manager)
    response = client.get(reverse("interventions-dashboard"), {"csv": "technicians"})
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = content.splitlines()
    assert lines[0] == "Technicien;Heures sur site;Km;Interventions"
    assert lines[1].split(";")[1:] in (["1,5", "24", "1"], ["1,5", "24,0", "1"])
    assert client.get(reverse("interventions-dashboard"), {"csv": "nope"}).status_code == 404


@pytest.mark.parametrize("who", ["dispatcher", "technician", "manager"])
def test_equipment_history_lists_every_intervention_newest_first(client, request, who, technician):
    equipment = EquipmentFactory()
    older = signed_intervention(technician, equipment=equipment)
    newer = make_intervention(equipment=equipment, object="La carte son ne marche plus")
    other = make_intervention()
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("interventions-equipment-history", args=[equipment.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index(newer.number) < html.index(older.number)
    assert other.number not in html
    assert "Remplacement du tambour" in html


def test_equipment_history_refused_without_role(client, nobody):
    equipment = EquipmentFactory()
    client.force_login(nobody)
    assert (
        client.get(reverse("interventions-equipment-history", args=[equipment.pk])).status_code
        == 403
    )


def test_equipment_history_is_paginated_newest_first(client, dispatcher):
    """301 interventions on one printer were one 124 ms page (issue 14): 20 per page now,
    every intervention on exactly one page, the total said, the pages named in French."""
    equipment = EquipmentFactory()
    start = timezone.now() - datetime.timedelta(days=100)
    for n in range(23):
        make_intervention(
            equipment=equipment,
            object=f"Panne {n}",
            requested_at=start + datetime.timedelta(days=n),
        )
    client.force_login(dispatcher)
    url = reverse("interventions-equipment-history", args=[equipment.pk])
    first, second = client.get(url), client.get(url, {"page": "2"})
    page_1 = [i.object for i in first.context["interventions"]]
    page_2 = [i.object for i in second.context["interventions"]]
    assert page_1 == [f"Panne {n}" for n in range(22, 2, -1)]
    assert page_2 == ["Panne 2", "Panne 1", "Panne 0"]
    html = first.content.decode()
    assert "23 interventions, de la plus récente à la plus ancienne." in html
    assert "Page 1 sur 2" in html and "Suivante" in html


def test_technician_reads_only_the_history_of_equipment_of_their_jobs(
    client, technician, other_technician, dispatcher
):
    """Decision (README, « Rôles »): a technician needs the history of the equipment they
    work on, not the diagnostics and parts of another technician's customers."""
    mine, theirs = EquipmentFactory(), EquipmentFactory()
    job = make_intervention(equipment=mine)
    services.intervention_assign(intervention=job, technician=technician, actor=dispatcher)
    other = make_intervention(equipment=theirs)
    services.intervention_assign(intervention=other, technician=other_technician, actor=dispatcher)
    client.force_login(technician)
    url = "interventions-equipment-history"
    assert client.get(reverse(url, args=[mine.pk])).status_code == 200
    assert client.get(reverse(url, args=[theirs.pk])).status_code == 404
    never_on_a_job = EquipmentFactory()
    assert client.get(reverse(url, args=[never_on_a_job.pk])).status_code == 404
    client.force_login(dispatcher)
    assert client.get(reverse(url, args=[theirs.pk])).status_code == 200
