"""The public verify page in a real browser at tablet size, intact then altered."""

from tests.e2e.conftest import screenshot
from tests.interventions.test_report_pdf import signed_job, tamper_one_byte


def test_verify_page_says_intact_then_altered(browser, live_server, technician):
    report = signed_job(technician)
    context = browser.new_context(viewport={"width": 768, "height": 1024}, locale="fr-FR")
    page = context.new_page()
    url = f"{live_server.url}/verify/{report.intervention.number}/"
    page.goto(url)
    verdict = page.get_by_test_id("verdict")
    assert "Intact." in verdict.inner_text()
    assert page.get_by_test_id("number").inner_text() == report.intervention.number
    screenshot(page, "report-verify-intact")
    tamper_one_byte(report)
    page.goto(url)
    assert "Altéré\u00a0!" in page.get_by_test_id("verdict").inner_text()
    screenshot(page, "report-verify-altered")
    context.close()
