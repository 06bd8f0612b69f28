"""The tablet's queue of actions without network (static/js/offline-queue.js), in Chromium at
768 × 1024 with touch: it survives closing the browser, the indicator says where things are,
and the page shows what waits."""

import re

import pytest
from playwright.sync_api import expect

from interventions import roles, services
from procedures.models import Kind
from tests.e2e.offline_helpers import (
    launch_tablet,
    login_tablet,
    queued,
    shot,
    wait_until_cached,
)
from tests.factories import UserFactory, make_intervention
from tests.procedures.conftest import build_list

PASSWORD = "secret-pass-123"


@pytest.fixture
def karims_job(db):
    karim = UserFactory(
        username="karim-off", first_name="Karim", last_name="Haddad", role=roles.TECHNICIAN
    )
    job = make_intervention(object="Le copieur du 2e étage bourre.")
    services.intervention_assign(intervention=job, technician=karim)
    return karim, job


def test_queue_survives_a_browser_restart_and_is_sent_once_after_login(
    playwright, live_server, karims_job, tmp_path
):
    karim, job = karims_job
    profile = tmp_path / "tablet"
    tablet = launch_tablet(playwright, profile)
    page = tablet.new_page()
    login_tablet(page, live_server, "karim-off", PASSWORD)
    wait_until_cached(page)
    expect(page.get_by_test_id("offline-state")).to_have_text("En ligne")
    expect(page.get_by_test_id("offline-last-sync")).to_contain_text("Dernière synchronisation")
    shot(page, "indicator-online")

    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")
    tablet.set_offline(True)
    # Without network the page comes from the tablet's cache.
    page.reload()
    expect(page.get_by_test_id("work-page")).to_be_visible()
    expect(page.get_by_test_id("offline-state")).to_have_text("Hors ligne")
    shot(page, "indicator-offline")

    page.get_by_test_id("stamp-arrival").tap()
    expect(page.get_by_test_id("visit-row-pending")).to_be_visible()
    expect(page.get_by_test_id("stamp-departure")).to_be_visible()
    expect(page.get_by_test_id("offline-state")).to_have_text(
        "Hors ligne · 1 modification en attente d’envoi"
    )
    page.get_by_label("Ligne libre (pièce hors catalogue)").fill("Câble USB 2 m")
    page.get_by_label("Prix unitaire HT").fill("7.50")
    page.get_by_role("button", name="Ajouter", exact=True).tap()
    expect(page.get_by_test_id("part-row-pending")).to_contain_text("Câble USB 2 m")
    expect(page.get_by_test_id("part-row-pending")).to_contain_text("en attente d’envoi")
    expect(page.get_by_test_id("parts-total")).to_have_text("7,50 €")
    expect(page.get_by_test_id("offline-indicator")).to_have_attribute("data-pending", "2")
    expect(page.get_by_test_id("offline-send")).to_be_visible()
    page.get_by_test_id("part-row-pending").scroll_into_view_if_needed()
    shot(page, "queued-part")
    assert [e["kind"] for e in queued(page)] == ["arrive", "part-add"]
    keys = [e["key"] for e in queued(page)]
    assert all(re.fullmatch(r"[0-9a-f-]{36}", key) for key in keys)
    assert job.visits.count() == 0 and job.parts.count() == 0

    # The browser is closed (the tablet restarts): the session ends, the queue stays.
    tablet.close()
    tablet = launch_tablet(playwright, profile)
    page = tablet.pages[0] if tablet.pages else tablet.new_page()
    # The arrival is held on its way to the server for a moment: the indicator says so.
    held = []
    tablet.route(re.compile(r"/work/arrive/$"), lambda route: held.append(route))
    login_tablet(page, live_server, "karim-off", PASSWORD)
    expect(page.get_by_test_id("offline-indicator")).to_have_attribute("data-state", "syncing")
    expect(page.get_by_test_id("offline-state")).to_have_text("Synchronisation…")
    shot(page, "indicator-syncing")
    page.wait_for_function("() => true")
    assert held, "the replay of the arrival did not reach the network"
    held[0].continue_()
    tablet.unroute(re.compile(r"/work/arrive/$"))
    expect(page.get_by_test_id("offline-indicator")).to_have_attribute(
        "data-state", "online", timeout=30_000
    )
    assert queued(page) == []
    assert job.visits.count() == 1
    line = job.parts.get()
    assert line.description == "Câble USB 2 m" and str(line.unit_price) == "7.50"

    # Replaying the same keys again changes nothing (the server answers from its record).
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")
    expect(page.get_by_test_id("visit-row")).to_have_count(1)
    expect(page.get_by_test_id("part-row")).to_have_count(1)
    tablet.close()


def test_a_refused_action_is_shown_in_french_and_kept_until_the_technician_drops_it(
    playwright, live_server, karims_job, tmp_path
):
    karim, job = karims_job
    julie = UserFactory(username="julie-off", first_name="Julie", last_name="Martin")
    julie.groups.set(karim.groups.all())
    dispatcher = UserFactory(username="sophie-off", role=roles.DISPATCHER)
    tablet = launch_tablet(playwright, tmp_path / "tablet")
    page = tablet.new_page()
    login_tablet(page, live_server, "karim-off", PASSWORD)
    wait_until_cached(page)
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")
    tablet.set_offline(True)
    page.get_by_test_id("stamp-arrival").tap()
    expect(page.get_by_test_id("visit-row-pending")).to_be_visible()

    # Meanwhile the office hands the job over to Julie: Karim's arrival can no longer be taken.
    services.intervention_handover(
        intervention=job, to_technician=julie, actor=dispatcher, note="Karim est malade."
    )
    tablet.set_offline(False)
    page.get_by_test_id("offline-send").tap()
    problem = page.get_by_test_id("offline-problem")
    expect(problem).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("offline-indicator")).to_have_attribute("data-state", "error")
    expect(page.get_by_test_id("offline-state")).to_have_text(
        "Une modification a été refusée : à vous de choisir"
    )
    expect(problem).to_contain_text("Le serveur a refusé une modification faite sur la tablette")
    expect(page.get_by_test_id("offline-problem-action")).to_contain_text("Je suis arrivé")
    expect(page.get_by_test_id("offline-problem-message")).to_contain_text("plus parmi les vôtres")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "refused-action")
    # Kept until the technician chooses, also when the page is opened again.
    page.reload()
    expect(page.get_by_test_id("offline-problem")).to_be_visible()
    assert [e["state"] for e in queued(page)] == ["error"]

    page.get_by_test_id("offline-drop").tap()
    expect(page.get_by_test_id("offline-indicator")).to_have_attribute("data-state", "online")
    assert queued(page) == []
    assert job.visits.count() == 0
    tablet.close()


def test_an_action_that_needs_the_network_says_so_offline(
    playwright, live_server, karims_job, tmp_path
):
    karim, job = karims_job
    build_list(Kind.INTERVENTION, "Nettoyage du four", ["Four nettoyé"])
    tablet = launch_tablet(playwright, tmp_path / "tablet")
    page = tablet.new_page()
    login_tablet(page, live_server, "karim-off", PASSWORD)
    wait_until_cached(page)
    tablet.set_offline(True)
    page.goto(f"{live_server.url}/procedures/intervention/{job.pk}/")
    page.get_by_role("button", name="Rattacher").tap()
    expect(page.get_by_test_id("offline-needs-network")).to_have_text(
        "Cette action demande le réseau : refaites-la au retour du réseau (rien n’a été envoyé)."
    )
    assert queued(page) == []
    tablet.close()
