"""The events admin counts its rows only up to a limit (issue 14: exactly counting 1.3 million
events took 140 ms per page); past the limit it says "plus de N événements", below it the
count stays exact, filtered or not."""

import pytest
from django.urls import reverse

from interventions.admin import CappedCountPaginator
from interventions.models import InterventionEvent
from tests.interventions.test_query_counts import SMALL, Shop

URL = "admin:interventions_interventionevent_changelist"


@pytest.fixture
def events(db, dispatcher):
    Shop(dispatcher).grow_to(SMALL)
    total = InterventionEvent.objects.count()
    assert total > 3
    return total


def test_past_the_limit_the_count_says_more_than(client, admin_user, events, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "limit", events - 1)
    client.force_login(admin_user)
    response = client.get(reverse(URL))
    assert response.status_code == 200
    assert response.context["cl"].paginator.capped
    assert f"plus de {events - 1} événements" in response.content.decode()
    assert f"{events} événements" not in response.content.decode()


def test_below_the_limit_the_count_is_exact(client, admin_user, events, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "limit", events)
    client.force_login(admin_user)
    response = client.get(reverse(URL))
    assert response.context["cl"].result_count == events
    assert not response.context["cl"].paginator.capped
    assert "plus de" not in response.content.decode()


def test_a_filter_is_counted_exactly(client, admin_user, events, monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "limit", events - 1)
    kind = InterventionEvent.objects.values_list("kind", flat=True).first()
    expected = InterventionEvent.objects.filter(kind=kind).count()
    assert expected < events
    client.force_login(admin_user)
    response = client.get(reverse(URL), {"kind__exact": kind})
    assert response.context["cl"].result_count == expected
