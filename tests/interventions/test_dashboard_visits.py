"""The dashboard draws the 10 contracts most behind on their annual visits, with « Voir tout »
to the whole list, a page at a time; the CSV keeps them all."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import ContractFactory

pytestmark = pytest.mark.django_db


def _contracts():
    today = timezone.localdate()
    # Started 200 days ago with 4 visits a year: 3 due dates passed, none done: 3 overdue.
    behind = [
        ContractFactory(
            number=f"LATE-{k:02d}", annual_visits=4, start_date=today - datetime.timedelta(200)
        )
        for k in range(11)
    ]
    # Started yesterday: 1 due date passed (the start), 1 overdue.
    ContractFactory(number="NEW-01", annual_visits=4, start_date=today - datetime.timedelta(1))
    return behind


def test_dashboard_shows_the_ten_most_behind_and_a_see_all_link(client, manager):
    _contracts()
    client.force_login(manager)
    response = client.get(reverse("interventions-dashboard"))
    visits = next(t for t in response.context["tables"] if t.key == "visits")
    assert len(visits.rows) == 10
    assert all(row[0].startswith("LATE-") and row[4] == 3 for row in visits.rows)
    html = response.content.decode()
    assert "Voir tout (12)" in html
    assert reverse("interventions-dashboard-visits") in html
    csv = b"".join(client.get(reverse("interventions-dashboard") + "?csv=visits").streaming_content)
    assert csv.decode("utf-8-sig").count("\n") == 13  # header + 12 contracts


def test_see_all_lists_every_contract_most_behind_first_by_pages(client, manager, monkeypatch):
    from interventions.views import dashboard

    monkeypatch.setattr(dashboard, "VISITS_PAGE_SIZE", 5)
    _contracts()
    client.force_login(manager)
    url = reverse("interventions-dashboard-visits")
    first = client.get(url).context["page"]
    assert [row[0][:7] for row in first.object_list] == [
        "LATE-00",
        "LATE-01",
        "LATE-02",
        "LATE-03",
        "LATE-04",
    ]
    last = client.get(url + "?page=3").context["page"]
    assert [row[0][:6] for row in last.object_list] == ["LATE-1", "NEW-01"]
    assert [row[4] for row in last.object_list] == [3, 1]
