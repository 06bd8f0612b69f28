"""Handover and unsigned work reach the right person, in Chromium: the receiving technician
reads the note on the tablet, the dispatcher finds the work to have signed, and cancelling
asks for a reason."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from interventions import roles, services
from interventions.models import InterventionEvent, Status
from tests.e2e.conftest import login, screenshot
from tests.factories import ClientFactory, UserFactory, make_intervention

PASSWORD = "secret-pass-123"


def test_receiving_technician_reads_the_handover_note_on_the_tablet(browser, tablet, live_server):
    karim = UserFactory(
        username="karim", first_name="Karim", last_name="Haddad", role=roles.TECHNICIAN
    )
    UserFactory(username="julie", first_name="Julie", last_name="Martin", role=roles.TECHNICIAN)
    job = make_intervention(client=ClientFactory(name="Pharmacie Garnier"))
    services.intervention_assign(intervention=job, technician=karim)
    services.visit_arrive(
        intervention=job, technician=karim, at=timezone.now() - datetime.timedelta(hours=1)
    )

    login(tablet, live_server, "karim", PASSWORD)
    tablet.wait_for_url(f"{live_server.url}/interventions/mine/")
    tablet.get_by_test_id(f"job-{job.number}").click()
    tablet.get_by_test_id("stamp-departure").click()
    tablet.get_by_role("link", name="Transmettre à un autre technicien").click()
    tablet.get_by_label("Transmettre à").select_option(label="Julie Martin")
    tablet.get_by_label("Note de transmission").fill(
        "Câble réseau changé.\nReste à installer le pilote de l'imprimante."
    )
    tablet.get_by_role("button", name="Transmettre", exact=True).click()
    tablet.wait_for_url(f"{live_server.url}/interventions/mine/")
    tablet.context.clear_cookies()

    login(tablet, live_server, "julie", PASSWORD)
    tablet.wait_for_url(f"{live_server.url}/interventions/mine/")
    tablet.get_by_test_id(f"job-{job.number}").click()
    note = tablet.get_by_test_id("handover-note")
    expect(note).to_contain_text("Vous a été transmise par Karim Haddad le")
    expect(tablet.get_by_test_id("handover-note-text")).to_have_text(
        "Câble réseau changé.\nReste à installer le pilote de l'imprimante."
    )
    # On top of the page: visible without scrolling, above the job's details.
    assert note.bounding_box()["y"] + note.bounding_box()["height"] <= 1024
    assert note.bounding_box()["y"] < tablet.get_by_test_id("object").bounding_box()["y"]
    # Karim's visit is read-only for Julie.
    expect(tablet.get_by_test_id("visit-read-only-link")).to_have_count(1)
    expect(tablet.get_by_test_id("correct-visit")).to_have_count(0)
    screenshot(tablet, "handover-note-tablet-768")

    tablet.get_by_test_id("history-link").click()
    history = tablet.get_by_test_id("history")
    expect(history).to_contain_text("Transmission\u00a0: Karim Haddad → Julie Martin")
    expect(history).to_contain_text("Reste à installer le pilote")
    screenshot(tablet, "handover-history-768")


def test_dispatcher_filters_the_work_to_have_signed(page, live_server):
    UserFactory(username="disp", role=roles.DISPATCHER)
    technician = UserFactory(
        username="tech", first_name="Karim", last_name="Haddad", role=roles.TECHNICIAN
    )
    visited = make_intervention(client=ClientFactory(name="Garage Vial"), object="Écran noir")
    services.intervention_assign(intervention=visited, technician=technician)
    now = timezone.now()
    services.visit_record(
        intervention=visited,
        technician=technician,
        arrived_at=now - datetime.timedelta(hours=3),
        left_at=now - datetime.timedelta(hours=2),
    )
    planned = make_intervention(client=ClientFactory(name="Mairie"), object="Réseau")
    services.intervention_assign(intervention=planned, technician=technician)
    make_intervention(client=ClientFactory(name="Notaire"), object="Imprimante")

    login(page, live_server, "disp", PASSWORD)
    page.wait_for_url(f"{live_server.url}/interventions/")
    counter = page.get_by_test_id("to-sign-counter")
    expect(counter).to_contain_text("À faire signer")
    expect(counter.locator(".badge")).to_have_text("1")
    counter.click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id(f"row-{visited.number}")).to_contain_text("En cours")
    screenshot(page, "to-sign-filter-1280")

    # The same filter from the status list.
    page.goto(f"{live_server.url}/interventions/")
    expect(page.locator("tbody tr")).to_have_count(3)
    page.get_by_label("Statut").select_option(label="À faire signer")
    page.get_by_role("button", name="Filtrer").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.get_by_test_id(f"row-{visited.number}")).to_be_visible()
    page.set_viewport_size({"width": 768, "height": 1024})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "to-sign-filter-768")


def test_cancel_asks_for_a_reason_and_keeps_it_when_refused(page, live_server):
    UserFactory(username="disp", first_name="Sophie", last_name="Lambert", role=roles.DISPATCHER)
    technician = UserFactory(username="tech", role=roles.TECHNICIAN)
    job = make_intervention(client=ClientFactory(name="Garage Vial"))
    services.intervention_assign(intervention=job, technician=technician)
    login(page, live_server, "disp", PASSWORD)
    page.wait_for_url(f"{live_server.url}/interventions/")
    page.goto(f"{live_server.url}/interventions/{job.pk}/")

    # Without a reason (only spaces): a French error, nothing changed.
    page.get_by_text("Annuler l’intervention").first.click()
    page.get_by_label("Motif de l’annulation").fill("   ")
    page.get_by_test_id("cancel-submit").click()
    expect(page.get_by_test_id("cancel-form")).to_contain_text(
        "Dites pourquoi l’intervention est annulée."
    )
    job.refresh_from_db()
    assert job.status == Status.SCHEDULED
    screenshot(page, "cancel-without-reason-1280")

    # The technician finishes the report while the dispatcher types: the workflow refuses,
    # the reason stays in the form, and the button is gone.
    services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=timezone.now() - datetime.timedelta(hours=1),
        left_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    services.report_update(intervention=job, work_done="Écran remplacé.", actor=technician)
    services.report_submit(intervention=job, actor=technician)
    page.get_by_label("Motif de l’annulation").fill("Le client a annulé par téléphone.")
    page.get_by_test_id("cancel-submit").click()
    expect(page.get_by_test_id("cancel-error")).to_contain_text(
        "ne peut pas passer de «\u00a0En attente de signature\u00a0» à «\u00a0Annulée\u00a0»"
    )
    expect(page.get_by_label("Motif de l’annulation")).to_have_value(
        "Le client a annulé par téléphone."
    )
    expect(page.get_by_test_id("cancel-submit")).to_have_count(0)
    job.refresh_from_db()
    assert job.status == Status.AWAITING_SIGNATURE
    assert not InterventionEvent.objects.filter(intervention=job, to_status="cancelled").exists()

    # With a reason, where the workflow cancels.
    other = make_intervention(client=ClientFactory(name="Mairie"))
    page.goto(f"{live_server.url}/interventions/{other.pk}/")
    page.get_by_text("Annuler l’intervention").first.click()
    page.get_by_label("Motif de l’annulation").fill("Doublon de l’appel précédent.")
    page.get_by_test_id("cancel-submit").click()
    expect(page.get_by_text(f"Intervention {other.number} annulée.")).to_be_visible()
    expect(page.get_by_test_id("cancel-panel")).to_have_count(0)
    expect(page.get_by_test_id("history")).to_contain_text(
        "Motif\u00a0: Doublon de l’appel précédent."
    )
    other.refresh_from_db()
    assert other.status == Status.CANCELLED
    screenshot(page, "cancel-done-1280")
