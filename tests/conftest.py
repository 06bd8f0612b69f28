import os

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from interventions import roles
from tests.factories import UserFactory

# The suite runs with DEBUG off, so with production's HTTPS defaults (config/settings.py); its
# test client and live server speak plain HTTP, which the SSL redirect would send to https://.
# tests/test_deployment.py checks the real defaults in a fresh process and the redirect itself.
settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def dispatcher(db):
    return UserFactory(username="dispatcher", role=roles.DISPATCHER)


@pytest.fixture
def technician(db):
    return UserFactory(username="technician", role=roles.TECHNICIAN)


@pytest.fixture
def other_technician(db):
    return UserFactory(username="technician2", role=roles.TECHNICIAN)


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=roles.MANAGER)


@pytest.fixture
def nobody(db):
    """A logged-in user with no role: sees nothing."""
    return UserFactory(username="nobody")


@pytest.fixture
def admin_user(db, django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.com", "root-pass-123")


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL: set DATABASE_URL=postgres://… (make test in CI)"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session", autouse=True)
def _static_files_without_collectstatic():
    """With DEBUG off the settings name static files by their hash (`collectstatic`'s
    manifest, `make serve`); the tests run without it. tests/test_serve.py checks the real
    thing in a gunicorn process."""
    staticfiles = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": staticfiles}):
        yield


@pytest.fixture(scope="session", autouse=True)
def _sqlite_flush_steps_around_the_frozen_report_triggers():
    """pytest-django empties the database after a transactional or live-server test with
    `flush`: DELETE FROM on SQLite, which the frozen-report triggers refuse (interventions/
    integrity.py). The flush sets the maintenance row for its own statements only. PostgreSQL
    flushes with TRUNCATE, which fires no row trigger."""
    from django.db.backends.sqlite3.base import DatabaseOperations

    from interventions.integrity import SQLITE_MAINTENANCE_TABLE

    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        original(
            self,
            [
                f"INSERT INTO {SQLITE_MAINTENANCE_TABLE} (reason) VALUES ('flush')",
                *sql_list,
                f"DELETE FROM {SQLITE_MAINTENANCE_TABLE}",
            ],
        )

    patch = pytest.MonkeyPatch()
    patch.setattr(DatabaseOperations, "execute_sql_flush", execute_sql_flush)
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language (French). A request through the test client
    leaves its reader's language active in the thread afterwards (the language middleware
    activates it per request, as in production); without this, a test calling a service
    directly after an English reader's request got English messages."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Users are created by the hundred: a slow hasher would dominate the suite's time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Signed PDFs and signatures written by a test never land in the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


# The broker of the job-queue tests (a real Celery worker): database 5 of the local Redis.
TEST_BROKER_URL = os.environ.get("TEST_BROKER_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture(scope="session")
def redis_broker() -> str:
    """The local Redis for the `redis`-marked tests. Not reachable: skipped on a laptop, a
    failure when REQUIRE_REDIS=1 (.ci/run sets it: CI must run them)."""
    import redis

    try:
        connection = redis.Redis.from_url(TEST_BROKER_URL, socket_connect_timeout=2)
        connection.ping()
        connection.close()
    except redis.RedisError as error:
        message = f"Redis is not reachable at {TEST_BROKER_URL} ({error})"
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"{message}, and REQUIRE_REDIS=1: start Redis (CI needs it).")
        pytest.skip(f"{message}: the real-worker tests need it (make test in CI runs them).")
    return TEST_BROKER_URL
