"""Browser tests: Debian's Chromium driven by Playwright (never `playwright install`).

Every page a browser test visits is also checked by axe-core (tests/e2e/assets/axe.min.js):
a serious or critical accessibility violation fails the test, see `axe_audit`."""

import functools
import os
import shutil
import threading
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        skip = pytest.mark.skip(
            reason=f"Chromium not found at {CHROMIUM} (make test installs it as root)"
        )
        for item in items:
            if "e2e" in item.keywords:
                item.add_marker(skip)


@pytest.fixture(scope="module")
def playwright():
    """One Playwright per test module, not per session.

    While Playwright's sync API runs, the thread has an asyncio loop and greenlets, and Django's
    context-local database connections opened then belong to another context: a connection
    opened by a later, non-browser test would outlive pytest-django's teardown and keep the
    PostgreSQL test database busy ("being accessed by other users")."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright):
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def tablet_page(browser, live_server, playwright):
    """A Galaxy Tab S4 (touch, 712×1138 CSS px) as the technicians carry."""
    context = browser.new_context(**playwright.devices["Galaxy Tab S4"], locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def tablet(browser, live_server):
    """A 768 × 1024 touch tablet (portrait)."""
    context = browser.new_context(
        viewport={"width": 768, "height": 1024}, has_touch=True, is_mobile=True, locale="fr-FR"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def login(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Nom d’utilisateur").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def htmx_settled(page):
    """Wait until htmx has finished swapping and settling (new inputs get their listeners
    when the settle step runs, ~20 ms after the swap: typing earlier is lost)."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


# --- axe-core on every page the browser tests visit --------------------------------------------

AXE_SOURCE = (Path(__file__).resolve().parent / "assets" / "axe.min.js").read_text()
BLOCKING_IMPACTS = ("serious", "critical")
# Transitions first run to their end (a button still fading to its hover colour, a menu still
# fading in would be measured half-way); endless animations (spinners) are not waited for. A
# transition a style change has just caused starts on the next frames (the pointer left over a
# button that a new viewport width moved under it: seen in CI, the export button measured
# half-way to its hover colours), so the wait looks again after each frame until none runs.
_AXE_RUN = """async impacts => {
    const deadline = Date.now() + 2000;
    const later = ms => new Promise(resolve => setTimeout(resolve, Math.max(0, ms)));
    const frame = () => Promise.race([
        new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve))),
        later(100),
    ]);
    const running = () => document.getAnimations().filter(a =>
        a.playState === 'running' && a.effect &&
        a.effect.getComputedTiming().endTime !== Infinity);
    await frame();
    for (let now = running(); now.length && Date.now() < deadline; now = running()) {
        await Promise.race([
            Promise.all(now.map(a => a.finished.catch(() => null))),
            later(deadline - Date.now()),
        ]);
        await frame();
    }
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({
            target: n.target.map(t => Array.isArray(t) ? t.join(' >> ') : t).join(' '),
            summary: (n.failureSummary || '').split('\\n').slice(1).join(' ').trim(),
        })),
    }));
}"""
# What a page must be to be audited, and whether this document was audited at this width.
_AXE_PENDING = """() => {
    if (!/^https?:$/.test(location.protocol) || document.contentType !== 'text/html') return null;
    if ((window.__axeAudited || []).includes(window.innerWidth)) return null;
    return document.readyState;
}"""
_AXE_DONE = "() => { (window.__axeAudited = window.__axeAudited || []).push(window.innerWidth); }"


def axe_violations(page) -> list[dict]:
    """The serious and critical axe-core violations of the page as it is now: rule id, impact,
    help text and the offending nodes (CSS selector and axe's failure summary)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(_AXE_RUN, list(BLOCKING_IMPACTS))


def format_violations(violations, where="") -> str:
    lines = []
    for violation in violations:
        lines.append(f"{where}{violation['id']} [{violation['impact']}] {violation['help']}")
        lines.extend(f"    {n['target']}: {n['summary']}" for n in violation["nodes"])
    return "\n".join(lines)


class AxeAudit:
    """The violations found on the pages one test visited.

    Playwright's sync API cannot run page code from an event listener while a navigation is
    held, so the audit runs at safe points instead: before every action that may leave or
    change the document (goto, click, tap, fill, screenshot, viewport change, closing…), after
    every call that lands on a new one (goto, reload, wait_for_url), and at the end of the test
    on every page still open. Each document is audited once per viewport width, as loaded
    (before its first action); a document the test never acts on is audited at the end."""

    def __init__(self):
        self.found: dict[tuple, dict] = {}
        self.pages: list = []
        self.busy = threading.local()

    def audit(self, page) -> None:
        if getattr(self.busy, "on", False) or page.is_closed():
            return
        self.busy.on = True
        try:
            if page not in self.pages:
                self.pages.append(page)
            state = page.evaluate(_AXE_PENDING)
            if state is None:
                return
            if state != "complete":
                page.wait_for_load_state("load")
            url, width = page.url, page.viewport_size["width"] if page.viewport_size else 0
            violations = axe_violations(page)
            page.evaluate(_AXE_DONE)
        except Exception as error:
            # The document went away under the audit (a navigation that the last action started
            # has committed): the next safe point audits the new one.
            if "destroyed" in str(error) or "navigat" in str(error) or "closed" in str(error):
                return
            raise
        finally:
            self.busy.on = False
        path = url.split("//", 1)[-1].split("/", 1)[-1]
        for violation in violations:
            for node in violation["nodes"]:
                key = (path, violation["id"], node["target"])
                self.found.setdefault(key, {**violation, "nodes": [node], "at": (path, width)})

    def audit_open_pages(self) -> None:
        for page in list(self.pages):
            for other in [page, *page.context.pages]:
                self.audit(other)

    def report(self) -> str:
        lines = []
        for violation in self.found.values():
            path, width = violation["at"]
            lines.append(format_violations([violation], where=f"/{path} ({width} px) "))
        return "\n".join(lines)


_current_audit: list[AxeAudit] = []


def _audited(method, *, before=True, after=False, page_of=lambda target: target):
    @functools.wraps(method)
    def wrapper(target, *args, **kwargs):
        audit = _current_audit[-1] if _current_audit else None
        if audit is not None and before:
            for page in _pages_of(page_of(target)):
                audit.audit(page)
        result = method(target, *args, **kwargs)
        if audit is not None and after:
            for page in _pages_of(page_of(target)):
                audit.audit(page)
        return result

    return wrapper


def _pages_of(target):
    return target if isinstance(target, list) else [target]


_ACTIONS = [
    *("click", "dblclick", "tap", "fill", "type", "press", "press_sequentially"),
    *("check", "uncheck", "set_checked", "select_option", "set_input_files", "dispatch_event"),
    "screenshot",
]


@pytest.fixture(scope="session", autouse=True)
def _axe_hooks():
    from playwright.sync_api import BrowserContext, Locator, Page

    with pytest.MonkeyPatch.context() as patch:
        for name in [*_ACTIONS, "set_viewport_size", "close"]:
            if hasattr(Page, name):
                patch.setattr(Page, name, _audited(getattr(Page, name)))
        for name in ("goto", "reload", "go_back", "go_forward"):
            patch.setattr(Page, name, _audited(getattr(Page, name), after=True))
        patch.setattr(Page, "wait_for_url", _audited(Page.wait_for_url, before=False, after=True))
        for name in [*_ACTIONS, "drag_to", "clear"]:
            patch.setattr(
                Locator, name, _audited(getattr(Locator, name), page_of=lambda loc: loc.page)
            )
        patch.setattr(
            BrowserContext, "close", _audited(BrowserContext.close, page_of=lambda c: c.pages)
        )
        yield


@pytest.fixture(autouse=True)
def axe_audit():
    """The accessibility audit of this test's pages (checked when the test body ends)."""
    audit = AxeAudit()
    _current_audit.append(audit)
    yield audit
    _current_audit.remove(audit)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    audit = item.funcargs.get("axe_audit")
    if audit is not None:
        audit.audit_open_pages()
        if audit.found:
            pytest.fail(
                f"axe-core: {len(audit.found)} serious or critical accessibility violation(s) "
                f"on the pages this test visited:\n{audit.report()}",
                pytrace=False,
            )
    return result
