"""Done-when of issue 16: the technician edits offline while the dispatcher changes the same
job online; back online the conflict is shown with both values, the technician chooses, and
nothing is lost (the chosen text on the job, the other one in the history)."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interventions import roles, services
from interventions.models import InterventionEvent, SignedReport, Status
from tests.e2e.conftest import login
from tests.e2e.offline_helpers import (
    launch_tablet,
    login_tablet,
    queued,
    shot,
    wait_until_cached,
    wait_until_queued,
)
from tests.e2e.test_tablet import draw_with_touch
from tests.factories import EquipmentFactory, UserFactory, make_intervention
from tests.procedures.conftest import build_printer_tree

PASSWORD = "secret-pass-123"
MINE = "Fuite d’encre sur le tambour : tambour nettoyé."


@pytest.fixture
def shared_job(db):
    karim = UserFactory(
        username="karim-off", first_name="Karim", last_name="Haddad", role=roles.TECHNICIAN
    )
    UserFactory(
        username="sophie-off", first_name="Sophie", last_name="Morel", role=roles.DISPATCHER
    )
    build_printer_tree()
    job = make_intervention(equipment=EquipmentFactory(), object="L’imprimante fait des taches.")
    services.intervention_assign(intervention=job, technician=karim, scheduled_start=timezone.now())
    services.visit_arrive(intervention=job, technician=karim)
    return karim, job


def dispatcher_runs_the_diagnostic(browser, live_server, job):
    """Sophie, at the office, runs the guided diagnostic: its path is written into the report's
    diagnostics (a newer version of the texts than the tablet's)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    login(page, live_server, "sophie-off", PASSWORD)
    page.goto(f"{live_server.url}/procedures/intervention/{job.pk}/diagnostic/")
    page.get_by_label("Procédure de diagnostic").select_option(
        label="L'imprimante imprime des taches"
    )
    page.get_by_role("button", name="Commencer le diagnostic").click()
    page.get_by_role("button", name="Non", exact=True).click()
    page.get_by_text("La cartouche est-elle recyclée ?").wait_for()
    page.get_by_role("button", name="Oui", exact=True).click()
    page.get_by_test_id("diagnostic-conclusion").wait_for()
    context.close()


def test_offline_text_meets_the_dispatchers_change_and_the_technician_chooses(
    playwright, browser, live_server, shared_job, tmp_path
):
    karim, job = shared_job
    tablet = launch_tablet(playwright, tmp_path / "tablet")
    page = tablet.new_page()
    login_tablet(page, live_server, "karim-off", PASSWORD)
    wait_until_cached(page)
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")

    tablet.set_offline(True)
    page.get_by_label("Diagnostics et observations").fill(MINE)
    # The text is queued when the autosave's pause (700 ms) has passed; the part comes after.
    wait_until_queued(page, "texts")
    page.get_by_label("Ligne libre (pièce hors catalogue)").fill("Kit de nettoyage")
    page.get_by_label("Prix unitaire HT").fill("12")
    page.locator("form[data-offline-part-add]").get_by_role("button", name="Ajouter").tap()
    expect(page.get_by_test_id("part-row-pending")).to_be_visible()
    kinds = [e["kind"] for e in queued(page)]
    job.refresh_from_db()
    # If the text left the queue, say whether it reached the server while the context was
    # offline (Chromium's offline emulation and the service worker: see the note of issue 16).
    assert kinds == ["texts", "part-add"], (kinds, "diagnostics on the server:", job.diagnostics)

    dispatcher_runs_the_diagnostic(browser, live_server, job)
    job.refresh_from_db()
    theirs = job.diagnostics
    assert "La cartouche est-elle recyclée ? → Oui" in theirs

    # Back online: the texts are refused as a conflict, the queue stops and shows both.
    tablet.set_offline(False)
    page.get_by_test_id("offline-send").tap()
    problem = page.get_by_test_id("offline-problem")
    expect(problem).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("offline-indicator")).to_have_attribute("data-state", "conflict")
    expect(page.get_by_test_id("offline-state")).to_have_text("Conflit : à vous de choisir")
    expect(problem).to_contain_text("Quelqu’un d’autre a modifié cette intervention entre-temps")
    expect(problem.get_by_test_id("conflict-mine")).to_have_text(MINE)
    expect(problem.get_by_test_id("conflict-theirs")).to_contain_text(
        "La cartouche est-elle recyclée ? → Oui"
    )
    expect(problem).to_contain_text("Sophie Morel")
    expect(problem.locator("[data-field=diagnostics] .col-md-6 > .small")).to_have_text(
        ["Ma version (tablette)", re.compile(r"^Leur version \(serveur\) \(Sophie Morel, .+\)$")]
    )
    problem.scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "conflict-banner")
    shot(page, "indicator-conflict")
    # Nothing after the conflict was sent: the order is kept.
    job.refresh_from_db()
    assert job.diagnostics == theirs and job.parts.count() == 0

    page.get_by_test_id("offline-keep-mine").tap()
    expect(page.get_by_test_id("offline-indicator")).to_have_attribute(
        "data-state", "online", timeout=20_000
    )
    expect(problem).to_be_hidden()
    job.refresh_from_db()
    assert job.diagnostics == MINE
    assert list(job.parts.values_list("description", flat=True)) == ["Kit de nettoyage"]
    # The dispatcher's text is not lost: the history holds it, replaced by the technician's.
    events = InterventionEvent.objects.filter(
        intervention=job, code=InterventionEvent.Code.REPORT_TEXT
    ).order_by("pk")
    assert (theirs, MINE) in [(e.data.get("before"), e.data.get("after")) for e in events]
    tablet.close()


def test_taking_their_text_drops_mine_and_shows_theirs(
    playwright, browser, live_server, shared_job, tmp_path
):
    karim, job = shared_job
    tablet = launch_tablet(playwright, tmp_path / "tablet")
    page = tablet.new_page()
    login_tablet(page, live_server, "karim-off", PASSWORD)
    wait_until_cached(page)
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")
    tablet.set_offline(True)
    page.get_by_label("Diagnostics et observations").fill(MINE)
    page.wait_for_function("() => OfflineQueue.entries().length === 1")

    dispatcher_runs_the_diagnostic(browser, live_server, job)
    job.refresh_from_db()
    theirs = job.diagnostics

    tablet.set_offline(False)
    page.get_by_test_id("offline-send").tap()
    expect(page.get_by_test_id("offline-problem")).to_be_visible(timeout=20_000)
    page.get_by_test_id("offline-take-theirs").tap()
    expect(page.get_by_test_id("offline-indicator")).to_have_attribute("data-state", "online")
    expect(page.get_by_label("Diagnostics et observations")).to_have_value(theirs)
    assert queued(page) == []
    job.refresh_from_db()
    assert job.diagnostics == theirs
    tablet.close()


def test_customer_signature_given_offline_on_a_report_changed_meanwhile_is_signed_again(
    playwright, browser, live_server, shared_job, tmp_path
):
    karim, job = shared_job
    visit = job.visits.get()
    services.visit_depart(visit=visit, actor=karim, travel_km=Decimal("4"), travel_minutes=10)
    services.report_update(intervention=job, actor=karim, work_done="Tambour nettoyé.")
    services.intervention_resolve(intervention=job, actor=karim)
    tablet = launch_tablet(playwright, tmp_path / "tablet")
    page = tablet.new_page()
    login_tablet(page, live_server, "karim-off", PASSWORD)
    wait_until_cached(page)
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")

    tablet.set_offline(True)
    page.get_by_test_id("submit-report").tap()
    expect(page.get_by_test_id("offline-sign")).to_be_visible()
    draw_with_touch(page, page.get_by_test_id("offline-canvas-technician"))
    page.get_by_test_id("offline-technician-sign").tap()
    page.get_by_label("Nom du signataire").fill("M. Paul Girard")
    draw_with_touch(page, page.get_by_test_id("offline-canvas-customer"))
    page.get_by_test_id("offline-customer-sign").tap()
    expect(page.get_by_test_id("offline-customer-signed")).to_be_visible()

    # The office adds its diagnostic to the report the customer just signed on the tablet.
    dispatcher_runs_the_diagnostic(browser, live_server, job)

    tablet.set_offline(False)
    page.get_by_test_id("offline-send").tap()
    problem = page.get_by_test_id("offline-problem")
    expect(problem).to_be_visible(timeout=30_000)
    expect(problem).to_contain_text("faites signer à nouveau le client")
    expect(page.get_by_test_id("offline-resign")).to_be_visible()
    expect(page.get_by_test_id("offline-keep-mine")).to_be_hidden()
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "signature-conflict")
    job.refresh_from_db()
    assert job.status == Status.AWAITING_SIGNATURE and not SignedReport.objects.exists()

    page.get_by_test_id("offline-resign").tap()
    page.wait_for_url(f"{live_server.url}/interventions/{job.pk}/sign/")
    expect(page.get_by_test_id("summary-diagnostics")).to_contain_text(
        "La cartouche est-elle recyclée ? → Oui"
    )
    assert queued(page) == []
    expect(page.get_by_test_id("offline-indicator")).to_have_attribute("data-state", "online")
    tablet.close()
