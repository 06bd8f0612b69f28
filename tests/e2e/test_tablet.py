"""The technician's tablet, end to end in Chromium emulating a Galaxy Tab S4 (touch)."""

import hashlib
import json
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interventions import roles, services
from interventions.models import SignedReport, Status
from tests.e2e.conftest import htmx_settled, login, screenshot
from tests.factories import PartFactory, UserFactory, make_intervention

PASSWORD = "secret-pass-123"
# A signature-like zigzag, in fractions of the canvas.
STROKES = [
    [(0.08, 0.65), (0.2, 0.25), (0.32, 0.7), (0.45, 0.3), (0.55, 0.6)],
    [(0.6, 0.4), (0.75, 0.7), (0.9, 0.3)],
]


def draw_with_touch(page, canvas):
    """Touch strokes through the DevTools protocol, as a finger on the glass."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    cdp = page.context.new_cdp_session(page)

    def point(fx, fy):
        return {"x": box["x"] + fx * box["width"], "y": box["y"] + fy * box["height"]}

    for stroke in STROKES:
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [point(*stroke[0])]}
        )
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False):
            for step in range(1, 9):
                t = step / 8
                cdp.send(
                    "Input.dispatchTouchEvent",
                    {
                        "type": "touchMove",
                        "touchPoints": [point(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)],
                    },
                )
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()
    # A finger takes a moment to go from the pad to a button; Chromium drops a tap that comes
    # within a few hundred milliseconds of the last stroke (the test failed on an idle machine).
    page.wait_for_timeout(1000)


def pad_is_empty(page, name):
    return page.evaluate(
        """name => document.querySelector(`[data-testid=signature-canvas-${name}]`)
                 .closest('[data-signature-field]').signaturePad.isEmpty()""",
        name,
    )


def post_from_page(page, path, data):
    """A form POST from the logged-in tablet (CSRF token from the page: the cookie is
    HttpOnly)."""
    return page.evaluate(
        """async ([path, data]) => {
            const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken'];
            const body = new URLSearchParams(data);
            const headers = {'X-CSRFToken': token};
            const response = await fetch(path, {method: 'POST', body, headers});
            return {status: response.status, text: await response.text()};
        }""",
        [path, data],
    )


@pytest.fixture
def job_for_karim(db):
    karim = UserFactory(
        username="karim-e2e", first_name="Karim", last_name="Haddad", role=roles.TECHNICIAN
    )
    dispatcher = UserFactory(username="sophie-e2e", role=roles.DISPATCHER)
    job = make_intervention(object="L’imprimante de l’accueil fait des traînées noires.")
    services.intervention_assign(
        intervention=job,
        technician=karim,
        actor=dispatcher,
        scheduled_start=timezone.now() + timezone.timedelta(minutes=30),
    )
    PartFactory(reference="TON-HP-59A", name="Toner HP 59A", unit_price=Decimal("89.00"))
    PartFactory(reference="KIT-FUS-M404", name="Kit de fusion M404", unit_price=Decimal("145.00"))
    return karim, job


def test_technician_completes_and_gets_both_signatures_then_the_report_is_locked(
    tablet_page, live_server, job_for_karim
):
    page = tablet_page
    karim, job = job_for_karim
    login(page, live_server, "karim-e2e", PASSWORD)
    page.wait_for_url(f"{live_server.url}/interventions/mine/")
    screenshot(page, "tablet-mine")
    page.get_by_test_id(f"job-{job.number}").tap()
    page.wait_for_url(re.compile(r"/work/$"))

    page.get_by_test_id("stamp-arrival").tap()
    expect(page.get_by_test_id("stamp-departure")).to_be_visible()

    state = page.get_by_test_id("save-state")
    page.get_by_label("Diagnostics et observations").fill(
        "Cartouche recyclée installée par le client ; poussière d’atelier dans le bac."
    )
    page.get_by_label("Travaux réalisés").fill("Toner d’origine posé, kit de fusion remplacé.")
    expect(state).to_have_attribute("data-state", "saved")

    search = page.get_by_label("Chercher dans le catalogue (référence ou nom)")
    search.press_sequentially("TON-HP")
    page.get_by_test_id("part-result").get_by_role("button", name="Ajouter").tap()
    expect(page.get_by_test_id("part-row")).to_have_count(1)
    htmx_settled(page)
    page.get_by_label("Chercher dans le catalogue (référence ou nom)").press_sequentially("fusion")
    page.get_by_test_id("part-result").get_by_role("button", name="Ajouter").tap()
    expect(page.get_by_test_id("part-row")).to_have_count(2)
    expect(page.get_by_test_id("parts-total")).to_have_text("234,00 €")
    screenshot(page, "tablet-work")

    page.get_by_label("Déplacement (km)").fill("23.5")
    page.get_by_label("Temps de trajet (minutes)").fill("35")
    page.get_by_test_id("stamp-departure").tap()
    expect(page.get_by_test_id("stamp-arrival")).to_be_visible()

    page.get_by_test_id("submit-report").tap()
    page.wait_for_url(re.compile(r"/sign/$"))
    expect(page.get_by_test_id("legal-sentence")).to_contain_text(
        "régie par nos conditions générales que le souscripteur déclare expressément accepter"
    )
    expect(page.get_by_test_id("summary-work-done")).to_have_text(
        "Toner d’origine posé, kit de fusion remplacé."
    )

    # An empty pad is refused with a French message, before anything is sent.
    page.get_by_test_id("technician-sign").tap()
    expect(page.locator("[data-signature-empty]")).to_be_visible()
    expect(page.locator("[data-signature-empty]")).to_contain_text("La signature est vide")

    draw_with_touch(page, page.get_by_test_id("signature-canvas-signature"))
    assert not pad_is_empty(page, "signature")
    # A rotation of the tablet keeps the drawing.
    page.set_viewport_size({"width": 1138, "height": 712})
    page.wait_for_timeout(400)
    assert not pad_is_empty(page, "signature")
    page.set_viewport_size({"width": 712, "height": 1138})
    page.wait_for_timeout(400)
    assert not pad_is_empty(page, "signature")
    page.get_by_test_id("technician-sign").tap()
    expect(page.get_by_test_id("technician-signed")).to_be_visible()

    page.get_by_label("Nom du signataire").fill("Mme Claire Roux")
    draw_with_touch(page, page.get_by_test_id("signature-canvas-signature"))
    screenshot(page, "tablet-sign-customer")
    page.get_by_test_id("customer-sign").tap()
    # Rendering the PDF takes a few seconds on a busy machine.
    expect(page.get_by_test_id("locked-banner")).to_be_visible(timeout=30_000)
    screenshot(page, "tablet-signed")

    job.refresh_from_db()
    assert job.status == Status.SIGNED
    assert job.visits.get().travel_km == Decimal("23.5")
    assert job.parts.count() == 2
    report = SignedReport.objects.get(intervention=job)
    signatures = report.snapshot["signatures"]
    for who in ("technician", "customer"):
        assert signatures[who]["image"].startswith("data:image/png;base64,")
        assert len(signatures[who]["image"]) < 40_000
    assert signatures["technician"]["name"] == "Karim Haddad"
    assert signatures["customer"]["name"] == "Mme Claire Roux"
    stored = report.pdf.read()
    assert stored.startswith(b"%PDF")
    assert hashlib.sha256(stored).hexdigest() == report.sha256

    # The download serves the stored bytes.
    download = page.request.get(f"{live_server.url}/interventions/{job.pk}/report.pdf")
    assert hashlib.sha256(download.body()).hexdigest() == report.sha256

    # Every edit attempt is refused: form POSTs from the tablet, then the services.
    base = f"/interventions/{job.pk}"
    autosave = post_from_page(page, f"{base}/work/report/", {"work_done": "modifié"})
    assert autosave["status"] == 409 and "signée" in json.loads(autosave["text"])["error"]
    for path, data in [
        (f"{base}/work/arrive/", {}),
        (f"{base}/work/parts/add/", {"description": "Câble", "quantity": "1"}),
        (f"{base}/work/resolve/", {}),
        (f"{base}/work/other-request/", {"object": "Modem"}),
        (f"{base}/sign/technician/", {"signature": ""}),
    ]:
        answer = post_from_page(page, path, data)
        assert "est signée" in answer["text"] or "La signature est vide" in answer["text"], path
    with pytest.raises(services.ReportLocked):
        services.report_update(intervention=job, work_done="modifié", actor=karim)
    with pytest.raises(services.ReportLocked):
        services.part_add(intervention=job, description="Câble", quantity=1, actor=karim)
    job.refresh_from_db()
    assert job.work_done == "Toner d’origine posé, kit de fusion remplacé."
    assert job.parts.count() == 2 and job.visits.count() == 1 and job.children.count() == 0
    assert SignedReport.objects.count() == 1


def test_text_typed_while_offline_reaches_the_server(tablet_page, live_server, job_for_karim):
    page = tablet_page
    karim, job = job_for_karim
    services.visit_arrive(intervention=job, technician=karim)
    login(page, live_server, "karim-e2e", PASSWORD)
    page.wait_for_url(f"{live_server.url}/interventions/mine/")
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")
    state = page.get_by_test_id("save-state")
    diagnostics = page.get_by_label("Diagnostics et observations")

    diagnostics.press_sequentially("Avant la coupure. ")
    expect(state).to_have_attribute("data-state", "saved")

    page.context.set_offline(True)
    diagnostics.press_sequentially("Pendant la coupure : cartouche recyclée, atelier poussiéreux.")
    expect(state).to_have_attribute("data-state", "offline")
    expect(state).to_contain_text("Hors ligne")
    screenshot(page, "tablet-offline")
    job.refresh_from_db()
    assert job.diagnostics == "Avant la coupure. "

    page.context.set_offline(False)
    expect(state).to_have_attribute("data-state", "saved", timeout=15_000)
    job.refresh_from_db()
    assert job.diagnostics == (
        "Avant la coupure. Pendant la coupure : cartouche recyclée, atelier poussiéreux."
    )

    # Offline again, the tab is closed: the text waits in the tablet and is sent on reopening.
    page.context.set_offline(True)
    page.get_by_label("Remarques").press_sequentially("Client absent à 12 h.")
    expect(state).to_have_attribute("data-state", "offline")
    context = page.context
    page.close()
    context.set_offline(False)
    again = context.new_page()
    again.goto(f"{live_server.url}/interventions/{job.pk}/work/")
    expect(again.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    job.refresh_from_db()
    assert job.remarks == "Client absent à 12 h."
    assert job.diagnostics.endswith("atelier poussiéreux.")


@pytest.mark.parametrize("size", [(768, 1024), (1280, 800)], ids=["768x1024", "1280x800"])
def test_tablet_pages_fit_the_screen(page, live_server, job_for_karim, size):
    karim, job = job_for_karim
    services.visit_arrive(intervention=job, technician=karim)
    services.part_add(intervention=job, description="Câble USB", quantity=1, actor=karim)
    page.set_viewport_size({"width": size[0], "height": size[1]})
    login(page, live_server, "karim-e2e", PASSWORD)
    page.wait_for_url(f"{live_server.url}/interventions/mine/")
    name = f"{size[0]}x{size[1]}"
    screenshot(page, f"tablet-mine-{name}")
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")
    screenshot(page, f"tablet-work-{name}")
    no_overflow = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_overflow)
    # Every button and link of the work area is at least 44 px high.
    small = page.evaluate(
        """() => [...document.querySelectorAll(
                '.work-page .btn, .work-page input, .work-page textarea')]
            .filter(e => e.offsetParent !== null && e.type !== 'hidden')
            .filter(e => e.getBoundingClientRect().height < 44)
            .map(e => e.outerHTML.slice(0, 80))"""
    )
    assert small == []
