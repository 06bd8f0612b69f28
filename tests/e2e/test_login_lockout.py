"""Login throttling in the browser: the lockout message on the login page, then a manager
unlocks the account from « Connexions bloquées »."""

from interventions import roles
from tests.e2e.conftest import login, screenshot
from tests.factories import UserFactory


def test_locked_login_then_manager_unlocks(page, live_server):
    UserFactory(username="e2e-locked", role=roles.TECHNICIAN)
    UserFactory(username="e2e-boss", role=roles.MANAGER)
    for _ in range(5):
        login(page, live_server, "e2e-locked", "mauvais")
    login(page, live_server, "e2e-locked", "secret-pass-123")
    alert = page.get_by_test_id("login-locked")
    assert "Trop de tentatives de connexion" in alert.inner_text()
    assert page.get_by_label("Nom d’utilisateur").input_value() == "e2e-locked"
    screenshot(page, "login-locked")

    login(page, live_server, "e2e-boss", "secret-pass-123")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.get_by_test_id("current-user").click()
    page.get_by_test_id("nav-lockouts").click()
    assert "e2e-locked" in page.get_by_test_id("lockouts").inner_text()
    screenshot(page, "login-lockouts")
    page.get_by_role("button", name="Débloquer").click()
    assert page.get_by_test_id("no-lockouts").is_visible()
    assert "débloqué" in page.content()
    page.get_by_test_id("current-user").click()
    page.get_by_role("button", name="Se déconnecter").click()

    login(page, live_server, "e2e-locked", "secret-pass-123")
    page.wait_for_url(f"{live_server.url}/interventions/mine/")
