import datetime
import zoneinfo

import holidays
from django.utils import timezone

from interventions import roles
from interventions.models import Intervention
from tests.e2e.conftest import htmx_settled, login, screenshot
from tests.factories import (
    ClientFactory,
    ContractFactory,
    EquipmentFactory,
    SiteFactory,
    UserFactory,
)


def test_dispatcher_takes_a_call_and_the_technician_sees_it(browser, page, live_server):
    UserFactory(username="disp", role=roles.DISPATCHER)
    UserFactory(username="tech", first_name="Karim", last_name="Benali", role=roles.TECHNICIAN)
    customer = ClientFactory(name="Pharmacie Garnier", phone="04 78 24 55 81", city="Lyon")
    site = SiteFactory(client=customer, label="Officine")
    contract = ContractFactory(
        client=customer,
        number="MAINT-E2E-1",
        response_time_hours=8,
        conditions="Consommables agréés uniquement.",
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2099, 12, 31),
    )
    EquipmentFactory(
        client=customer,
        site=site,
        contract=contract,
        model="LaserJet M404",
        serial_number="SN-E2E",
        warranty_until=timezone.localdate() + datetime.timedelta(days=90),
    )

    login(page, live_server, "disp", "secret-pass-123")
    page.wait_for_url(f"{live_server.url}/interventions/")
    page.get_by_role("link", name="Prendre un appel").first.click()
    page.get_by_test_id("client-search").press_sequentially("24 55", delay=30)
    page.get_by_test_id("client-result").filter(has_text="Pharmacie Garnier").click()
    page.get_by_test_id("equipment-select").wait_for()
    htmx_settled(page)
    page.get_by_test_id("equipment-select").select_option(
        label=page.locator("[data-testid=equipment-select] option", has_text="SN-E2E").inner_text()
    )
    entitlement = page.get_by_test_id("entitlement")
    entitlement.get_by_test_id("equipment-history-link").wait_for()  # the equipment's box
    assert "MAINT-E2E-1" in entitlement.get_by_test_id("contract-status").inner_text()
    assert entitlement.get_by_test_id("contract-choice").count() == 0
    assert "Sous contrat" in entitlement.get_by_test_id("contract-status").inner_text()
    assert "sous garantie jusqu’au" in entitlement.get_by_test_id("warranty-status").inner_text()
    deadline = entitlement.get_by_test_id("deadline-preview").inner_text()
    assert "aucune" not in deadline
    page.get_by_label("Nom de l’appelant").fill("Mme Garnier")
    page.get_by_label("Objet de l’intervention").fill("Bourrage papier à chaque impression.")
    screenshot(page, "dispatch-intake-1280")
    page.set_viewport_size({"width": 768, "height": 1024})
    screenshot(page, "dispatch-intake-768")
    page.get_by_test_id("intake-save").click()

    page.get_by_text("créée. Échéance d’intervention").wait_for()
    job = Intervention.objects.get()
    assert job.contract == contract and job.under_warranty and job.deadline_at is not None
    assert job.number in page.content()

    page.get_by_label("Technicien").select_option(label="Karim Benali")
    page.get_by_label("Début du créneau").fill(
        (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT09:00")
    )
    page.get_by_role("button", name="Affecter").click()
    page.get_by_text("Affectée à Karim Benali.").wait_for()
    job.refresh_from_db()
    assert job.technician.username == "tech" and job.status == "scheduled"

    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="fr-FR")
    tech_page = context.new_page()
    login(tech_page, live_server, "tech", "secret-pass-123")
    tech_page.wait_for_url(f"{live_server.url}/interventions/mine/")
    tech_page.get_by_test_id(f"job-{job.number}").wait_for()
    context.close()


def test_intake_keeps_typed_text_when_a_new_client_is_created(page, live_server):
    UserFactory(username="disp", role=roles.DISPATCHER)
    login(page, live_server, "disp", "secret-pass-123")
    page.wait_for_url(f"{live_server.url}/interventions/")
    page.goto(f"{live_server.url}/interventions/new/")
    page.get_by_label("Objet de l’intervention").fill("Le poste ne démarre plus.")
    page.get_by_test_id("client-search").press_sequentially("Boulanger", delay=20)
    page.get_by_text("Aucun client ne correspond").wait_for()
    page.get_by_text("Appelant inconnu ? Créer un nouveau client").click()
    page.locator("#new-client").get_by_role("button", name="Créer le client").click()
    page.locator("#new-client").get_by_text("Ce champ est obligatoire").wait_for()
    page.locator("#id_nc-name").fill("Boulangerie Martin")
    page.locator("#id_nc-site_label").fill("Fournil")
    page.locator("#new-client").get_by_role("button", name="Créer le client").click()
    page.get_by_test_id("chosen-client").get_by_text("Boulangerie Martin").wait_for()
    assert page.get_by_label("Objet de l’intervention").input_value() == "Le poste ne démarre plus."
    page.get_by_test_id("intake-save").click()
    page.get_by_text("Pas d’échéance d’intervention").wait_for()
    job = Intervention.objects.get()
    assert job.client.name == "Boulangerie Martin" and job.site.label == "Fournil"


def _turnkey_client():
    """A client whose contract is tied to its machines (no client-wide contract)."""
    customer = ClientFactory(name="Cabinet Morel", phone="04 72 10 20 30", city="Lyon")
    turnkey = ContractFactory(
        client=customer,
        number="CLE-E2E-1",
        kind="turnkey",
        response_time_hours=4,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2099, 12, 31),
    )
    for serial in ("SN-CLE-1", "SN-CLE-2"):
        EquipmentFactory(client=customer, contract=turnkey, serial_number=serial)
    return customer, turnkey


def _take_call_for(page, live_server, name):
    login(page, live_server, "disp", "secret-pass-123")
    page.wait_for_url(f"{live_server.url}/interventions/")
    page.goto(f"{live_server.url}/interventions/new/")
    page.get_by_test_id("client-search").press_sequentially(name, delay=20)
    page.get_by_test_id("client-result").filter(has_text=name).click()
    page.get_by_test_id("equipment-select").wait_for()
    htmx_settled(page)


def _type_requested_at(page, value):
    page.locator("#id_requested_at").fill(value)
    page.locator("#id_requested_at").dispatch_event("change")
    htmx_settled(page)


PARIS = zoneinfo.ZoneInfo("Europe/Paris")
MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"


def _recent_tuesday() -> datetime.date:
    """A Tuesday a few weeks back whose Tuesday and Wednesday are working days in France:
    a call can be dated at most a year back, so the date follows today."""
    public = holidays.France(
        years=range(timezone.localdate().year - 1, timezone.localdate().year + 1)
    )
    day = timezone.localdate() - datetime.timedelta(days=14)
    while day.weekday() != 1 or day in public or day + datetime.timedelta(days=1) in public:
        day -= datetime.timedelta(days=1)
    return day


# Tuesday 16:00 + 4 business hours = Wednesday 10:00; + 8 business hours = Wednesday 14:00.
TUESDAY = _recent_tuesday()
WEDNESDAY = TUESDAY + datetime.timedelta(days=1)
CALLED_AT = f"{TUESDAY.isoformat()}T16:00"
WEDNESDAY_FR = f"mercredi {WEDNESDAY.day} {MONTHS.split()[WEDNESDAY.month - 1]} {WEDNESDAY.year}"


def test_call_without_equipment_keeps_the_clients_turnkey_contract(page, live_server):
    UserFactory(username="disp", role=roles.DISPATCHER)
    customer, turnkey = _turnkey_client()
    _take_call_for(page, live_server, "Cabinet Morel")
    _type_requested_at(page, CALLED_AT)

    entitlement = page.get_by_test_id("entitlement")
    choice = entitlement.get_by_test_id("contract-choice")
    assert "CLE-E2E-1" in choice.inner_text() and "lié à 2 matériels" in choice.inner_text()
    assert choice.get_by_label("Clé en main CLE-E2E-1", exact=False).is_checked()
    assert not choice.get_by_label("Aucun contrat (tout facturé)").is_checked()
    assert "Sous contrat" in entitlement.get_by_test_id("contract-status").inner_text()
    deadline = entitlement.get_by_test_id("deadline-preview").inner_text()
    assert f"{WEDNESDAY_FR}, 10:00" in deadline
    page.get_by_label("Objet de l’intervention").fill("Le réseau du cabinet est coupé.")
    screenshot(page, "intake-without-equipment-1280")
    page.set_viewport_size({"width": 768, "height": 1024})
    screenshot(page, "intake-without-equipment-768")
    page.get_by_test_id("intake-save").click()

    page.get_by_text("créée. Échéance d’intervention").wait_for()
    job = Intervention.objects.get()
    assert job.equipment is None and job.contract == turnkey
    assert job.contract_snapshot["number"] == "CLE-E2E-1"
    assert job.deadline_at == datetime.datetime.combine(WEDNESDAY, datetime.time(10), tzinfo=PARIS)
    assert "CLE-E2E-1" in page.content()


def test_dispatcher_picks_one_of_several_contracts_and_the_deadline_follows(page, live_server):
    UserFactory(username="disp", role=roles.DISPATCHER)
    customer, turnkey = _turnkey_client()
    assistance = ContractFactory(
        client=customer,
        number="ASSIST-E2E-2",
        kind="assistance",
        response_time_hours=8,
        start_date=datetime.date(2020, 1, 1),
        end_date=datetime.date(2099, 12, 31),
    )
    _take_call_for(page, live_server, "Cabinet Morel")
    _type_requested_at(page, CALLED_AT)
    entitlement = page.get_by_test_id("entitlement")
    assert "Contrat à choisir" in entitlement.get_by_test_id("contract-status").inner_text()
    page.get_by_label("Objet de l’intervention").fill("Installer un poste à l’accueil.")
    page.get_by_test_id("intake-save").click()

    # Saving without a choice: the French error, and nothing typed is lost.
    page.get_by_test_id("contract-error").get_by_text("Choisissez le contrat").wait_for()
    assert page.get_by_label("Objet de l’intervention").input_value() == (
        "Installer un poste à l’accueil."
    )
    assert page.locator("#id_requested_at").input_value() == CALLED_AT
    assert not Intervention.objects.exists()

    # One click on a contract: the deadline follows it.
    choice = page.get_by_test_id("contract-choice")
    deadline = page.get_by_test_id("deadline-preview")
    choice.get_by_text("ASSIST-E2E-2").click()
    deadline.get_by_text(f"{WEDNESDAY_FR}, 14:00").wait_for()
    choice.get_by_text("CLE-E2E-1").click()
    deadline.get_by_text(f"{WEDNESDAY_FR}, 10:00").wait_for()
    choice.get_by_text("ASSIST-E2E-2").click()
    deadline.get_by_text(f"{WEDNESDAY_FR}, 14:00").wait_for()
    htmx_settled(page)
    assert page.locator("#contract-" + str(assistance.pk)).is_checked()

    # A requested-at in the future is flagged before saving; back in the past, the flag goes.
    future = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    _type_requested_at(page, future)
    page.get_by_test_id("requested-in-future").wait_for()
    assert page.locator("#contract-" + str(assistance.pk)).is_checked()  # choice kept
    screenshot(page, "intake-requested-in-future")
    _type_requested_at(page, CALLED_AT)
    assert page.get_by_test_id("requested-in-future").count() == 0

    page.get_by_test_id("intake-save").click()
    page.get_by_text("créée. Échéance d’intervention").wait_for()
    job = Intervention.objects.get()
    assert job.contract == assistance
    assert job.deadline_at == datetime.datetime.combine(WEDNESDAY, datetime.time(14), tzinfo=PARIS)


def test_dispatcher_chooses_the_contract_of_an_other_request_made_on_site(page, live_server):
    from interventions import services
    from tests.factories import make_intervention

    UserFactory(username="disp", role=roles.DISPATCHER)
    technician = UserFactory(username="tech", role=roles.TECHNICIAN)
    customer, turnkey = _turnkey_client()
    ContractFactory(client=customer, number="ASSIST-E2E-3", kind="assistance")
    parent = make_intervention(equipment=customer.equipment.first())
    services.intervention_assign(intervention=parent, technician=technician)
    child = services.intervention_additional_request(
        intervention=parent, actor=technician, object="Installer le modem."
    )
    login(page, live_server, "disp", "secret-pass-123")
    page.wait_for_url(f"{live_server.url}/interventions/")
    page.goto(f"{live_server.url}/interventions/{child.pk}/")
    form = page.get_by_test_id("contract-form")
    form.get_by_text("CLE-E2E-1").click()
    form.get_by_role("button", name="Appliquer ce contrat").click()
    page.get_by_text("Contrat retenu").first.wait_for()
    child.refresh_from_db()
    assert child.contract == turnkey and child.deadline_at is not None
    screenshot(page, "other-request-contract")
