"""The API's page /api/docs/ on a 768 × 1024 tablet: Swagger UI, served from static/vendor,
draws every operation of the schema under the Content-Security-Policy without one violation
(its start-up script is static/js/api-docs.js, no inline code)."""

import os
from pathlib import Path

from playwright.sync_api import expect

from interventions import roles
from tests.e2e.conftest import ARTIFACTS, axe_violations, format_violations, login
from tests.e2e.test_csp import LISTEN, Watch
from tests.factories import UserFactory

PASSWORD = "demo1234"
SHOTS = Path(os.environ.get("API_SHOTS", ARTIFACTS / "api"))


def shoot(page, name):
    """A screenshot at 768 × 1024 for people, in test-artifacts/ (git-ignored)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name))


def test_api_docs_draws_the_schema_without_a_csp_violation(browser, live_server, transactional_db):
    UserFactory(username="dispatch", password=PASSWORD, role=roles.DISPATCHER)
    context = browser.new_context(
        viewport={"width": 768, "height": 1024}, has_touch=True, is_mobile=True, locale="fr-FR"
    )
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.set_default_timeout(20_000)
    watch = Watch(page)
    login(page, live_server, "dispatch", PASSWORD)
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Interventions API")
    operations = page.locator(".swagger-ui .opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() == 18
    violations = axe_violations(page)  # Swagger UI drawn: what the page audit might miss
    assert violations == [], format_violations(violations)
    expect(page.get_by_role("link", name="Mon jeton d’API")).to_be_visible()
    shoot(page, "api-docs-768x1024.png")
    page.goto(f"{live_server.url}/accounts/api-token/")
    page.get_by_role("button", name="Générer mon jeton").click()
    expect(page.get_by_test_id("api-token")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Votre jeton d’API est prêt.")
    shoot(page, "api-token-768x1024.png")
    watch.assert_clean()
    context.close()
