"""A tablet set to English: French until its user chooses English in the account menu; then
English at every login, on every device. The error pages and the icon, in a real browser."""

from playwright.sync_api import expect

from interventions import roles
from tests.e2e.conftest import login, screenshot
from tests.factories import UserFactory

TABLET = {"width": 768, "height": 1024}


def english_tablet(browser):
    context = browser.new_context(
        viewport=TABLET, locale="en-US", extra_http_headers={"Accept-Language": "en-US,en;q=0.9"}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


def open_account_menu(page, menu_label):
    """At tablet width the navigation is folded behind its toggler."""
    page.get_by_role("button", name=menu_label).click()
    page.get_by_test_id("current-user").click()


def failed_requests(page):
    failed = []
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    return failed


def test_english_tablet_is_french_until_the_user_chooses_english(browser, live_server):
    UserFactory(username="e2e-lang", role=roles.TECHNICIAN)
    context, page = english_tablet(browser)
    failed = failed_requests(page)

    login(page, live_server, "e2e-lang", "secret-pass-123")
    page.wait_for_url(f"{live_server.url}/interventions/mine/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes interventions")
    assert page.locator("html").get_attribute("lang") == "fr"
    screenshot(page, "language-english-tablet-french")

    open_account_menu(page, "Menu")
    expect(page.get_by_label("Langue")).to_be_visible()
    page.wait_for_function("() => !document.querySelector('.collapsing')")
    screenshot(page, "language-account-menu")
    with page.expect_navigation():
        page.get_by_label("Langue").select_option("en")
    expect(page.get_by_role("heading", level=1)).to_have_text("My interventions")
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "language-chosen-english")

    open_account_menu(page, "Menu")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/login/")
    login(page, live_server, "e2e-lang", "secret-pass-123")  # nobody logged in: French
    expect(page.get_by_role("heading", level=1)).to_have_text("My interventions")
    assert failed == []  # the icon is found, like every other file
    context.close()

    # Another device, its browser in French: the user's choice follows them.
    other = browser.new_context(viewport=TABLET, locale="fr-FR")
    page = other.new_page()
    login(page, live_server, "e2e-lang", "secret-pass-123")
    expect(page.get_by_role("heading", level=1)).to_have_text("My interventions")
    other.close()


def test_error_page_in_a_browser(browser, live_server):
    UserFactory(username="e2e-disp", role=roles.DISPATCHER)
    context, page = english_tablet(browser)
    login(page, live_server, "e2e-disp", "secret-pass-123")
    page.wait_for_url(f"{live_server.url}/interventions/")
    response = page.goto(f"{live_server.url}/dashboard/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    screenshot(page, "error-403")
    page.get_by_test_id("error-home").click()
    page.wait_for_url(f"{live_server.url}/interventions/")

    response = page.goto(f"{live_server.url}/verify/2026-0000x/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    screenshot(page, "error-404")

    icon = page.goto(f"{live_server.url}/favicon.ico")
    assert icon.status == 200 and icon.header_value("content-type") in {
        "image/x-icon",
        "image/vnd.microsoft.icon",
    }
    context.close()
