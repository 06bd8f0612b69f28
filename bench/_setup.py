"""What the bench scripts share: Django set up on a throwaway database, clients with their
sites inserted in bulk, and a logged-in HTTP client.

Imported first by a script (`import _setup`, the script's folder is on `sys.path`): it sets the
environment and calls `django.setup()`. Without DATABASE_URL the database is a SQLite file in a
temporary folder; with it, the throwaway database is `<name>_bench` next to it.
"""

import contextlib
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
TMP = tempfile.mkdtemp(prefix="bench-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as HttpClient  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


@contextlib.contextmanager
def throwaway_database():
    """Create the bench database (migrated, empty), drop it afterwards whatever happens."""
    setup_test_environment()
    db = settings.DATABASES["default"]
    db.setdefault("TEST", {})["NAME"] = (
        f"{db['NAME']}_bench" if connection.vendor == "postgresql" else f"{TMP}/bench-test.sqlite3"
    )
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def insert_clients(clients: list, sites: list) -> None:
    """Clients and their one site each (same order), their search text computed as save()
    would (the caller set each site's text; the client's own is added here)."""
    from clients.models import Client, Site, client_search_text
    from clients.search import phone_key

    for client, site in zip(clients, sites, strict=True):
        client.phone_digits = phone_key(client.phone)
        client.search_text = client_search_text(client, [site.search_text])
    Client.objects.bulk_create(clients, batch_size=1000)
    for client, site in zip(clients, sites, strict=True):
        site.client = client
    Site.objects.bulk_create(sites, batch_size=1000)


def analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def logged_in(role: str) -> HttpClient:
    from tests.factories import UserFactory

    http = HttpClient()
    http.force_login(UserFactory(username="bench", role=role))
    return http
