"""A manager runs the dry run of a Dolibarr export and reads its errors; a technician creates
the private address of their calendar (768 × 1024)."""

import datetime
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Client
from interventions import roles, services
from interventions.models import CalendarFeed
from tests.e2e.conftest import login, screenshot
from tests.factories import UserFactory, make_intervention

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


def test_manager_reads_the_dry_run_of_a_dolibarr_export(
    tablet, live_server, db, settings, tmp_path
):
    settings.IMPORT_DIR = tmp_path
    UserFactory(username="e2e-import", role=roles.MANAGER)
    known = {"address": "14 rue de la Charité", "city": "Lyon", "phone": "04 78 42 17 63"}
    Client.objects.create(
        number="CU2601-0012",
        name="Boulangerie Émile Fournier",
        postal_code="69001",  # the file says 69002: changed
        email="contact@boulangerie-fournier.fr",
        notes="SIRET\u00a0: 41234567800012",
        **known,
    )
    Client.objects.create(  # exactly as in the file: unchanged
        number="CU2601-0015",
        name="Crèche Les Petits Loups",
        address="9 rue Garibaldi",
        postal_code="69006",
        city="Lyon",
        phone="04 72 83 45 12",
        email="direction@petitsloups.fr",
        notes="SIRET\u00a0: 80012345600027",
    )
    login(tablet, live_server, "e2e-import", "secret-pass-123")
    tablet.goto(f"{live_server.url}/imports/")
    tablet.get_by_label("Contenu du fichier").select_option("clients")
    tablet.get_by_label("Format").select_option("dolibarr")
    tablet.get_by_label("Fichier (CSV ou XLSX)").set_input_files(SAMPLES / "dolibarr_tiers.csv")
    tablet.get_by_role("button", name="Essai (rien n'est écrit)").click()
    expect(tablet.get_by_role("heading", name="Import\u00a0: essai")).to_be_visible()
    errors = tablet.get_by_test_id("import-errors")
    expect(errors).to_contain_text("Ligne 5, colonne «\u00a0Code postal\u00a0»\u00a0: 5 chiffres")
    expect(tablet.get_by_test_id("import-summary")).to_contain_text("1 créé, 1 modifié, 1 inchangé")
    expect(tablet.get_by_test_id("import-changes")).to_contain_text(
        "Code postal\u00a0: 69001 → 69002"
    )
    expect(tablet.get_by_test_id("import-confirm")).to_have_count(0)
    screenshot(tablet, "import-dry-run-errors-768x1024")
    assert Client.objects.get(number="CU2601-0012").postal_code == "69001"
    assert Client.objects.count() == 2


def test_technician_creates_and_regenerates_the_calendar_address(tablet, live_server, db):
    tech = UserFactory(username="e2e-agenda", role=roles.TECHNICIAN)
    job = make_intervention(object="Imprimante de l'accueil en panne")
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    services.intervention_assign(
        intervention=job,
        technician=tech,
        scheduled_start=start,
        scheduled_end=start + datetime.timedelta(hours=2),
    )
    login(tablet, live_server, "e2e-agenda", "secret-pass-123")
    tablet.goto(f"{live_server.url}/interventions/mine/")
    tablet.get_by_test_id("calendar-link").click()
    expect(tablet.get_by_role("heading", name="Mon agenda")).to_be_visible()
    tablet.get_by_test_id("calendar-create").click()
    url = tablet.get_by_test_id("calendar-url")
    token = CalendarFeed.objects.get(user=tech).token
    expect(url).to_have_value(f"{live_server.url}/calendar/{token}.ics")
    feed = tablet.request.get(f"{live_server.url}/calendar/{token}.ics")
    assert feed.status == 200 and job.number in feed.text()
    screenshot(tablet, "calendar-my-calendar-768x1024")
    tablet.get_by_test_id("calendar-regenerate").click()
    expect(tablet.get_by_text("la précédente ne fonctionne plus")).to_be_visible()
    assert tablet.request.get(f"{live_server.url}/calendar/{token}.ics").status == 404
