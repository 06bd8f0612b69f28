"""The history tells the story: people by their names, billing decisions item by item."""

import re
from html import unescape

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interventions import roles, services
from interventions.models import InterventionEvent
from tests.factories import UserFactory, make_intervention


def history_lines(client, job) -> list[str]:
    """The history block of the intervention page, one line of plain text per event."""
    html = client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
    block = html[html.index('data-testid="history"') :]
    block = block[: block.index("</ul>")]
    lines = []
    for item in re.findall(r"<li[^>]*>(.*?)</li>", block, re.S):
        text = unescape(re.sub(r"<[^>]+>", " ", item))
        lines.append(" ".join(text.split()))
    return lines


def test_assignment_and_handover_show_full_names(client, dispatcher):
    karim = UserFactory(
        username="karim", first_name="Karim", last_name="Haddad", role=roles.TECHNICIAN
    )
    julie = UserFactory(
        username="julie", first_name="Julie", last_name="Martin", role=roles.TECHNICIAN
    )
    dispatcher.first_name, dispatcher.last_name = "Sophie", "Lambert"
    dispatcher.save()
    job = make_intervention()
    services.intervention_assign(intervention=job, technician=karim, actor=dispatcher)
    services.intervention_assign(intervention=job, technician=julie, actor=dispatcher)
    services.intervention_handover(
        intervention=job, to_technician=karim, actor=julie, note="Pilote installé."
    )
    client.force_login(dispatcher)
    lines = [
        line for line in history_lines(client, job) if "Affectation" in line or "Trans" in line
    ]
    assert [line.split(" · ", 1)[1] for line in lines] == [
        "Sophie Lambert Affectation : — → Karim Haddad",
        "Sophie Lambert Affectation : Karim Haddad → Julie Martin",
        "Julie Martin Transmission : Julie Martin → Karim Haddad Pilote installé.",
    ]
    event = InterventionEvent.objects.filter(kind="assigned").first()
    assert event.data == {
        "from": None,
        "from_id": None,
        "from_name": None,
        "to": "karim",
        "to_id": karim.pk,
        "to_name": "Karim Haddad",
    }


def test_events_written_with_logins_only_still_read_with_names(client, dispatcher):
    """Events stored before names were shown hold logins; a departed user keeps the stored
    name, and a login nobody has any more is shown as it was stored."""
    UserFactory(username="karim", first_name="Karim", last_name="Haddad", role=roles.TECHNICIAN)
    job = make_intervention()
    for data in (
        {"from": None, "to": "karim"},
        {"from": "karim", "to": "ancien"},
        {"from": "ancien", "from_id": 987654, "from_name": "Paul Ancien", "to": "karim"},
    ):
        InterventionEvent.objects.create(intervention=job, kind="assigned", data=data)
    client.force_login(dispatcher)
    lines = [line for line in history_lines(client, job) if "Affectation" in line]
    assert [line.split(" · ", 1)[1] for line in lines] == [
        "système Affectation : — → Karim Haddad",
        "système Affectation : Karim Haddad → ancien",
        "système Affectation : Paul Ancien → Karim Haddad",
    ]


def test_billing_override_says_which_item_from_what_to_what_and_why(client, manager):
    job = make_intervention()  # no contract, no warranty: everything proposed billable
    services.billing_override(
        intervention=job, actor=manager, flag="labour", billable=False, reason="Geste commercial"
    )
    services.billing_override(
        intervention=job, actor=manager, flag="travel", billable=False, reason="Client voisin"
    )
    client.force_login(manager)
    lines = [line for line in history_lines(client, job) if "Facturation" in line]
    name = manager.get_full_name()
    assert [line.split(" · ", 1)[1] for line in lines] == [
        f"{name} Facturation : Main-d'œuvre : facturable → non facturable "
        "(proposition : facturable) Motif : Geste commercial",
        f"{name} Facturation : Déplacement : facturable → non facturable "
        "(proposition : facturable) Motif : Client voisin",
    ]
    event = InterventionEvent.objects.filter(kind="billing").first()
    assert event.data == {
        "flag": "labour",
        "from": True,
        "to": False,
        "proposed": True,
        "reason": "Geste commercial",
    }


def test_cancellation_reason_is_labelled(client, dispatcher):
    job = make_intervention()
    services.intervention_cancel(intervention=job, actor=dispatcher, reason="Doublon")
    client.force_login(dispatcher)
    last = history_lines(client, job)[-1]
    assert last.split(" · ", 1)[1] == (
        f"{dispatcher.get_full_name()} Changement de statut : Nouvelle → Annulée Motif : Doublon"
    )


def test_detail_page_queries_do_not_grow_with_the_history(client, dispatcher):
    technicians = [UserFactory(role=roles.TECHNICIAN) for _ in range(6)]
    job = make_intervention()
    services.intervention_assign(intervention=job, technician=technicians[0], actor=dispatcher)
    client.force_login(dispatcher)
    url = reverse("interventions-detail", args=[job.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for previous, technician in zip(technicians, technicians[1:], strict=False):
        services.intervention_handover(
            intervention=job, to_technician=technician, actor=previous, note="Suite."
        )
        services.intervention_assign(intervention=job, technician=previous, actor=dispatcher)
    InterventionEvent.objects.create(intervention=job, kind="assigned", data={"to": "nobody"})
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)
