"""The long lists at 768 × 1024 (issue 14): the intervention list, the planning, and an
equipment history now cut into pages, read and paged as a dispatcher would."""

import datetime

from django.utils import timezone

from interventions import roles, services
from tests.e2e.conftest import login, screenshot
from tests.factories import ClientFactory, EquipmentFactory, UserFactory, make_intervention


def test_list_planning_and_paged_equipment_history_on_a_tablet(tablet, live_server):
    UserFactory(username="disp", role=roles.DISPATCHER)
    tech = UserFactory(
        username="tech", first_name="Karim", last_name="Benali", role=roles.TECHNICIAN
    )
    equipment = EquipmentFactory(client=ClientFactory(name="Pharmacie Garnier"))
    start = timezone.now() - datetime.timedelta(days=60)
    jobs = [
        make_intervention(
            equipment=equipment,
            object=f"Bourrage papier bac {n}",
            requested_at=start + datetime.timedelta(days=n),
        )
        for n in range(24)
    ]
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    slot = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(9)))
    services.intervention_assign(
        intervention=jobs[-1],
        technician=tech,
        scheduled_start=slot,
        scheduled_end=slot + datetime.timedelta(hours=2),
    )

    login(tablet, live_server, "disp", "secret-pass-123")
    tablet.wait_for_url(f"{live_server.url}/interventions/")
    assert tablet.get_by_text("24 interventions, les plus urgentes en premier.").is_visible()
    assert tablet.get_by_text("Page 1 sur 1").count() == 0  # one page: no pager
    screenshot(tablet, "long-lists-intervention-list-768")

    tablet.goto(f"{live_server.url}/planning/?day={monday.isoformat()}")
    assert tablet.get_by_test_id(f"slot-{jobs[-1].number}").first.is_visible()
    screenshot(tablet, "long-lists-planning-768")

    tablet.goto(f"{live_server.url}/clients/equipment/{equipment.pk}/history/")
    history = tablet.get_by_test_id("equipment-history")
    assert history.locator("li[data-number]").count() == 20
    assert tablet.get_by_text(
        "24 interventions, de la plus récente à la plus ancienne."
    ).is_visible()
    assert tablet.get_by_text("Page 1 sur 2").is_visible()
    screenshot(tablet, "long-lists-equipment-history-768")
    tablet.get_by_role("link", name="Suivante").click()
    tablet.wait_for_url("**page=2")
    numbers = history.locator("li[data-number]").evaluate_all(
        "items => items.map(i => i.dataset.number)"
    )
    assert numbers == [jobs[3].number, jobs[2].number, jobs[1].number, jobs[0].number]
    assert tablet.get_by_role("link", name="Précédente").is_visible()
    screenshot(tablet, "long-lists-equipment-history-page-2-768")
