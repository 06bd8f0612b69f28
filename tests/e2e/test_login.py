import pytest
from playwright.sync_api import expect

from interventions import roles
from tests.e2e.conftest import login, screenshot
from tests.factories import UserFactory


@pytest.mark.parametrize(
    ("role", "path", "heading"),
    [
        (roles.DISPATCHER, "/interventions/", "Interventions"),
        (roles.TECHNICIAN, "/interventions/mine/", "Mes interventions"),
        (roles.MANAGER, "/dashboard/", "Tableau de bord"),
    ],
)
def test_each_role_logs_in_and_lands_on_its_home(page, live_server, role, path, heading):
    UserFactory(username=f"e2e-{role}", role=role)
    login(page, live_server, f"e2e-{role}", "secret-pass-123")
    page.wait_for_url(f"{live_server.url}{path}")
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert page.get_by_test_id("current-user").is_visible()
    screenshot(page, f"home-{role}")
    # The account menu: role, language, log out.
    page.get_by_test_id("current-user").click()
    expect(page.get_by_test_id("current-role")).to_be_visible()
    screenshot(page, f"home-{role}-account-menu")
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live_server.url}/login/")


def test_wrong_password_shows_a_french_error(page, live_server):
    UserFactory(username="e2e-tech", role=roles.TECHNICIAN)
    login(page, live_server, "e2e-tech", "mauvais")
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in page.content()
