"""The history in Chromium, on a 768 × 1024 tablet: a French dispatcher and an English-speaking
technician worked on the job; the French reader reads it in French, the English one in English."""

import datetime
from decimal import Decimal

from django.utils import timezone, translation
from playwright.sync_api import expect

from interventions import roles, services
from interventions.people import user_language_set
from tests.e2e.conftest import login, screenshot
from tests.factories import ClientFactory, UserFactory, make_intervention

PASSWORD = "secret-pass-123"


def test_history_reads_in_the_readers_language(tablet, live_server):
    sophie = UserFactory(
        username="sophie", first_name="Sophie", last_name="Lambert", role=roles.DISPATCHER
    )
    john = UserFactory(username="john", first_name="John", last_name="Smith", role=roles.TECHNICIAN)
    start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    start -= datetime.timedelta(days=1)
    with translation.override("fr"):
        job = make_intervention(
            client=ClientFactory(name="Pharmacie"), object="HP M404", actor=sophie
        )
        services.intervention_assign(intervention=job, technician=john, actor=sophie)
    with translation.override("en"):
        visit = services.visit_arrive(intervention=job, technician=john, at=start)
        services.visit_depart(visit=visit, actor=john, left_at=start + datetime.timedelta(hours=1))
        part = services.part_add(
            intervention=job, description="Toner XL-59", quantity=Decimal("2"), actor=john
        )
        services.part_remove(part_used=part, actor=john)
        services.intervention_resolve(intervention=job, actor=john)

    login(tablet, live_server, "sophie", PASSWORD)
    tablet.wait_for_url(f"{live_server.url}/interventions/")
    day = start.strftime("%d/%m/%Y")
    for language, expected in (
        (
            "fr",
            [
                f"Passage : arrivée {day} 09:00",
                f"Passage : départ {day} 10:00",
                "Note : pièce retirée : 2 × Toner XL-59",
                "Rapport mis à jour : Résolu",
            ],
        ),
        (
            "en",
            [
                f"Visit: arrival {day} 09:00",
                f"Visit: departure {day} 10:00",
                "Note: part removed: 2 × Toner XL-59",
                "Report updated: Resolved",
            ],
        ),
    ):
        user_language_set(user=sophie, language=language)  # kept on the user, not a cookie
        tablet.goto(f"{live_server.url}/interventions/{job.pk}/")
        expect(tablet.locator("html")).to_have_attribute("lang", language)
        history = tablet.get_by_test_id("history")
        for text in expected:
            expect(history).to_contain_text(text.replace(" : ", "\u00a0: "))
        history.scroll_into_view_if_needed()
        screenshot(tablet, f"history-{language}-768")
