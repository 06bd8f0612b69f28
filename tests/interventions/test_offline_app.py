"""The installable tablet app: the manifest, the service worker at the site root, and the
offline indicator on the technician's pages (README, « Tablette hors ligne »)."""

import json

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_service_worker_is_served_from_the_root_with_its_settings(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    body = response.content.decode()
    first_line = body.splitlines()[0]
    assert first_line.startswith("self.OFFLINE_CONFIG = ")
    config = json.loads(first_line.removeprefix("self.OFFLINE_CONFIG = ").rstrip(";"))
    assert config["mine"] == "/interventions/mine/"
    assert config["cacheDays"] == 7
    assert "/static/js/offline-queue.js" in config["static"]
    assert 'self.addEventListener("fetch"' in body


@pytest.mark.django_db
def test_cache_days_follow_the_server_setting(client, settings):
    settings.OFFLINE_DAYS = 3
    first_line = client.get("/sw.js").content.decode().splitlines()[0]
    assert '"cacheDays": 3' in first_line


@pytest.mark.django_db
def test_manifest_in_french_starts_on_my_interventions(client):
    response = client.get("/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    data = json.loads(response.content)
    assert data["name"] == "Rapports d'intervention"
    assert data["start_url"] == "/interventions/mine/"
    assert data["display"] == "standalone"
    assert {icon["sizes"] for icon in data["icons"]} == {"192x192", "512x512"}


@pytest.mark.django_db
def test_technician_pages_carry_the_manifest_and_the_indicator(client, technician):
    client.force_login(technician)
    body = client.get(reverse("interventions-mine")).content.decode()
    assert '<link rel="manifest" href="/manifest.webmanifest">' in body
    assert 'data-testid="offline-indicator"' in body
    assert 'role="status" aria-live="polite"' in body
    assert "/static/js/offline-queue.js" in body
    assert "Interventions gardées 7 jours sur cette tablette" in body


@pytest.mark.django_db
def test_dispatcher_pages_have_no_offline_indicator(client, dispatcher):
    client.force_login(dispatcher)
    body = client.get(reverse("interventions-list")).content.decode()
    assert "offline-indicator" not in body
    assert "manifest" not in body
