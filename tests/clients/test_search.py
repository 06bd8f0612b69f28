"""Finding the customer (issue 12): accents, case, punctuation and phone formats do not matter.

One module, the same assertions on both databases: `make test` runs it on PostgreSQL in CI, and
`test_the_same_assertions_hold_on_sqlite` runs this very module again on SQLite in a child
pytest (DATABASE_URL unset). Only the typo tolerance (trigram similarity) is PostgreSQL's.
"""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client
from clients.search import normalize, phone_key, query_words
from clients.selectors import client_search
from interventions.filters import InterventionFilter
from interventions.models import Intervention, Status
from tests.factories import ClientFactory, SiteFactory, make_intervention
from tests.interventions.billing_helpers import signed_intervention
from tests.interventions.integrity_helpers import triggers_off

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def customers(db):
    return {
        "atelier": ClientFactory(
            name="L'Atelier d'Émilie & Fils", city="Lyon", phone="04 78 12 34 56"
        ),
        "ecole": ClientFactory(
            name="École élémentaire Jean-Jaurès",
            city="Villeurbanne",
            postal_code="69100",
            phone="04 78 85 12 47",
        ),
        "lefevre": ClientFactory(name="Menuiserie Lefèvre", city="Vernaison", phone=""),
        "bakery": ClientFactory(
            name="Boulangerie Martin", city="Villeurbanne", phone="+33 6 12 34 56 78"
        ),
        # Near misses: none of them may answer the queries meant for the others.
        "emile": ClientFactory(name="Garage Émile", city="Bron", phone="04 72 00 00 01"),
        "lefort": ClientFactory(name="Plomberie Lefort", city="Lyon", phone="04 72 00 00 02"),
        "brussels": ClientFactory(name="Bureau de Bruxelles", phone="+32 2 123 45 67"),
    }


def found(query):
    return [c.name for c in client_search(query)]


@pytest.mark.parametrize(
    "query", ["emilie", "Emilie", "émilie", "ÉMILIE", "  atelier d'emilie ", "EMILIE & fils"]
)
def test_accents_case_and_punctuation_do_not_matter(customers, query):
    assert found(query) == ["L'Atelier d'Émilie & Fils"]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("ecole jaures", "École élémentaire Jean-Jaurès"),
        ("Jean-Jaurès", "École élémentaire Jean-Jaurès"),
        ("jaures elementaire", "École élémentaire Jean-Jaurès"),
        ("lefevre", "Menuiserie Lefèvre"),
        ("LEFÈVRE", "Menuiserie Lefèvre"),
        ("menuiserie vernaison", "Menuiserie Lefèvre"),
    ],
)
def test_every_word_must_be_found_somewhere(customers, query, name):
    assert found(query) == [name]


def test_words_that_belong_to_different_clients_find_nothing(customers):
    assert found("lefevre jaures") == []
    assert found("") == found("   ") == found("'-&") == []


@pytest.mark.parametrize(
    "query",
    [
        "+33 4 78 12 34 56",
        "0033 4 78 12 34 56",
        "+33478123456",
        "+33 (0)4 78 12 34 56",
        "04.78.12.34.56",
        "0478123456",
        "78 12 34",
        "+33 4 78 12",
    ],
)
def test_a_phone_number_in_any_form_finds_the_client(customers, query):
    assert found(query) == ["L'Atelier d'Émilie & Fils"]


def test_a_number_stored_in_international_form_is_found_in_national_form(customers):
    assert found("06 12 34 56 78") == found("0612") == found("+33 6 12") == ["Boulangerie Martin"]
    assert found("+32 2 123 45 67") == found("0032 2 123") == ["Bureau de Bruxelles"]


def test_number_city_and_postal_code_still_find_the_client(customers):
    ecole = customers["ecole"]
    assert found(ecole.number) == found(ecole.number.lower()) == [ecole.name]
    assert found("69100") == [ecole.name]
    assert found("villeurbanne") == ["Boulangerie Martin", ecole.name]


def test_sites_label_city_and_contact_phone_find_their_client(customers):
    ecole = customers["ecole"]
    site = SiteFactory(
        client=ecole, label="Gymnase", city="Bron", postal_code="69500", contact_phone=""
    )
    assert found("gymnase") == [ecole.name]
    site.label = "Préau"
    site.contact_phone = "+33 4 72 99 11 22"
    site.save()
    # (On PostgreSQL a word found nowhere may still bring similar ones: compare with « not in ».)
    assert ecole.name not in found("gymnase")
    assert found("preau") == found("04 72 99 11 22") == [ecole.name]
    moved = type(site).objects.get(pk=site.pk)  # as the admin loads it, then moves it
    moved.client = customers["lefevre"]
    moved.save()
    assert found("preau") == ["Menuiserie Lefèvre"]
    moved.delete()
    assert "Menuiserie Lefèvre" not in found("preau")


def test_a_renamed_or_inactive_client_is_found_by_what_it_is_now(customers):
    atelier = customers["atelier"]
    atelier.name = "Atelier Émilie Rénovation"
    atelier.save(update_fields=["name"])
    assert found("renovation") == [atelier.name]
    atelier.active = False
    atelier.save()
    assert atelier.name not in found("renovation")


def test_normalisation_is_one_function_for_the_stored_text_and_the_query(customers):
    assert normalize("L'Atelier d'Émilie & Fils") == "l atelier d emilie fils"
    assert normalize("Œuvre  Cœur — Straße") == "oeuvre coeur strasse"
    assert query_words(" +33 (0)4 78 12 34 56 Lyon 3e, CLI-00012 ") == [
        "0478123456",
        "lyon",
        "3e",
        "cli00012",
    ]
    assert query_words("CLI-00331 2026-00042") == ["cli00331", "202600042"]
    assert phone_key("+33 4 78 12 34 56") == phone_key("04.78.12.34.56") == "0478123456"
    assert phone_key("") == ""
    assert Client.objects.get(name="L'Atelier d'Émilie & Fils").phone_digits == "0478123456"


# The dispatcher's list: the same normalisation for the free search and the client filter.


@pytest.fixture
def jobs(customers):
    return {
        "atelier": make_intervention(client=customers["atelier"], object="Écran noir à l'accueil"),
        "ecole": make_intervention(client=customers["ecole"], object="Vidéoprojecteur HS"),
        "lefevre": make_intervention(client=customers["lefevre"], object="Poste de devis lent"),
    }


def listed(**params):
    return [
        i.client.name
        for i in InterventionFilter(params, queryset=Intervention.objects.order_by("pk")).qs
    ]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("ecole jaures", "École élémentaire Jean-Jaurès"),
        ("ecran noir", "L'Atelier d'Émilie & Fils"),
        ("emilie ecran", "L'Atelier d'Émilie & Fils"),
        ("videoprojecteur", "École élémentaire Jean-Jaurès"),
        ("+33 4 78 12 34 56", "L'Atelier d'Émilie & Fils"),
        ("lefevre devis", "Menuiserie Lefèvre"),
    ],
)
def test_list_search_ignores_accents_case_and_phone_form(jobs, query, name):
    assert listed(q=query) == [name]


def test_list_search_by_intervention_number(jobs):
    number = jobs["lefevre"].number
    assert listed(q=number) == listed(q=f" {number.replace('-', ' ')} ") == ["Menuiserie Lefèvre"]


def test_list_client_filter_ignores_accents(jobs):
    assert listed(client="lefevre") == ["Menuiserie Lefèvre"]
    assert listed(client=jobs["ecole"].client.number) == ["École élémentaire Jean-Jaurès"]
    assert listed(client="ecole", q="ecran") == []


def test_list_page_search(client, dispatcher, jobs):
    client.force_login(dispatcher)
    response = client.get(reverse("interventions-list"), {"q": "EMILIE"})
    assert [i.number for i in response.context["page"]] == [jobs["atelier"].number]


# PostgreSQL only: typos, and the trigram index.


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("lefebre", "Menuiserie Lefèvre"),
        ("Lefebvre", "Menuiserie Lefèvre"),
        ("menuiseire lefevre", "Menuiserie Lefèvre"),
        ("ecole jaurez", "École élémentaire Jean-Jaurès"),
    ],
)
def test_a_one_letter_typo_still_ranks_the_right_client_first(customers, query, name):
    assert found(query)[0] == name


@pytest.mark.postgres
def test_no_typo_match_no_result(customers):
    assert found("xyzzy") == []


@pytest.mark.postgres
def test_the_typo_settings_do_not_outlive_the_search(customers):
    """The fallback tunes the planner for its own query: inside a caller's transaction (the
    test's here) the settings are back afterwards."""
    assert found("lefebre")
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_seqscan")
        assert cursor.fetchone() == ("on",)
        cursor.execute("SHOW pg_trgm.word_similarity_threshold")
        assert cursor.fetchone() == ("0.6",)


@pytest.mark.postgres
def test_the_trigram_index_serves_the_client_search_and_its_typo_fallback(customers):
    with CaptureQueriesContext(connection) as queries:
        assert found("emilie") and found("lefebre")
    selects = [q["sql"] for q in queries.captured_queries if "search_text" in q["sql"]]
    assert len(selects) == 3  # « emilie »; « lefebre », then its typo fallback
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in selects:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "clients_client_search_trgm" in plan, plan


@pytest.mark.postgres
def test_the_migration_fills_a_signed_intervention_then_freezes_it_again(technician):
    job = signed_intervention(technician, object="Écran noir à l'accueil")
    assert job.status == Status.SIGNED
    with triggers_off():
        Intervention.objects.filter(pk=job.pk).update(search_text="")
    migration = importlib.import_module("interventions.migrations.0014_intervention_search_text")
    with connection.schema_editor(atomic=False) as editor:
        migration.fill(django_apps, editor)
    job.refresh_from_db()
    assert job.search_text == f"{job.number.replace('-', '')} ecran noir a l accueil"
    with pytest.raises(IntegrityError, match="frozen"), transaction.atomic():
        Intervention.objects.filter(pk=job.pk).update(search_text="")


def test_the_same_assertions_hold_on_sqlite():
    """CI runs on PostgreSQL: this module runs again, whole, on SQLite (DATABASE_URL unset)."""
    if connection.vendor == "sqlite":
        pytest.skip("already running on SQLite")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and "COV" not in k}
    env.setdefault("SECRET_KEY", "test-only-secret-key")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            __file__,
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:pytest_cov",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    # The PostgreSQL-only tests were skipped, so the child really ran on SQLite.
    assert "needs PostgreSQL" in result.stdout and " passed" in result.stdout, result.stdout
