import datetime

from django.utils import timezone

from tests.factories import ContractFactory, EquipmentFactory, make_intervention


def test_intake_snapshots_the_equipment_contract_and_warranty(db):
    contract = ContractFactory(number="MAINT-2026-003")
    equipment = EquipmentFactory(
        client=contract.client,
        contract=contract,
        warranty_until=timezone.localdate() + datetime.timedelta(days=30),
    )
    job = make_intervention(equipment=equipment)
    assert job.under_contract and job.under_warranty
    assert job.contract == contract
    assert job.contract_snapshot["number"] == "MAINT-2026-003"
    assert job.site == equipment.site
    # Later changes to the contract do not rewrite what was true at the time of the call.
    contract.covers_travel = False
    contract.end_date = timezone.localdate() - datetime.timedelta(days=1)
    contract.save()
    job.refresh_from_db()
    assert job.contract_snapshot["covers_travel"] is True


def test_expired_contract_and_warranty_give_no_entitlement(db):
    today = timezone.localdate()
    contract = ContractFactory(
        start_date=today - datetime.timedelta(days=400),
        end_date=today - datetime.timedelta(days=35),
    )
    equipment = EquipmentFactory(
        client=contract.client, contract=contract, warranty_until=today - datetime.timedelta(days=1)
    )
    job = make_intervention(equipment=equipment)
    assert not job.under_contract and not job.under_warranty
    assert job.contract_snapshot == {}


def test_client_wide_contract_covers_equipment_without_contract(db):
    contract = ContractFactory(kind="assistance")
    equipment = EquipmentFactory(client=contract.client)
    assert make_intervention(equipment=equipment).contract == contract


def test_contract_of_other_equipment_does_not_cover_this_one(db):
    contract = ContractFactory()
    EquipmentFactory(client=contract.client, contract=contract)
    other = EquipmentFactory(client=contract.client)
    assert make_intervention(equipment=other).under_contract is False
