"""Finding the customer in the browser (issue 12): typed without accents, or by a phone number
in international form, at intake and in the intervention list (tablet size)."""

import pytest

from interventions import roles
from tests.e2e.conftest import htmx_settled, login, screenshot
from tests.factories import ClientFactory, UserFactory, make_intervention


@pytest.fixture
def customers(db):
    UserFactory(username="disp", role=roles.DISPATCHER)
    atelier = ClientFactory(name="L'Atelier d'Émilie & Fils", phone="04 78 12 34 56")
    ecole = ClientFactory(name="École élémentaire Jean-Jaurès", phone="04 78 85 12 47")
    ClientFactory(name="Garage Émile", phone="04 72 00 00 01")
    return {
        "atelier": atelier,
        "ecole": ecole,
        "jobs": {
            "atelier": make_intervention(client=atelier, object="Écran noir à l'accueil"),
            "ecole": make_intervention(client=ecole, object="Vidéoprojecteur en panne"),
        },
    }


def dispatcher_page(page, live_server):
    page.set_viewport_size({"width": 768, "height": 1024})
    login(page, live_server, "disp", "secret-pass-123")
    page.wait_for_url(f"{live_server.url}/interventions/")


def results_for(page, text):
    search = page.get_by_test_id("client-search")
    search.fill("")
    search.press_sequentially(text, delay=20)
    page.wait_for_timeout(400)  # past htmx's 150 ms typing delay: the last request is sent
    htmx_settled(page)
    return page.get_by_test_id("client-result")


def test_intake_finds_the_client_without_accents_or_by_an_international_number(
    page, live_server, customers
):
    dispatcher_page(page, live_server)
    page.goto(f"{live_server.url}/interventions/new/")

    results = results_for(page, "emilie")
    results.filter(has_text="L'Atelier d'Émilie & Fils").wait_for()
    assert results.count() == 1
    screenshot(page, "search-intake-emilie-768")

    results = results_for(page, "ecole jaures")
    results.filter(has_text="École élémentaire Jean-Jaurès").wait_for()
    assert results.count() == 1

    results = results_for(page, "+33 4 78 12 34 56")
    results.filter(has_text="L'Atelier d'Émilie & Fils").wait_for()
    assert results.count() == 1
    screenshot(page, "search-intake-plus33-768")

    results.first.click()
    page.get_by_test_id("chosen-client").get_by_text("L'Atelier d'Émilie & Fils").wait_for()


def test_list_search_without_accents_and_by_an_international_number(page, live_server, customers):
    jobs = customers["jobs"]
    dispatcher_page(page, live_server)
    search = page.get_by_label("Recherche")
    for query, expected, other in (
        ("ecole jaures", "ecole", "atelier"),
        ("ECRAN NOIR", "atelier", "ecole"),
        ("0033 4 78 12 34 56", "atelier", "ecole"),
        ("+33 4 78 85 12 47", "ecole", "atelier"),
    ):
        search.fill(query)
        page.get_by_role("button", name="Filtrer").click()
        page.wait_for_url("**q=*")
        page.get_by_test_id(f"row-{jobs[expected].number}").wait_for()
        assert page.get_by_test_id(f"row-{jobs[other].number}").count() == 0
        assert search.input_value() == query
    screenshot(page, "search-list-plus33-768")

    page.get_by_role("link", name="Réinitialiser").click()
    page.get_by_label("Client", exact=True).fill("emilie")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url("**client=emilie*")
    page.get_by_test_id(f"row-{jobs['atelier'].number}").wait_for()
    assert page.get_by_test_id(f"row-{jobs['ecole'].number}").count() == 0
