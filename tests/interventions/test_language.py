"""The interface is French whatever the browser says; English only when the user chose it, and
the choice is kept on the user. PDF and exports stay French."""

import csv
import io
import subprocess

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from interventions import people, roles
from interventions.models import UserPreference
from tests.factories import UserFactory, make_intervention

from .billing_helpers import signed_intervention

ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def english(user):
    people.user_language_set(user=user, language="en")
    return user


def test_an_english_browser_gets_the_login_page_in_french(client, db):
    body = client.get(reverse("login"), **ENGLISH_BROWSER).content.decode()
    assert 'lang="fr"' in body
    assert "Se connecter" in body and "Log in" not in body


def test_a_fresh_user_on_an_english_browser_gets_french(client, technician):
    client.force_login(technician)
    response = client.get(reverse("interventions-mine"), **ENGLISH_BROWSER)
    body = response.content.decode()
    assert 'lang="fr"' in body and "Mes interventions" in body
    assert response["Content-Language"] == "fr"


def test_the_old_language_cookie_is_ignored(client, technician):
    client.force_login(technician)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("interventions-mine"), **ENGLISH_BROWSER).content.decode()
    assert "Mes interventions" in body


def test_choosing_english_is_kept_on_the_user_for_every_login_and_device(client, technician):
    client.force_login(technician)
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("interventions-mine")}
    )
    assert response.status_code == 302 and response.url == reverse("interventions-mine")
    assert UserPreference.objects.get(user=technician).language == "en"
    body = client.get(response.url).content.decode()
    assert 'lang="en"' in body and "My interventions" in body

    client.post(reverse("logout"))
    assert "Se connecter" in client.get(reverse("login")).content.decode()
    assert client.login(username="technician", password="secret-pass-123")
    assert "My interventions" in client.get(reverse("interventions-mine")).content.decode()

    other_device = Client(**{"HTTP_ACCEPT_LANGUAGE": "fr-FR"})
    assert other_device.login(username="technician", password="secret-pass-123")
    assert "My interventions" in other_device.get(reverse("interventions-mine")).content.decode()

    # And back to French, from the other device.
    other_device.post(reverse("set_language"), {"language": "fr"})
    assert "Mes interventions" in client.get(reverse("interventions-mine")).content.decode()


def test_only_known_languages_are_stored(client, technician):
    client.force_login(technician)
    response = client.post(reverse("set_language"), {"language": "de"}, follow=True)
    assert not UserPreference.objects.filter(user=technician).exists()
    assert "Langue inconnue." in response.content.decode()


def test_the_language_switch_is_a_post_of_a_logged_in_user(client, technician):
    assert client.post(reverse("set_language"), {"language": "en"}).url.startswith(reverse("login"))
    client.force_login(technician)
    assert client.get(reverse("set_language"), {"language": "en"}).status_code == 405
    assert not UserPreference.objects.exists()


def test_the_language_switch_never_redirects_off_site(client, technician):
    client.force_login(technician)
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response.url == reverse("home")


def test_the_stored_language_is_read_with_the_user(client, technician):
    """The middleware reads the preference on every request: it comes with the user's row
    (language.PreferenceBackend), not in a query of its own."""
    english(technician)
    client.force_login(technician)
    with CaptureQueriesContext(connection) as queries:
        assert "My interventions" in client.get(reverse("interventions-mine")).content.decode()
    own = [
        q["sql"]
        for q in queries
        if "userpreference" in q["sql"] and "auth_user" not in q["sql"].split("WHERE")[0]
    ]
    assert own == []


def test_the_admin_follows_the_users_language(client, admin_user):
    client.force_login(admin_user)
    assert "Site d’administration" in client.get("/admin/", **ENGLISH_BROWSER).content.decode()
    english(admin_user)
    assert "Site administration" in client.get("/admin/").content.decode()


# --- the public verify page -------------------------------------------------------------


@pytest.fixture
def signed_number(technician):
    return signed_intervention(technician).number


def test_verify_page_is_french_by_default_and_english_with_lang(client, signed_number):
    url = reverse("reports-verify", args=[signed_number])
    french = client.get(url, **ENGLISH_BROWSER).content.decode()
    assert 'lang="fr"' in french and "Vérification d'un rapport" in french
    assert 'href="?lang=en"' in french
    body = client.get(url, {"lang": "en"}).content.decode()
    assert 'lang="en"' in body and "Report verification" in body
    assert 'href="?lang=fr"' in body
    assert "Vérification d'un rapport" in client.get(url, {"lang": "xx"}).content.decode()


def test_a_mistyped_verify_link_says_not_found_in_the_chosen_language(client, db, settings):
    settings.DEBUG = False
    response = client.get(reverse("reports-verify", args=["2099-99999"]), {"lang": "en"})
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    response = client.get(reverse("reports-verify", args=["2099-99999"]), **ENGLISH_BROWSER)
    assert "Page introuvable" in response.content.decode()


# --- PDF and exports stay French ----------------------------------------------------------


def test_the_pdf_preview_is_french_for_an_english_user(client, manager, tmp_path):
    english(manager)
    client.force_login(manager)
    job = make_intervention()
    response = client.get(reverse("interventions-report-preview", args=[job.pk]))
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "draft.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert "Rapport d'intervention" in text and "BROUILLON" in text
    assert "Intervention report" not in text


@pytest.fixture
def english_manager_with_a_signed_job(client, technician):
    manager = english(UserFactory(username="manager-en", role=roles.MANAGER))
    signed_intervention(technician)
    client.force_login(manager)
    return manager


def test_the_billing_csv_is_french_for_an_english_user(client, english_manager_with_a_signed_job):
    response = client.get(reverse("interventions-billing-export", args=["csv"]))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(content), delimiter=";"))[:2]
    assert header[:2] == ["Numéro", "Signée le"] and "Total TTC" in header
    assert dict(zip(header, row, strict=True))["Main-d'œuvre facturée"] in {"oui", "non"}


def test_the_billing_xlsx_is_french_for_an_english_user(client, english_manager_with_a_signed_job):
    response = client.get(reverse("interventions-billing-export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in next(sheet.iter_rows())]
    assert header[:2] == ["Numéro", "Signée le"]


def test_the_dashboard_csv_is_french_for_an_english_user(client, english_manager_with_a_signed_job):
    page = client.get(reverse("interventions-dashboard")).content.decode()
    assert "Dashboard" in page
    response = client.get(reverse("interventions-dashboard"), {"csv": "parts"})
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert content.splitlines()[0] == "Pièce;Quantité"
