"""Helpers of the offline tablet tests: a persistent Chromium profile (IndexedDB, service
worker and caches survive closing a tab, and closing the browser), 768 × 1024 with touch."""

import time
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError

from tests.e2e.conftest import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, login

SHOTS = ARTIFACTS / "offline"  # screenshots at 768 × 1024, for people (git-ignored)
TABLET = {
    "viewport": {"width": 768, "height": 1024},
    "has_touch": True,
    "is_mobile": True,
    "locale": "fr-FR",
    "timezone_id": "Europe/Paris",
}


def launch_tablet(playwright, profile: Path):
    """The tablet's browser on its profile folder (launched again on the same folder = the
    same tablet after a restart)."""
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, **TABLET
    )
    context.set_default_timeout(15_000)
    return context


def shot(page, name: str) -> None:
    """A screenshot at 768 × 1024 for the record (the viewport, as the technician sees it)."""
    try:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"))
    except OSError:  # no notes folder on this machine (CI): the screenshot is only for people
        pass


def login_tablet(page, live_server, username, password):
    login(page, live_server, username, password)
    page.wait_for_url(f"{live_server.url}/interventions/mine/")


def wait_until_cached(page):
    """The service worker controls the page and has kept the technician's jobs."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller")
    page.wait_for_function(
        "() => document.getElementById('offline-indicator').dataset.prefetched === 'yes'",
        timeout=30_000,
    )


def indicator_state(page) -> str:
    return page.get_by_test_id("offline-indicator").get_attribute("data-state")


def queued(page) -> list[dict]:
    """The queue as stored in IndexedDB (kind, url, key, state), oldest first."""
    return page.evaluate(
        """() => OfflineStore.all().then(all => all.map(e => ({
            kind: e.kind, url: e.url, key: e.key, state: e.state, createdAt: e.createdAt})))"""
    )


def wait_until_queued(page, kind: str) -> None:
    """An action of this kind is in the queue (stored in IndexedDB: the page's list of waiting
    actions gets it once IndexedDB has it). The report texts get there when the autosave's
    pause has passed.

    The predicate reads that list synchronously: `page.wait_for_function` does not await a
    promise, and a predicate returning one (`OfflineStore.all().then(...)`) counts as true at
    once, whatever the promise holds."""
    page.wait_for_function("kind => OfflineQueue.entries().some(e => e.kind === kind)", arg=kind)


def wait_until_sent(page, timeout=60_000):
    """The queue is empty and the indicator says « En ligne »; else fails with what the server
    answered to the action the queue stopped on.

    Once everything is sent the page reloads itself and its new indicator starts at
    « Synchronisation… »: the state is read again until it is a final one, so that reload is
    never taken for a stop (a single read after the wait was flaky)."""
    final = ("online", "error", "conflict", "auth")
    deadline = time.monotonic() + timeout / 1000
    state = None
    while time.monotonic() < deadline:
        try:
            page.wait_for_function(
                """() => ['online', 'error', 'conflict', 'auth'].includes(
                    document.getElementById('offline-indicator').dataset.state)""",
                timeout=max(1, int((deadline - time.monotonic()) * 1000)),
            )
            page.wait_for_load_state("load")
            state = page.get_by_test_id("offline-indicator").get_attribute("data-state")
        except PlaywrightError:
            continue  # the page was reloading: read the new one
        if state in final:
            break
    if state != "online":
        stuck = page.evaluate(
            """() => OfflineStore.all().then(all => all.filter(e => e.answer).map(e => ({
                kind: e.kind, url: e.url, status: e.status, answer: e.answer})))"""
        )
        raise AssertionError(f"the queue stopped ({state}): {stuck}")
