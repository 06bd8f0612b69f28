"""The Content-Security-Policy, enforced by Chromium on the main pages of every role: not one
violation, and the pages still work (htmx pickers, autosave, signature pad, charts, planning,
billing's select-all, the language menu). docs/reliability.md, « Content-Security-Policy »."""

import io
import re

import pytest
from django.core.management import call_command
from django.utils.timezone import localtime
from playwright.sync_api import expect

from interventions.models import Intervention, Status
from procedures.models import Procedure
from tests.e2e.conftest import htmx_settled

PASSWORD = "demo1234"
# Runs before any script of every document: each violation is written to the console, which
# the test collects across navigations.
LISTEN = """document.addEventListener('securitypolicyviolation', e => console.error(
    'CSP violation ' + JSON.stringify({page: location.pathname, directive: e.violatedDirective,
        blocked: e.blockedURI, source: e.sourceFile, line: e.lineNumber, sample: e.sample})));"""


class Watch:
    """The CSP violations, page errors and server errors met while a test browses."""

    def __init__(self, page):
        self.violations, self.errors = [], []
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        page.on(
            "response",
            lambda r: r.status >= 500 and self.errors.append(f"HTTP {r.status} {r.url}"),
        )

    def console(self, message):
        text = message.text
        if text.startswith("CSP violation") or "Content Security Policy" in text:
            self.violations.append(text)

    def assert_clean(self):
        assert not self.violations, "\n".join(self.violations)
        assert not self.errors, "\n".join(self.errors)


@pytest.fixture
def axe_audit():
    """No automatic axe-core audit here (tests/e2e/test_accessibility.py audits these pages):
    axe's CSS preload copies the page's stylesheets into <style> elements, which the policy
    blocks, and would be counted as the application's violation."""
    return None


@pytest.fixture
def watched(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page, Watch(page)
    context.close()


@pytest.fixture
def demo(db):
    call_command("demo_data", stdout=io.StringIO())
    by_status = {i.status: i for i in Intervention.objects.order_by("pk")}
    procedures = {p.kind: p for p in Procedure.objects.order_by("pk")}
    return by_status, procedures


def log_in(page, url, username, password=PASSWORD):
    page.context.clear_cookies()
    page.goto(f"{url}/login/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/(interventions|dashboard|admin)/"))


def visit(page, url):
    response = page.goto(url)
    assert response.ok, f"{url}: HTTP {response.status}"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("load")
    htmx_settled(page)


def draw(page, canvas):
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    for stroke in ([(0.1, 0.6), (0.3, 0.2), (0.5, 0.7)], [(0.6, 0.3), (0.9, 0.6)]):
        page.mouse.move(box["x"] + stroke[0][0] * box["width"], box["y"] + stroke[0][1] * 100)
        page.mouse.down()
        for fx, fy in stroke[1:]:
            page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * 100, steps=8)
        page.mouse.up()


def test_the_policy_is_enforced_and_the_listener_sees_a_violation(watched, live_server):
    """The canary: an inline script added to a page does not run and is reported. Without it
    the browse test below could pass with a policy that is never applied."""
    page, watch = watched
    visit(page, f"{live_server.url}/login/")
    ran = page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.__inlineRan = true'; document.head.append(s);
                   return window.__inlineRan === true; }"""
    )
    assert ran is False
    page.wait_for_timeout(200)
    assert any('"directive":"script-src' in v for v in watch.violations), watch.violations
    styled = page.evaluate(
        """() => { const d = document.createElement('div'); d.innerHTML =
                   '<p id=styled style="color: rgb(1, 2, 3)">x</p>'; document.body.append(d);
                   return getComputedStyle(document.getElementById('styled')).color; }"""
    )
    assert styled != "rgb(1, 2, 3)"


def test_every_role_browses_its_main_pages_without_a_violation(watched, live_server, demo):
    page, watch = watched
    by_status, procedures = demo
    url = live_server.url

    # Dispatcher: list, intake with the htmx client picker, details, planning.
    log_in(page, url, "sophie")
    visit(page, f"{url}/interventions/")
    visit(page, f"{url}/interventions/new/")
    page.get_by_test_id("client-search").press_sequentially("Martin", delay=20)
    page.get_by_test_id("client-result").first.click()
    page.get_by_test_id("equipment-select").wait_for()
    htmx_settled(page)
    for status in (Status.NEW, Status.IN_PROGRESS, Status.SIGNED):
        visit(page, f"{url}/interventions/{by_status[status].pk}/")
    day = localtime(by_status[Status.SCHEDULED].scheduled_start).date()
    visit(page, f"{url}/planning/?view=day&day={day:%Y-%m-%d}")
    slot = page.locator(".planning-day .planning-slot").first
    # Placed on the time axis by static/js/planning.js (no style="" in the page).
    assert slot.evaluate("el => el.style.left.endsWith('%') && el.style.width.endsWith('%')")
    visit(page, f"{url}/planning/?view=week")
    visit(page, f"{url}/planning/visits/")
    visit(page, f"{url}/procedures/")

    # Technician on site: work page, autosave, htmx part picker, procedures, diagnostic.
    log_in(page, url, "julie")
    job = by_status[Status.IN_PROGRESS]
    visit(page, f"{url}/interventions/{job.pk}/work/")
    page.get_by_label("Travaux réalisés").fill("Nettoyage du four, essai d’impression.")
    expect(page.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    page.locator("#part-search").press_sequentially("SSD", delay=20)
    page.get_by_test_id("part-result").first.wait_for()
    visit(page, f"{url}/procedures/intervention/{job.pk}/")
    visit(page, f"{url}/procedures/intervention/{job.pk}/diagnostic/")
    visit(page, f"{url}/interventions/{job.pk}/work/handover/")
    visit(page, f"{url}/clients/equipment/{job.equipment_id}/history/")

    # Technician with a report to sign: the signature pad draws and the signature is taken.
    log_in(page, url, "karim")
    waiting = by_status[Status.AWAITING_SIGNATURE]
    visit(page, f"{url}/interventions/{waiting.pk}/sign/")
    draw(page, page.get_by_test_id("signature-canvas-signature").first)
    page.get_by_test_id("technician-sign").click()
    expect(page.get_by_test_id("technician-signed")).to_be_visible()

    # Manager: dashboard charts, billing (select-all), rates, the language menu.
    log_in(page, url, "claire")
    visit(page, f"{url}/dashboard/")
    page.wait_for_function("document.querySelector('#chart-months')?.dataset.drawn === '1'")
    visit(page, f"{url}/billing/")
    page.locator("#select-all").check()
    assert page.locator(".row-select").count() > 0
    assert page.evaluate("[...document.querySelectorAll('.row-select')].every(b => b.checked)")
    visit(page, f"{url}/billing/rates/")
    visit(page, f"{url}/procedures/{procedures['diagnostic'].pk}/")
    page.get_by_test_id("current-user").click()
    page.locator("#nav-language").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_test_id("current-user").click()
    page.locator("#nav-language").select_option("fr")
    expect(page.locator("html")).to_have_attribute("lang", "fr")

    # The administration and the public pages.
    log_in(page, url, "admin", "admin1234")
    visit(page, f"{url}/admin/")
    visit(page, f"{url}/admin/clients/client/")
    visit(page, f"{url}/admin/clients/client/add/")
    page.context.clear_cookies()
    visit(page, f"{url}/verify/{by_status[Status.SIGNED].number}/")
    page.goto(f"{url}/no-such-page/")

    watch.assert_clean()
