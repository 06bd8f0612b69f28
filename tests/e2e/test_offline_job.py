"""Done-when of issue 16: an assigned job done fully offline on the tablet (Chromium, 768 × 1024,
touch), from the arrival to both signatures with a stamp; the tab is closed; opened again later
with the network, every change is on the server exactly once, the report is signed and its PDF
verifies, with the time signed on the tablet and the time received."""

import contextlib
import datetime
import hashlib
import io
import re
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from interventions import roles, services
from interventions.models import OutgoingEmail, SignedReport, Status
from interventions.verification import report_check
from procedures import services as procedure_services
from procedures.models import Kind, RunEntry
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.offline_helpers import (
    launch_tablet,
    login_tablet,
    queued,
    shot,
    wait_until_cached,
    wait_until_sent,
)
from tests.e2e.test_tablet import draw_with_touch
from tests.factories import PartFactory, UserFactory, make_intervention
from tests.procedures.conftest import build_list

PASSWORD = "secret-pass-123"
OFF2_SHOTS = ARTIFACTS / "offline"
OFF2_SHOTS.mkdir(parents=True, exist_ok=True)
# The tablet's clock when the work is done offline: long enough before the network comes back
# for the PDF to print both times (interventions/pdf/context.py: one minute or more).
OFFLINE_EARLIER = datetime.timedelta(minutes=25)


@pytest.fixture
def offline_job(db):
    karim = UserFactory(
        username="karim-off", first_name="Karim", last_name="Haddad", role=roles.TECHNICIAN
    )
    # Called in this morning: the work done offline comes after the call.
    job = make_intervention(
        object="L’imprimante de l’accueil fait des traînées noires.",
        requested_at=timezone.now() - datetime.timedelta(hours=3),
    )
    services.intervention_assign(
        intervention=job,
        technician=karim,
        scheduled_start=timezone.now() + timezone.timedelta(hours=1),
    )
    checklist = build_list(
        Kind.INTERVENTION,
        "Contrôle après intervention",
        ["Page de test imprimée"],
        required=["Page de test imprimée"],
    )
    procedure_services.run_attach(intervention=job, procedure=checklist, actor=karim)
    # The sign panel proposes the client's e-mail for the signed report.
    job.client.email = "accueil@imprimerie-vial.fr"
    job.client.save()
    PartFactory(reference="TON-HP-59A", name="Toner HP 59A", unit_price=Decimal("89.00"))
    return karim, job


def stamp_png(path):
    image = Image.new("RGB", (240, 120), (255, 255, 255))
    for x in range(20, 220):
        for y in (30, 31, 90, 91):
            image.putpixel((x, y), (30, 60, 160))
    out = io.BytesIO()
    image.save(out, format="PNG")
    path.write_bytes(out.getvalue())
    return path


def test_assigned_job_done_offline_then_sent_once_and_signed(
    playwright, live_server, offline_job, tmp_path
):
    karim, job = offline_job
    tablet = launch_tablet(playwright, tmp_path / "tablet")
    page = tablet.new_page()
    login_tablet(page, live_server, "karim-off", PASSWORD)
    wait_until_cached(page)

    # On site, in the basement: no network, and the tablet's clock runs earlier than the
    # moment the server will receive the work.
    tablet.set_offline(True)
    page.clock.install(time=datetime.datetime.now(datetime.UTC) - OFFLINE_EARLIER)
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")
    expect(page.get_by_test_id("offline-state")).to_have_text("Hors ligne")

    page.get_by_test_id("stamp-arrival").tap()
    expect(page.get_by_test_id("visit-row-pending")).to_be_visible()

    page.get_by_label("Diagnostics et observations").fill(
        "Cartouche recyclée ; poussière d’atelier dans le bac.\nTambour rayé."
    )
    page.get_by_label("Travaux réalisés").fill("Toner d’origine posé, câble remplacé.")

    # Two parts: one from the kept catalogue, one free line.
    page.get_by_label("Chercher dans le catalogue (référence ou nom)").press_sequentially("TON-HP")
    page.get_by_test_id("part-result").get_by_role("button", name="Ajouter").tap()
    page.get_by_label("Ligne libre (pièce hors catalogue)").fill("Câble USB 2 m")
    page.get_by_label("Prix unitaire HT").fill("7.50")
    page.locator("form[data-offline-part-add]").get_by_role("button", name="Ajouter").tap()
    expect(page.get_by_test_id("part-row-pending")).to_have_count(2)
    expect(page.get_by_test_id("offline-state")).to_have_text(
        "Hors ligne · 4 modifications en attente d’envoi"
    )

    # The checklist, on its page kept by the tablet.
    page.get_by_role("link", name="Contrôles et recette").tap()
    page.wait_for_url(f"{live_server.url}/procedures/intervention/{job.pk}/")
    page.locator(".checklist-point", has_text="Page de test imprimée").get_by_text(
        "OK", exact=True
    ).tap()
    page.get_by_role("button", name="Enregistrer").tap()
    expect(page.get_by_test_id("offline-pending")).to_be_visible()
    page.get_by_test_id("back-link").tap()
    page.wait_for_url(f"{live_server.url}/interventions/{job.pk}/work/**")
    # Opened again from the cache: what waits is shown again.
    expect(page.get_by_test_id("visit-row-pending")).to_be_visible()
    expect(page.get_by_test_id("part-row-pending")).to_have_count(2)

    page.get_by_label("Déplacement (km)").fill("23.5")
    page.get_by_label("Temps de trajet (minutes)").fill("35")
    page.get_by_test_id("stamp-departure").tap()
    page.get_by_test_id("mark-resolved").tap()
    expect(page.get_by_test_id("offline-outcome")).to_contain_text("Résolu")

    page.get_by_test_id("submit-report").tap()
    sign = page.get_by_test_id("offline-sign")
    expect(sign).to_be_visible()
    expect(page.get_by_test_id("offline-summary-work-done")).to_have_text(
        "Toner d’origine posé, câble remplacé."
    )
    expect(page.get_by_test_id("offline-summary-parts")).to_contain_text(
        "1 × TON-HP-59A — Toner HP 59A"
    )
    expect(page.get_by_test_id("offline-summary-parts")).to_contain_text("1 × Câble USB 2 m")
    expect(page.get_by_test_id("offline-summary-outcome")).to_have_text("Résolu")
    expect(page.get_by_test_id("offline-fingerprint")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))

    expect(page.get_by_test_id("offline-state")).to_contain_text("Hors ligne · ")
    # (The DevTools session that draws the signatures makes Chromium report navigator.onLine
    # true again while the context stays offline: the indicator is checked before it.)
    draw_with_touch(page, page.get_by_test_id("offline-canvas-technician"))
    page.get_by_test_id("offline-technician-sign").tap()
    expect(page.get_by_test_id("offline-technician-signed")).to_be_visible()
    page.get_by_label("Nom du signataire").fill("Mme Claire Roux")
    email = page.get_by_test_id("offline-signatory-email")
    expect(email).to_have_accessible_name("E-mail pour recevoir le rapport signé (facultatif)")
    expect(email).to_have_value("accueil@imprimerie-vial.fr")
    expect(email).to_have_attribute("type", "email")
    draw_with_touch(page, page.get_by_test_id("offline-canvas-customer"))
    page.get_by_label("Cachet de l’entreprise (photo facultative)").set_input_files(
        stamp_png(tmp_path / "cachet.png")
    )
    # A mistyped address is stopped on the tablet (nothing queued), then corrected.
    email.fill("claire.roux@")
    page.get_by_test_id("offline-customer-sign").tap()
    assert not email.evaluate("input => input.validity.valid")
    assert "sign-customer" not in [entry["kind"] for entry in queued(page)]
    email.fill("claire.roux@imprimerie-vial.fr")
    sign.scroll_into_view_if_needed()
    shot(page, "offline-sign-page")
    email.scroll_into_view_if_needed()
    with contextlib.suppress(OSError):  # no notes folder on this machine (CI)
        page.screenshot(path=str(OFF2_SHOTS / "offline-sign-email.png"))
    page.get_by_test_id("offline-customer-sign").tap()
    expect(page.get_by_test_id("offline-customer-signed")).to_be_visible()
    shot(page, "offline-signed-waiting")

    kinds = [entry["kind"] for entry in queued(page)]
    assert kinds[0] == "arrive"
    assert kinds[-3:] == ["submit", "sign-technician", "sign-customer"], kinds
    assert kinds.count("part-add") == 2 and kinds.count("checklist") == 1
    assert {"texts", "depart", "resolve"} <= set(kinds)
    job.refresh_from_db()
    assert job.status == Status.SCHEDULED and job.visits.count() == 0

    # The tab is closed; later, back in the van, the network returns and the app is opened.
    page.close()
    tablet.set_offline(False)
    page = tablet.new_page()
    page.goto(f"{live_server.url}/interventions/mine/")
    wait_until_sent(page)
    assert queued(page) == []

    job.refresh_from_db()
    assert job.status == Status.SIGNED
    visit = job.visits.get()
    assert visit.travel_km == Decimal("23.5") and visit.left_at is not None
    assert timezone.now() - visit.arrived_at > OFFLINE_EARLIER - datetime.timedelta(minutes=5)
    lines = list(job.parts.order_by("pk"))
    assert [(line.reference, line.description) for line in lines] == [
        ("TON-HP-59A", "Toner HP 59A"),
        ("", "Câble USB 2 m"),
    ]
    assert job.work_done == "Toner d’origine posé, câble remplacé."
    assert job.diagnostics == "Cartouche recyclée ; poussière d’atelier dans le bac.\nTambour rayé."
    assert job.outcome == "resolved"
    assert [(e.step.label, e.result) for e in RunEntry.objects.filter(run__intervention=job)] == [
        ("Page de test imprimée", "ok")
    ]
    report = SignedReport.objects.get(intervention=job)
    assert report_check(report).intact
    signatures = report.snapshot["signatures"]
    assert signatures["customer"]["name"] == "Mme Claire Roux"
    # The signed report is e-mailed as after an online signature.
    assert report.signatory_email == "claire.roux@imprimerie-vial.fr"
    email = OutgoingEmail.objects.get(intervention=job)
    assert "claire.roux@imprimerie-vial.fr" in email.recipients
    with report.pdf.open("rb") as pdf:
        stored = pdf.read()
    assert hashlib.sha256(stored).hexdigest() == report.sha256
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=stored, capture_output=True, check=True
    ).stdout.decode()
    assert "Signé sur la tablette le" in text and "reçu le" in text

    page.goto(f"{live_server.url}/verify/{job.number}/")
    expect(page.get_by_test_id("verdict")).to_contain_text("Intact.")
    tablet.close()


def test_work_page_opened_offline_fetches_the_bundle_once(
    playwright, live_server, offline_job, tmp_path
):
    """The part lines kept by the tablet (offline-work.js) and the offline sign panel
    (offline-sign.js) read the same offline bundle: one request for it per page load."""
    karim, job = offline_job
    tablet = launch_tablet(playwright, tmp_path / "tablet")
    page = tablet.new_page()
    login_tablet(page, live_server, "karim-off", PASSWORD)
    wait_until_cached(page)

    tablet.set_offline(True)
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")
    page.get_by_test_id("stamp-arrival").tap()
    page.get_by_label("Chercher dans le catalogue (référence ou nom)").press_sequentially("TON-HP")
    page.get_by_test_id("part-result").get_by_role("button", name="Ajouter").tap()
    expect(page.get_by_test_id("part-row-pending")).to_have_count(1)
    page.get_by_test_id("mark-resolved").tap()
    page.get_by_test_id("submit-report").tap()
    expect(page.get_by_test_id("offline-fingerprint")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))

    # Opened again from the tablet's cache: the part line asks the catalogue, the sign panel
    # its summary.
    bundle = []

    def count(request):
        if request.url.split("?")[0].endswith("/interventions/offline/"):
            bundle.append(request.url)

    page.on("request", count)
    page.reload()
    expect(page.get_by_test_id("part-row-pending")).to_contain_text("TON-HP-59A")
    expect(page.get_by_test_id("offline-fingerprint")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(page.get_by_test_id("offline-summary-parts")).to_contain_text(
        "1 × TON-HP-59A — Toner HP 59A"
    )
    page.wait_for_timeout(500)  # a late second request would show here
    assert len(bundle) == 1, bundle
    tablet.close()
