"""A database outage answers a French 503 page; a connection killed while idle is replaced
(CONN_HEALTH_CHECKS), so the next request works."""

import contextlib
import logging

import pytest
from django.conf import settings
from django.db import close_old_connections, connection
from django.test import Client
from django.urls import reverse

from interventions import roles
from tests.factories import UserFactory


@contextlib.contextmanager
def database_down():
    """The app's connection points at a closed port. Restored afterwards."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT="1")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def test_health_checks_are_on():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def assert_french_503(response):
    body = response.content.decode()
    assert response.status_code == 503
    assert 'data-status="503"' in body
    assert "Service momentanément indisponible" in body
    assert response["Retry-After"] == "60"


# SQLite cannot go down, and the in-memory test database would not survive the fake outage.
@pytest.mark.postgres
def test_logged_in_page_during_an_outage_is_a_french_503(transactional_db):
    """The session and the user are read in a middleware: the 500 handler answers 503."""
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(username="tech-outage", role=roles.TECHNICIAN))
    with database_down():
        response = client.get(reverse("interventions-mine"))
    assert_french_503(response)


@pytest.mark.postgres
def test_a_view_meeting_the_outage_answers_503_and_logs_one_line(transactional_db, caplog):
    """Anonymous on the login page: no session to read, the view's own query fails."""
    client = Client(raise_request_exception=False)
    with database_down(), caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert_french_503(response)
    assert [r.getMessage() for r in caplog.records] == ["Service Unavailable: /login/"]
    assert caplog.records[0].exc_info is None


@pytest.mark.postgres
def test_request_after_the_idle_connection_was_killed_succeeds(transactional_db):
    import psycopg2

    user = UserFactory(username="tech-kill", role=roles.TECHNICIAN)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    saved_age = connection.settings_dict["CONN_MAX_AGE"]
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 60  # kept between requests, as in production
    try:
        assert client.get(reverse("interventions-mine")).status_code == 200
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        params = connection.settings_dict
        killer = psycopg2.connect(
            dbname=params["NAME"],
            user=params["USER"],
            host=params["HOST"],
            port=params["PORT"] or 5432,
            password=params["PASSWORD"] or None,
        )
        killer.autocommit = True
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0] is True
        killer.close()
        # What the WSGI handler does at the start of every request (the test client skips
        # it): drop the connections that are obsolete or, with health checks, unusable.
        close_old_connections()
        response = client.get(reverse("interventions-mine"))
    finally:
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = saved_age
    assert response.status_code == 200
