"""403, 404, 500 and the CSRF failure page: the site's layout, French (or the user's
English), a way back; the 500 page needs neither the database nor the request. The favicon."""

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import path, reverse
from django.utils import translation

from config import urls as project_urls
from interventions import people
from interventions.views import site


def boom(request):
    raise RuntimeError("boom")


# The project's URLs plus one view that fails (tests only).
urlpatterns = [path("boom/", boom), *project_urls.urlpatterns]
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

pytestmark = pytest.mark.urls(__name__)
HOME = reverse("home", urlconf=project_urls)


def english(user):
    people.user_language_set(user=user, language="en")
    return user


def assert_error_page(response, status, *texts):
    body = response.content.decode()
    assert response.status_code == status
    assert f'data-status="{status}"' in body  # the error page, not Django's bare one
    assert 'class="navbar' in body and "vendor/bootstrap/bootstrap.min.css" in body  # layout
    assert 'data-testid="error-home"' in body and f'href="{HOME}"' in body  # a way back
    for text in texts:
        assert text in body, text
    return body


@override_settings(DEBUG=False)
def test_a_dispatcher_opening_the_dashboard_gets_the_403_page(client, dispatcher):
    client.force_login(dispatcher)
    response = client.get(reverse("interventions-dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    body = assert_error_page(
        response, 403, 'lang="fr"', "Accès refusé", "Erreur 403", "(Répartiteur)"
    )
    assert "Retour à l’accueil" in body
    assert 'data-testid="current-user"' in body  # the account menu is there: log out, language


@override_settings(DEBUG=False)
def test_the_403_page_is_english_for_an_english_user(client, dispatcher):
    client.force_login(english(dispatcher))
    response = client.get(reverse("interventions-dashboard"))
    assert_error_page(response, 403, 'lang="en"', "Access denied", "Back to the home page")


@override_settings(DEBUG=False)
def test_a_mistyped_verify_link_gets_the_404_page(client, db):
    response = client.get("/verify/2026-0001x/")
    assert_error_page(response, 404, 'lang="fr"', "Page introuvable", "Erreur 404")


@override_settings(DEBUG=False)
def test_an_unknown_address_gets_the_404_page_in_the_users_language(client, technician):
    client.force_login(technician)
    assert_error_page(client.get("/nowhere/"), 404, "Page introuvable")
    english(technician)
    assert_error_page(client.get("/nowhere/"), 404, 'lang="en"', "Page not found")


@override_settings(DEBUG=False)
def test_an_intervention_one_may_not_see_gets_the_404_page(client, technician):
    from tests.factories import make_intervention

    client.force_login(technician)
    job = make_intervention()
    response = client.get(reverse("interventions-work", args=[job.pk]))
    assert_error_page(response, 404, "Page introuvable")


@override_settings(DEBUG=False)
def test_a_failing_view_gets_the_500_page(db):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/", HTTP_ACCEPT_LANGUAGE="en")
    assert_error_page(response, 500, 'lang="fr"', "Erreur du serveur", "Erreur 500")


@override_settings(DEBUG=False)
def test_the_500_page_is_english_for_an_english_user(technician):
    client = Client(raise_request_exception=False)
    client.force_login(english(technician))
    response = client.get("/boom/")
    body = assert_error_page(response, 500, 'lang="en"', "Server error")
    assert "technician" not in body  # rendered without the request: no user menu


@override_settings(DEBUG=False)
def test_the_500_page_needs_neither_the_database_nor_the_request(django_db_blocker):
    request = RequestFactory().get("/anything/")
    del request.META["SERVER_NAME"]  # a request that breaks whoever reads it
    with django_db_blocker.block(), translation.override("fr"):
        response = site.server_error(request)
    assert_error_page(response, 500, "Erreur du serveur")


@override_settings(DEBUG=False)
def test_the_500_page_falls_back_to_bare_html_if_its_template_fails(db, monkeypatch):
    def broken(name):
        raise RuntimeError("template engine down")

    monkeypatch.setattr(site.loader, "get_template", broken)
    response = site.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Erreur du serveur" in response.content.decode() and 'href="/"' in (
        response.content.decode()
    )


@override_settings(DEBUG=False)
def test_a_stale_form_gets_the_csrf_page_with_a_way_back(technician):
    client = Client(enforce_csrf_checks=True)
    client.force_login(technician)
    form_page = "http://testserver" + reverse("interventions-mine")
    response = client.post(
        reverse("set_language"),
        {"language": "en"},
        HTTP_REFERER=form_page,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    body = assert_error_page(response, 403, 'lang="fr"', "Formulaire expiré", "Erreur 403")
    assert f'href="{form_page}"' in body and "Revenir à la page" in body
    assert not people.UserPreference.objects.exists()


@override_settings(DEBUG=False)
def test_the_csrf_page_is_english_for_an_english_user_and_never_links_off_site(technician):
    client = Client(enforce_csrf_checks=True)
    client.force_login(english(technician))
    response = client.post(
        reverse("set_language"), {"language": "fr"}, HTTP_REFERER="https://evil.example/"
    )
    body = assert_error_page(response, 403, 'lang="en"', "Form expired")
    assert "evil.example" not in body and 'data-testid="error-back"' not in body


@override_settings(DEBUG=False)
def test_the_csrf_page_of_the_login_form(db):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert_error_page(response, 403, "Formulaire expiré")


def test_every_page_names_its_icon_and_favicon_ico_leads_to_it(client, db):
    body = client.get(reverse("login")).content.decode()
    assert '<link rel="icon" href="/static/favicon.ico"' in body
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response.url == "/static/favicon.ico"


def test_the_icon_is_a_real_icon_file():
    from django.contrib.staticfiles import finders
    from PIL import Image

    with Image.open(finders.find("favicon.ico")) as icon:
        assert icon.format == "ICO"
        assert {(16, 16), (32, 32)} <= set(icon.info["sizes"])
