"""Two tablets on the same job: the second autosave sees the conflict instead of overwriting."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from interventions import roles, services
from interventions.models import InterventionEvent
from tests.e2e.conftest import login, screenshot
from tests.factories import UserFactory, make_intervention

PASSWORD = "secret-pass-123"


@pytest.fixture
def second_tablet(browser, live_server):
    context = browser.new_context(
        viewport={"width": 768, "height": 1024}, has_touch=True, is_mobile=True, locale="fr-FR"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def job_for_nadia(db):
    nadia = UserFactory(
        username="nadia-e2e", first_name="Nadia", last_name="Benali", role=roles.TECHNICIAN
    )
    nadia.set_password(PASSWORD)
    nadia.save()
    job = make_intervention(object="Le serveur redémarre tout seul.")
    services.intervention_assign(intervention=job, technician=nadia, scheduled_start=timezone.now())
    services.visit_arrive(intervention=job, technician=nadia)
    return nadia, job


def open_work_page(page, live_server, job):
    login(page, live_server, "nadia-e2e", PASSWORD)
    page.wait_for_url(f"{live_server.url}/interventions/mine/")
    page.goto(f"{live_server.url}/interventions/{job.pk}/work/")


def test_second_tablet_sees_the_conflict_banner_and_keeps_its_text(
    tablet, second_tablet, live_server, job_for_nadia
):
    nadia, job = job_for_nadia
    first, second = tablet, second_tablet
    open_work_page(first, live_server, job)
    open_work_page(second, live_server, job)

    first.get_by_label("Diagnostics et observations").press_sequentially("Onduleur en défaut.")
    expect(first.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")

    second.get_by_label("Diagnostics et observations").press_sequentially("Alimentation HS.")
    banner = second.get_by_test_id("report-conflict")
    expect(banner).to_be_visible()
    expect(second.get_by_test_id("save-state")).to_have_attribute("data-state", "conflict")
    expect(banner).to_contain_text("Pendant que vous écriviez, Nadia Benali a modifié ce rapport")
    expect(banner).to_contain_text("Onduleur en défaut.")
    expect(banner).to_contain_text("Alimentation HS.")
    # Both sides drawn as the offline queue's panel draws them (site.js, conflictColumn).
    row = banner.locator("[data-field=diagnostics]")
    expect(row.locator(".col-md-6 > .small")).to_have_text(
        ["Votre texte", re.compile(r"^L’autre texte \(Nadia Benali, .+\)$")]
    )
    expect(row.locator(".conflict-text")).to_have_text(["Alimentation HS.", "Onduleur en défaut."])
    screenshot(second, "tablet-report-conflict-768x1024")
    job.refresh_from_db()
    assert job.diagnostics == "Onduleur en défaut."

    # Typing more while the banner is up is kept, not sent.
    second.get_by_label("Diagnostics et observations").press_sequentially(" Bloc remplacé.")
    second.wait_for_timeout(1500)
    job.refresh_from_db()
    assert job.diagnostics == "Onduleur en défaut."

    second.get_by_test_id("conflict-keep-mine").click()
    expect(banner).to_be_hidden()
    expect(second.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
    job.refresh_from_db()
    assert job.diagnostics == "Alimentation HS. Bloc remplacé."
    # The overwritten text is still in the history: one session per tablet.
    events = InterventionEvent.objects.filter(
        intervention=job, code=InterventionEvent.Code.REPORT_TEXT
    ).order_by("pk")
    assert [(e.data["before"], e.data["after"]) for e in events] == [
        ("", "Onduleur en défaut."),
        ("Onduleur en défaut.", "Alimentation HS. Bloc remplacé."),
    ]

    # The first tablet, stale in turn, takes the other text.
    first.get_by_label("Remarques").press_sequentially("Client prévenu.")
    expect(first.get_by_test_id("report-conflict")).to_be_visible()
    first.get_by_test_id("conflict-take-theirs").click()
    expect(first.get_by_label("Diagnostics et observations")).to_have_value(
        "Alimentation HS. Bloc remplacé."
    )
    expect(first.get_by_label("Remarques")).to_have_value("")
    expect(first.get_by_test_id("save-state")).to_have_attribute("data-state", "saved")
