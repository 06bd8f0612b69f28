import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Site
from interventions.models import Intervention, InterventionEvent
from tests.factories import ClientFactory, ContractFactory, EquipmentFactory, SiteFactory


@pytest.fixture
def covered_equipment(db):
    client = ClientFactory(name="Pharmacie du Parc", phone="04 78 24 55 81", city="Villeurbanne")
    contract = ContractFactory(
        client=client,
        number="MAINT-TEST-1",
        response_time_hours=4,
        conditions="Consommables",
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2099, 12, 31),
    )
    return EquipmentFactory(
        client=client,
        contract=contract,
        warranty_until=timezone.localdate() + datetime.timedelta(days=30),
    )


def test_search_finds_a_client_by_part_of_the_phone_number(client, dispatcher, covered_equipment):
    client.force_login(dispatcher)
    body = client.get(reverse("interventions-intake-search"), {"q": "24 55"}).content.decode()
    assert "Pharmacie du Parc" in body
    body = client.get(reverse("interventions-intake-search"), {"q": "villeurb"}).content.decode()
    assert "Pharmacie du Parc" in body
    body = client.get(reverse("interventions-intake-search"), {"q": "zzzz"}).content.decode()
    assert "Pharmacie du Parc" not in body and "Aucun client" in body


def test_intake_pages_are_for_dispatchers(client, technician, covered_equipment):
    client.force_login(technician)
    assert client.get(reverse("interventions-intake")).status_code == 403
    assert client.get(reverse("interventions-intake-search"), {"q": "Parc"}).status_code == 403
    assert client.post(reverse("interventions-intake-client-create"), {}).status_code == 403


def test_entitlement_panel_shows_contract_warranty_and_deadline(
    client, dispatcher, covered_equipment
):
    client.force_login(dispatcher)
    body = client.get(
        reverse("interventions-intake-entitlement"),
        {
            "client": covered_equipment.client_id,
            "equipment": covered_equipment.pk,
            "requested_at": "2026-03-10T16:00",
        },
    ).content.decode()
    assert "MAINT-TEST-1" in body and "Maintenance" in body
    assert "4 heures ouvrées" in body and "Consommables" in body
    assert "sous garantie jusqu’au" in body
    assert "mercredi 11 mars 2026, 10:00" in body


def test_saving_the_call_stores_entitlement_and_deadline(client, dispatcher, covered_equipment):
    client.force_login(dispatcher)
    requested = timezone.localtime().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
    response = client.post(
        reverse("interventions-intake"),
        {
            "client": covered_equipment.client_id,
            "equipment": covered_equipment.pk,
            "caller_name": "Mme Garnier",
            "caller_phone": "04 78 24 55 81",
            "channel": "phone",
            "priority": "3",
            "object": "Bourrage papier à chaque impression.",
            "requested_at": requested.strftime("%Y-%m-%dT%H:%M"),
        },
        follow=True,
    )
    job = Intervention.objects.get()
    assert response.redirect_chain[-1][0] == reverse("interventions-detail", args=[job.pk])
    assert (job.contract.number, job.under_contract, job.under_warranty) == (
        "MAINT-TEST-1",
        True,
        True,
    )
    assert job.site == covered_equipment.site  # taken from the equipment
    assert job.deadline_at is not None and job.requested_at == requested
    assert job.created_by == dispatcher and job.priority == 3
    body = response.content.decode()
    assert f"Intervention {job.number} créée. Échéance d’intervention" in body
    assert InterventionEvent.objects.filter(intervention=job, kind="created").count() == 1


def test_bad_input_keeps_what_was_typed(client, dispatcher, covered_equipment):
    client.force_login(dispatcher)
    response = client.post(
        reverse("interventions-intake"),
        {
            "client": covered_equipment.client_id,
            "equipment": covered_equipment.pk,
            "caller_name": "Mme Garnier",
            "channel": "phone",
            "priority": "2",
            "object": "  ",
            "requested_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "L’objet de l’intervention est obligatoire." in body or "obligatoire" in body
    assert 'value="Mme Garnier"' in body
    assert "Pharmacie du Parc" in body and "MAINT-TEST-1" in body  # client panel kept
    assert not Intervention.objects.exists()


def test_saving_without_a_client_says_so(client, dispatcher, db):
    client.force_login(dispatcher)
    response = client.post(
        reverse("interventions-intake"),
        {"object": "Panne", "channel": "phone", "priority": "2", "requested_at": ""},
    )
    assert "Choisissez le client" in response.content.decode()
    assert not Intervention.objects.exists()


def test_equipment_of_another_client_is_refused(client, dispatcher, covered_equipment):
    client.force_login(dispatcher)
    other = ClientFactory()
    response = client.post(
        reverse("interventions-intake"),
        {
            "client": other.pk,
            "equipment": covered_equipment.pk,
            "channel": "phone",
            "priority": "2",
            "object": "Panne",
            "requested_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert "appartient à un autre client" in response.content.decode()
    assert not Intervention.objects.exists()


def test_new_client_and_site_created_inline(client, dispatcher, db):
    client.force_login(dispatcher)
    response = client.post(
        reverse("interventions-intake-client-create"),
        {
            "nc-name": "Boulangerie Martin",
            "nc-phone": "06 11 22 33 44",
            "nc-city": "Lyon",
            "nc-site_label": "Fournil",
        },
        HTTP_HX_REQUEST="true",
    )
    new = Client.objects.get(name="Boulangerie Martin")
    assert new.number.startswith("CLI-") and new.phone_digits == "0611223344"
    assert Site.objects.get(client=new).label == "Fournil"
    body = response.content.decode()
    assert f'name="client" value="{new.pk}"' in body


def test_new_client_without_name_shows_the_error_in_its_form(client, dispatcher, db):
    client.force_login(dispatcher)
    response = client.post(
        reverse("interventions-intake-client-create"),
        {"nc-name": "", "nc-phone": "06 11 22 33 44"},
        HTTP_HX_REQUEST="true",
    )
    assert response["HX-Retarget"] == "#new-client"
    body = response.content.decode()
    assert "Ce champ est obligatoire" in body and "06 11 22 33 44" in body
    assert not Client.objects.exists()


def test_new_site_created_for_the_chosen_client(client, dispatcher, db):
    client.force_login(dispatcher)
    customer = SiteFactory().client
    response = client.post(
        reverse("interventions-intake-site-create"),
        {"client": customer.pk, "ns-label": "Entrepôt", "ns-city": "Bron"},
        HTTP_HX_REQUEST="true",
    )
    site = Site.objects.get(label="Entrepôt")
    assert site.client == customer
    assert f'value="{site.pk}" selected' in response.content.decode()
