import datetime

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
    entitlement.get_by_text("MAINT-E2E-1").wait_for()
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
