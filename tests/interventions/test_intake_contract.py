"""A call that names no equipment: the dispatcher picks which of the client's active contracts
applies (issue 12). With equipment, the equipment's contract rules as before
(tests/interventions/test_entitlement.py)."""

import datetime
import re
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from interventions import services
from interventions.models import Intervention, InterventionEvent
from interventions.sla import response_deadline
from tests.factories import ClientFactory, ContractFactory, EquipmentFactory, make_intervention
from tests.interventions.tablet_helpers import assigned_job

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# Tuesday 10 March 2026, 16:00 (Paris): + 4 business hours = Wednesday 11 March, 10:00;
# + 8 business hours = Wednesday 11 March, 14:00 (8 h – 18 h, Monday to Friday).
TUESDAY_4PM = "2026-03-10T16:00"
REQUESTED = datetime.datetime(2026, 3, 10, 16, 0, tzinfo=PARIS)
PLUS_4H = datetime.datetime(2026, 3, 11, 10, 0, tzinfo=PARIS)
PLUS_8H = datetime.datetime(2026, 3, 11, 14, 0, tzinfo=PARIS)


@pytest.fixture
def turnkey(db):
    """A client whose only contract is a turnkey contract tied to its machines."""
    customer = ClientFactory(name="Cabinet Morel")
    contract = ContractFactory(
        client=customer,
        number="CLE-2026-7",
        kind="turnkey",
        response_time_hours=4,
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    EquipmentFactory(client=customer, contract=contract)
    EquipmentFactory(client=customer, contract=contract)
    return contract


@pytest.fixture
def two_contracts(turnkey):
    assistance = ContractFactory(
        client=turnkey.client,
        number="ASSIST-2026-2",
        kind="assistance",
        response_time_hours=8,
        start_date=datetime.date(2026, 2, 1),
        end_date=datetime.date(2027, 1, 31),
    )
    return turnkey, assistance


def _preview(client, customer, **params) -> str:
    query = {"client": customer.pk, "requested_at": TUESDAY_4PM, **params}
    return client.get(reverse("interventions-intake-entitlement"), query).content.decode()


def _post(client, customer, **fields):
    data = {
        "client": customer.pk,
        "caller_name": "M. Morel",
        "channel": "phone",
        "priority": "2",
        "object": "Le réseau du cabinet est coupé.",
        "requested_at": TUESDAY_4PM,
        **fields,
    }
    return client.post(reverse("interventions-intake"), data)


def _checked(body: str) -> list[str]:
    """The values of the contract radio buttons that are checked."""
    return re.findall(r'<input[^>]*name="contract"[^>]*value="([^"]*)"[^>]*checked', body)


# The entitlement box


def test_without_equipment_the_only_active_contract_is_offered_and_preselected(
    client, dispatcher, turnkey
):
    client.force_login(dispatcher)
    body = _preview(client, turnkey.client)
    assert "CLE-2026-7" in body and "Clé en main" in body
    assert "Aucun contrat (tout facturé)" in body
    assert _checked(body) == [str(turnkey.pk)]
    assert "mercredi 11 mars 2026, 10:00" in body


def test_without_equipment_several_contracts_none_preselected_and_no_deadline_yet(
    client, dispatcher, two_contracts
):
    client.force_login(dispatcher)
    body = _preview(client, two_contracts[0].client)
    assert "CLE-2026-7" in body and "ASSIST-2026-2" in body
    assert _checked(body) == []
    assert "Choisissez le contrat qui s’applique" in body
    assert "mercredi 11 mars 2026" not in body


def test_the_deadline_follows_the_chosen_contract(client, dispatcher, two_contracts):
    turnkey, assistance = two_contracts
    client.force_login(dispatcher)
    body = _preview(client, turnkey.client, contract=assistance.pk)
    assert _checked(body) == [str(assistance.pk)]
    assert "mercredi 11 mars 2026, 14:00" in body
    body = _preview(client, turnkey.client, contract="none")
    assert _checked(body) == ["none"]
    assert re.search(r"Échéance d.intervention\s*:\s*aucune", body)


def test_a_contract_not_active_on_the_requested_day_is_not_offered(
    client, dispatcher, two_contracts
):
    client.force_login(dispatcher)
    # 15 January 2026: the assistance contract starts on 1 February.
    body = _preview(client, two_contracts[0].client, requested_at="2026-01-15T10:00")
    assert "ASSIST-2026-2" not in body and _checked(body) == [str(two_contracts[0].pk)]


def test_with_equipment_its_contract_rules_and_no_choice_is_offered(client, dispatcher, turnkey):
    client.force_login(dispatcher)
    loose = EquipmentFactory(client=turnkey.client)  # not under the turnkey contract
    body = _preview(client, turnkey.client, equipment=loose.pk)
    assert 'name="contract"' not in body
    assert "Aucun contrat actif" in body


# Saving the call


def test_call_without_equipment_records_the_preselected_contract_and_its_deadline(
    client, dispatcher, turnkey
):
    client.force_login(dispatcher)
    response = _post(client, turnkey.client, contract=turnkey.pk)
    job = Intervention.objects.get()
    assert response.status_code == 302
    assert job.equipment is None and job.contract == turnkey and job.under_contract
    assert job.contract_snapshot["number"] == "CLE-2026-7"
    assert job.contract_snapshot["kind"] == "turnkey"
    assert job.deadline_at == PLUS_4H


def test_call_without_equipment_records_the_contract_chosen_among_several(
    client, dispatcher, two_contracts
):
    turnkey, assistance = two_contracts
    client.force_login(dispatcher)
    _post(client, turnkey.client, contract=assistance.pk)
    job = Intervention.objects.get()
    assert job.contract == assistance and job.deadline_at == PLUS_8H


def test_choosing_no_contract_bills_everything_and_sets_no_deadline(client, dispatcher, turnkey):
    client.force_login(dispatcher)
    _post(client, turnkey.client, contract="none")
    job = Intervention.objects.get()
    assert job.contract is None and not job.under_contract and job.contract_snapshot == {}
    assert job.deadline_at is None


def test_several_contracts_and_no_choice_is_refused_keeping_what_was_typed(
    client, dispatcher, two_contracts
):
    client.force_login(dispatcher)
    response = _post(client, two_contracts[0].client)
    body = response.content.decode()
    assert "Choisissez le contrat qui s’applique" in body
    assert 'value="M. Morel"' in body and "Le réseau du cabinet est coupé." in body
    assert not Intervention.objects.exists()


def test_contract_of_another_client_is_refused(client, dispatcher, turnkey):
    client.force_login(dispatcher)
    foreign = ContractFactory(number="AUTRE-1")
    body = _post(client, turnkey.client, contract=foreign.pk).content.decode()
    assert "Ce contrat appartient à un autre client." in body
    assert 'value="M. Morel"' in body
    assert not Intervention.objects.exists()


def test_contract_not_active_on_the_requested_day_is_refused(client, dispatcher, two_contracts):
    turnkey, assistance = two_contracts
    client.force_login(dispatcher)
    body = _post(
        client, turnkey.client, contract=assistance.pk, requested_at="2026-01-15T10:00"
    ).content.decode()
    assert "Le contrat ASSIST-2026-2 n’est pas actif le 15/01/2026" in body
    assert not Intervention.objects.exists()


def test_unknown_contract_is_refused(client, dispatcher, turnkey):
    client.force_login(dispatcher)
    body = _post(client, turnkey.client, contract="999999").content.decode()
    assert "Ce contrat n’existe plus" in body
    assert not Intervention.objects.exists()


def test_with_equipment_a_posted_contract_choice_is_ignored(client, dispatcher, turnkey):
    client.force_login(dispatcher)
    loose = EquipmentFactory(client=turnkey.client)
    _post(client, turnkey.client, equipment=loose.pk, contract=turnkey.pk)
    job = Intervention.objects.get()
    assert job.equipment == loose and job.contract is None and job.deadline_at is None


def test_the_choice_is_kept_after_another_error(client, dispatcher, two_contracts):
    turnkey, assistance = two_contracts
    client.force_login(dispatcher)
    body = _post(client, turnkey.client, contract=assistance.pk, object=" ").content.decode()
    assert _checked(body) == [str(assistance.pk)]
    assert "mercredi 11 mars 2026, 14:00" in body
    assert not Intervention.objects.exists()


# "Requested at" in the preview


def test_after_a_form_error_the_preview_uses_the_typed_requested_at(client, dispatcher, turnkey):
    client.force_login(dispatcher)
    body = _post(client, turnkey.client, contract=turnkey.pk, object="").content.decode()
    assert "mercredi 11 mars 2026, 10:00" in body


def test_a_requested_at_in_the_future_is_flagged_in_the_preview(client, dispatcher, turnkey):
    client.force_login(dispatcher)
    future = timezone.localtime() + datetime.timedelta(days=3)
    typed = future.strftime("%Y-%m-%dT%H:%M")
    body = _preview(client, turnkey.client, requested_at=typed)
    assert "«\xa0Demandée le\xa0» est dans le futur" in body
    assert "«\xa0Demandée le\xa0» est dans le futur" not in _preview(client, turnkey.client)


def test_after_a_future_requested_at_error_the_preview_still_uses_it(client, dispatcher, db):
    """The deadline shown after the error is computed from what was typed, not from now."""
    lasting = ContractFactory(
        response_time_hours=4,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2099, 12, 31),
    )
    client.force_login(dispatcher)
    # Tuesday 11 March 2098, 16:00 + 4 business hours = Wednesday 12 March 2098, 10:00.
    response = _post(client, lasting.client, contract=lasting.pk, requested_at="2098-03-11T16:00")
    body = response.content.decode()
    assert "Un appel ne peut pas être daté dans le futur." in body
    assert 'value="2098-03-11T16:00"' in body
    assert "«\xa0Demandée le\xa0» est dans le futur" in body
    assert "mercredi 12 mars 2098, 10:00" in body
    assert not Intervention.objects.exists()


# The service


def test_service_refuses_a_contract_of_another_client(turnkey):
    with pytest.raises(ValidationError, match="autre client"):
        make_intervention(
            client=ClientFactory(), contract=turnkey, contract_chosen=True, requested_at=REQUESTED
        )
    assert not Intervention.objects.exists()


def test_service_refuses_a_contract_not_active_on_the_requested_day(turnkey):
    with pytest.raises(ValidationError, match="n’est pas actif"):
        make_intervention(
            client=turnkey.client,
            contract=turnkey,
            contract_chosen=True,
            requested_at=datetime.datetime(2025, 12, 30, 10, 0, tzinfo=PARIS),
        )


def test_service_refuses_a_choice_when_equipment_is_named(turnkey):
    with pytest.raises(ValidationError, match="matériel"):
        make_intervention(
            equipment=EquipmentFactory(client=turnkey.client),
            contract=turnkey,
            contract_chosen=True,
            requested_at=REQUESTED,
        )


def test_service_without_equipment_nor_choice_takes_the_only_active_contract(turnkey):
    job = make_intervention(client=turnkey.client, requested_at=REQUESTED)
    assert job.contract == turnkey and job.deadline_at == PLUS_4H


def test_service_without_equipment_nor_choice_among_several_takes_the_client_wide_one(
    two_contracts,
):
    turnkey, assistance = two_contracts
    job = make_intervention(client=turnkey.client, requested_at=REQUESTED)
    assert job.contract == assistance


# The "other request" made on site, and the dispatcher's choice afterwards


def test_other_request_on_site_inherits_the_only_contract_of_the_client(turnkey, technician):
    parent = assigned_job(technician, equipment=turnkey.equipment.first())
    child = services.intervention_additional_request(
        intervention=parent, actor=technician, object="Installer le modem"
    )
    assert child.equipment is None and child.contract == turnkey
    assert child.contract_snapshot["number"] == "CLE-2026-7" and child.deadline_at is not None


def _other_request(parent_contract, technician):
    parent = assigned_job(technician, equipment=parent_contract.equipment.first())
    return services.intervention_additional_request(
        intervention=parent, actor=technician, object="Installer le modem"
    )


def test_dispatcher_chooses_the_contract_of_an_other_request(
    client, dispatcher, technician, two_contracts
):
    turnkey, assistance = two_contracts
    child = _other_request(turnkey, technician)
    client.force_login(dispatcher)
    body = client.get(reverse("interventions-detail", args=[child.pk])).content.decode()
    assert "CLE-2026-7" in body and "ASSIST-2026-2" in body and "Aucun contrat" in body
    response = client.post(
        reverse("interventions-contract", args=[child.pk]), {"contract": turnkey.pk}
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.contract == turnkey and child.contract_snapshot["number"] == "CLE-2026-7"
    assert child.deadline_at == response_deadline(child.requested_at, 4)
    event = child.events.get(kind=InterventionEvent.Kind.NOTE)
    assert event.actor == dispatcher
    assert event.data == {
        "from": "ASSIST-2026-2",
        "contract": "CLE-2026-7",
        "contract_kind": "turnkey",
    }
    client.post(reverse("interventions-contract", args=[child.pk]), {"contract": "none"})
    child.refresh_from_db()
    assert child.contract is None and child.deadline_at is None and not child.under_contract
    body = client.get(reverse("interventions-detail", args=[child.pk])).content.decode()
    assert _checked(body) == ["none"]  # the page shows the choice made


def test_dispatcher_choice_on_the_page_is_validated(client, dispatcher, technician, turnkey):
    child = _other_request(turnkey, technician)
    foreign = ContractFactory(number="AUTRE-2")
    client.force_login(dispatcher)
    response = client.post(
        reverse("interventions-contract", args=[child.pk]), {"contract": foreign.pk}
    )
    assert response.status_code == 400
    assert "Ce contrat appartient à un autre client." in response.content.decode()
    child.refresh_from_db()
    assert child.contract == turnkey


def test_the_contract_cannot_be_changed_once_work_has_started(technician, two_contracts):
    turnkey, assistance = two_contracts
    child = _other_request(turnkey, technician)
    services.intervention_assign(intervention=child, technician=technician)
    services.visit_arrive(intervention=child, technician=technician)
    with pytest.raises(ValidationError, match="travail a commencé"):
        services.intervention_contract_choose(intervention=child, contract=assistance, actor=None)


def test_the_contract_of_a_job_with_equipment_is_not_chosen(technician, turnkey):
    job = make_intervention(equipment=turnkey.equipment.first())
    with pytest.raises(ValidationError, match="matériel"):
        services.intervention_contract_choose(intervention=job, contract=None, actor=None)


def test_only_the_office_chooses_the_contract(client, technician, turnkey):
    child = _other_request(turnkey, technician)
    client.force_login(technician)
    response = client.post(reverse("interventions-contract", args=[child.pk]), {"contract": ""})
    assert response.status_code == 403


def test_no_choice_on_the_page_once_the_work_has_started(
    client, dispatcher, technician, two_contracts
):
    turnkey, assistance = two_contracts
    child = _other_request(turnkey, technician)
    services.intervention_assign(intervention=child, technician=technician)
    services.visit_arrive(intervention=child, technician=technician)
    client.force_login(dispatcher)
    body = client.get(reverse("interventions-detail", args=[child.pk])).content.decode()
    assert 'data-testid="contract-form"' not in body
    response = client.post(
        reverse("interventions-contract", args=[child.pk]), {"contract": turnkey.pk}, follow=True
    )
    assert "ne peut plus être changé" in response.content.decode()
    child.refresh_from_db()
    assert child.contract == assistance  # the client-wide one, taken at creation
