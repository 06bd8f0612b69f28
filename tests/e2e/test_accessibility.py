"""Accessibility of every main page, for each role, at 1366×768 (office) and 768×1024 (tablet).

On each page: no serious or critical axe-core violation (WCAG 2.2 AA rules and axe's best
practices); at tablet size, every visible tappable element at least 44×44 px; on the keyboard,
a focus ring that can be seen (≥ 2 px, contrast ≥ 3:1 with what surrounds it), on the blue navbar
as on the white page. The demo data set gives every page real content (every status, a visit,
parts, procedures, signed and billed reports)."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from interventions.models import Intervention, Status
from procedures.models import Procedure
from tests.e2e.conftest import axe_violations, format_violations, htmx_settled, screenshot

SIZES = {"desktop": (1366, 768), "tablet": (768, 1024)}
TAP_MIN = 44
PASSWORD = "demo1234"

# Every visible tappable element smaller than 44×44 px. A checkbox or radio button counts with
# its label (a tap on the label ticks it); an input hidden behind a button-like label
# (Bootstrap's .btn-check) is measured through that label.
SMALL_TARGETS = """min => {
    const describe = el => `<${el.tagName.toLowerCase()}> "${(el.innerText
        || el.getAttribute('aria-label') || el.name || el.id || '').trim().slice(0, 40)}"`;
    const shown = el => {
        const r = el.getBoundingClientRect(), s = getComputedStyle(el);
        return r.width > 0 && r.height > 0 && s.visibility !== 'hidden';
    };
    const small = [];
    const selector = 'a[href], button, select, summary, input[type=checkbox], input[type=radio]';
    for (const el of document.querySelectorAll(selector)) {
        const labels = el.matches('input') ? [...(el.labels || [])].filter(shown) : [];
        if (!shown(el) && !labels.length) continue;
        const boxes = [el, ...labels].filter(shown).map(e => e.getBoundingClientRect());
        const edge = (side, pick) => pick(...boxes.map(b => b[side]));
        const width = Math.round(edge('right', Math.max) - edge('left', Math.min));
        const height = Math.round(edge('bottom', Math.max) - edge('top', Math.min));
        if (width < min || height < min) small.push(`${describe(el)} ${width}×${height}`);
    }
    return small;
}"""

# The focused element, what it draws to show its focus, and the colour around it.
FOCUS_STATE = """() => {
    const active = document.activeElement;
    // A .btn-check input is hidden: its label, styled as a button, shows the focus.
    const el = active.matches('.btn-check') ? active.labels[0] : active;
    const rgba = c => (c.match(/[\\d.]+/g) || []).map(Number);
    const behind = node => {
        for (; node; node = node.parentElement) {
            const c = rgba(getComputedStyle(node).backgroundColor);
            if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
        }
        return [255, 255, 255];
    };
    const s = getComputedStyle(el);
    return {
        name: `<${el.tagName.toLowerCase()}> "${(el.innerText || el.getAttribute('aria-label')
            || el.name || '').trim().slice(0, 40)}"`,
        inNavbar: !!el.closest('.navbar'),
        outlineStyle: s.outlineStyle,
        outlineWidth: parseFloat(s.outlineWidth),
        outlineColor: rgba(s.outlineColor),
        boxShadow: s.boxShadow,
        background: behind(el.parentElement),
    };
}"""


def luminance(rgb):
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(one, two):
    high, low = sorted((luminance(one), luminance(two)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def focus_problem(state) -> str | None:
    """Why the focus of this element cannot be seen, or None."""
    if state["outlineStyle"] == "none" or state["outlineWidth"] < 2:
        return f"{state['name']}: no focus outline (box-shadow {state['boxShadow']})"
    color, background = state["outlineColor"], state["background"]
    if len(color) == 4 and color[3] < 1:
        alpha = color[3]
        color = [c * alpha + b * (1 - alpha) for c, b in zip(color[:3], background, strict=True)]
    ratio = contrast(color, background)
    if ratio < 3:
        return f"{state['name']}: focus ring contrast {ratio:.2f}:1 with {state['background']}"
    return None


class Audit:
    """The problems found on the pages one role visits at one size, reported all at once."""

    def __init__(self, page, size):
        self.page, self.size, self.problems = page, size, []

    def check(self, label):
        """axe-core on the page as it is, and at tablet size the size of its targets. Every
        <details> is opened first, so that what it hides is checked too."""
        page = self.page
        page.wait_for_load_state("load")
        htmx_settled(page)
        page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
        violations = axe_violations(page)
        if violations:
            self.problems.append(format_violations(violations, where=f"{label}: "))
        if self.size == "tablet":
            small = page.evaluate(SMALL_TARGETS, TAP_MIN)
            self.problems.extend(f"{label}: target under 44×44 px: {s}" for s in small)
        name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
        screenshot(page, f"a11y-{self.size}-{name}")

    def visit(self, url, label):
        response = self.page.goto(url)
        assert response.ok or label.startswith("error"), f"{label}: HTTP {response.status}"
        self.check(label)

    def menus(self, label):
        """The navbar (folded behind its button on a tablet) and the account menu, open."""
        page = self.page
        toggler = page.locator(".navbar-toggler")
        if toggler.is_visible():
            toggler.click()
            expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
        page.get_by_test_id("current-user").click()
        expect(page.locator(".account-menu")).to_be_visible()
        self.check(f"{label} (menus open)")

    def assert_clean(self):
        assert not self.problems, "\n".join(self.problems)


@pytest.fixture
def axe_audit():
    """This module runs axe-core itself, on each page once its menus and <details> are open,
    instead of the automatic audit of every page (tests/e2e/conftest.py)."""
    return None


@pytest.fixture
def demo(db):
    call_command("demo_data", stdout=io.StringIO())
    by_status = {i.status: i for i in Intervention.objects.order_by("pk")}
    procedures = {p.kind: p for p in Procedure.objects.order_by("pk")}
    return by_status, procedures


@pytest.fixture(params=list(SIZES))
def sized_page(request, browser, live_server):
    width, height = SIZES[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page, request.param
    context.close()


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/(interventions|dashboard)/"))


def log_out(page):
    page.context.clear_cookies()


def test_dispatcher_pages(sized_page, live_server, demo):
    page, size = sized_page
    by_status, procedures = demo
    audit, url = Audit(page, size), live_server.url
    log_in(page, live_server, "sophie")
    audit.check("list")
    audit.menus("list")
    audit.visit(f"{url}/interventions/new/", "intake")
    page.get_by_test_id("client-search").press_sequentially("Martin", delay=20)
    page.get_by_test_id("client-result").first.wait_for()
    audit.check("intake, client search results")
    page.get_by_test_id("client-result").first.click()
    page.get_by_test_id("equipment-select").wait_for()
    audit.check("intake, client chosen")
    for status in (Status.NEW, Status.IN_PROGRESS, Status.SIGNED, Status.CANCELLED):
        audit.visit(f"{url}/interventions/{by_status[status].pk}/", f"detail {status}")
    audit.visit(f"{url}/planning/", "planning day")
    audit.visit(f"{url}/planning/?view=week", "planning week")
    audit.visit(f"{url}/planning/visits/", "visits to plan")
    equipment = by_status[Status.IN_PROGRESS].equipment_id
    audit.visit(f"{url}/clients/equipment/{equipment}/history/", "equipment history")
    audit.visit(f"{url}/procedures/", "procedure library")
    audit.visit(f"{url}/procedures/{procedures['diagnostic'].pk}/", "procedure detail")
    audit.assert_clean()


def test_technician_pages(sized_page, live_server, demo):
    page, size = sized_page
    by_status, procedures = demo
    audit, url = Audit(page, size), live_server.url
    # Julie is on site (in progress): work page, visit, parts, procedures, diagnostic, handover.
    log_in(page, live_server, "julie")
    audit.check("mine (julie)")
    audit.menus("mine (julie)")
    job = by_status[Status.IN_PROGRESS]
    audit.visit(f"{url}/interventions/{job.pk}/work/", "work (in progress)")
    page.locator("#part-search").press_sequentially("SSD", delay=20)
    page.get_by_test_id("part-result").first.wait_for()
    audit.check("work, part search results")
    visit_link = page.locator("a[href*='/work/visits/']").first
    audit.visit(f"{url}{visit_link.get_attribute('href')}", "visit")
    audit.visit(f"{url}/procedures/intervention/{job.pk}/", "intervention procedures")
    audit.visit(f"{url}/procedures/intervention/{job.pk}/diagnostic/", "diagnostic")
    audit.visit(f"{url}/interventions/{job.pk}/work/handover/", "handover")
    audit.visit(f"{url}/interventions/{job.pk}/", "detail (technician)")
    audit.visit(f"{url}/clients/equipment/{job.equipment_id}/history/", "equipment history")
    audit.visit(f"{url}/procedures/", "procedure library")
    audit.visit(f"{url}/procedures/{procedures['intervention'].pk}/", "procedure detail")
    # Karim: a job to start (scheduled) and a report to have signed.
    log_out(page)
    log_in(page, live_server, "karim")
    audit.check("mine (karim)")
    audit.visit(f"{url}/interventions/{by_status[Status.SCHEDULED].pk}/work/", "work (scheduled)")
    waiting = by_status[Status.AWAITING_SIGNATURE]
    audit.visit(f"{url}/interventions/{waiting.pk}/work/", "work (awaiting signature)")
    audit.visit(f"{url}/interventions/{waiting.pk}/sign/", "sign")
    audit.assert_clean()


def test_manager_pages(sized_page, live_server, demo):
    page, size = sized_page
    by_status, procedures = demo
    audit, url = Audit(page, size), live_server.url
    log_in(page, live_server, "claire")
    page.wait_for_function("document.querySelector('#chart-months')?.dataset.drawn === '1'")
    audit.check("dashboard")
    audit.menus("dashboard")
    audit.visit(f"{url}/billing/", "billing")
    audit.visit(f"{url}/billing/rates/", "billing rates")
    audit.visit(f"{url}/interventions/{by_status[Status.SIGNED].pk}/", "detail signed")
    audit.visit(f"{url}/interventions/{by_status[Status.BILLED].pk}/", "detail billed")
    audit.visit(f"{url}/procedures/", "procedure library")
    audit.visit(f"{url}/procedures/new/", "procedure form")
    diagnostic = procedures["diagnostic"]
    audit.visit(f"{url}/procedures/{diagnostic.pk}/", "procedure detail")
    page.get_by_role("button", name="Modifier (nouvelle version)").click()
    page.wait_for_url(f"{url}/procedures/{diagnostic.pk}/draft/")
    audit.check("procedure editor (diagnostic)")
    checklist = procedures["intervention"]
    audit.visit(f"{url}/procedures/{checklist.pk}/", "procedure detail (checklist)")
    page.get_by_role("button", name="Modifier (nouvelle version)").click()
    page.wait_for_url(f"{url}/procedures/{checklist.pk}/draft/")
    audit.check("procedure editor (checklist)")
    audit.assert_clean()


def test_public_and_error_pages(sized_page, live_server, demo):
    page, size = sized_page
    by_status, _procedures = demo
    audit, url = Audit(page, size), live_server.url
    audit.visit(f"{url}/login/", "login")
    page.get_by_label("Nom d’utilisateur").fill("sophie")
    page.get_by_label("Mot de passe").fill("wrong")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator(".alert-danger, .errorlist")).to_be_visible()
    audit.check("login, wrong password")
    audit.visit(f"{url}/verify/{by_status[Status.SIGNED].number}/", "verify")
    audit.visit(f"{url}/verify/1999-99999/", "error verify unknown number")
    audit.visit(f"{url}/no-such-page/", "error 404")
    log_in(page, live_server, "karim")
    audit.visit(f"{url}/dashboard/", "error 403 (technician on the dashboard)")
    audit.visit(f"{url}/interventions/{by_status[Status.NEW].pk}/", "error 404 (not his)")
    audit.assert_clean()


def tab_until(page, predicate_js, limit=40):
    """Press Tab until the focused element satisfies the predicate; its focus state."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => ({predicate_js})(document.activeElement)"):
            return page.evaluate(FOCUS_STATE)
    raise AssertionError(f"no focusable element matches {predicate_js}")


def tab_through(page, at_least=5, limit=120):
    """Tab through the whole page, once: the focus problems of every element met."""
    problems, count = [], 0
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen = page.evaluate(
            """() => { const el = document.activeElement;
                       if (el === document.body || el.dataset.tabSeen) return true;
                       el.dataset.tabSeen = '1'; return false; }"""
        )
        if seen:
            break
        count += 1
        problem = focus_problem(page.evaluate(FOCUS_STATE))
        if problem:
            problems.append(problem)
    assert count >= at_least, f"only {count} elements took the focus"
    return problems


def test_focus_is_visible_on_the_navbar_and_the_page(page, live_server, demo):
    """Tab through a page: every element that takes the focus shows a ring that stands out
    from what surrounds it, the navbar's blue as the page's white."""
    by_status, _procedures = demo
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, live_server, "sophie")
    link = page.locator(".navbar .nav-link").first
    unfocused = link.evaluate("el => getComputedStyle(el).outlineStyle")
    state = tab_until(page, "el => el.matches('.navbar .nav-link')")
    assert state["inNavbar"]
    assert unfocused == "none" and state["outlineStyle"] != "none"
    assert focus_problem(state) is None, focus_problem(state)

    problems = []
    for path in (
        "/interventions/",
        f"/interventions/{by_status[Status.IN_PROGRESS].pk}/",
        "/planning/",
    ):
        page.goto(f"{live_server.url}{path}")
        problems += [f"{path}: {problem}" for problem in tab_through(page)]
    assert not problems, "\n".join(problems)


def test_focus_is_visible_on_the_tablet_work_page(browser, live_server, demo):
    by_status, _procedures = demo
    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="fr-FR")
    page = context.new_page()
    log_in(page, live_server, "julie")
    # The folded navbar: its button, then its links, once opened from the keyboard.
    state = tab_until(page, "el => el.matches('.navbar-toggler')")
    assert focus_problem(state) is None, focus_problem(state)
    page.keyboard.press("Enter")
    expect(page.locator("#mainnav")).to_have_class(re.compile(r"\bshow\b"))
    state = tab_until(page, "el => el.matches('.navbar .nav-link')")
    assert focus_problem(state) is None, focus_problem(state)

    page.goto(f"{live_server.url}/interventions/{by_status[Status.IN_PROGRESS].pk}/work/")
    problems = tab_through(page, at_least=20)
    assert not problems, "\n".join(problems)
    context.close()
