"""Median latency of the dispatcher's live client search on 10,000 clients.

Creates a throwaway database (SQLite temp file, or `<name>_bench` next to DATABASE_URL's
PostgreSQL database), fills it with 10,000 clients, then times the htmx endpoint
(`interventions-intake-search`, full request through middleware, view and template) as the
dispatcher types. Results go in bench/README.md by hand.

    .venv/bin/python bench/client_search.py                 # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt3 .venv/bin/python bench/client_search.py
"""

import os
import random
import statistics
import sys
import tempfile
import time
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
from django.urls import reverse  # noqa: E402

N_CLIENTS = 10_000
ROUNDS = 30
QUERIES = ["Dup", "pharma", "CLI-0423", "06 12", "78 24 55", "Villeurbanne", "boulangerie m"]
NAMES = ["Dupont", "Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Garnier", "Roux"]
TRADES = ["Pharmacie", "Boulangerie", "Cabinet", "Garage", "Mairie", "École", "Librairie"]
CITIES = ["Lyon", "Villeurbanne", "Bron", "Vénissieux", "Caluire", "Vaulx-en-Velin", "Oullins"]


def fill() -> None:
    from clients.models import Client, national_digits

    rng = random.Random(42)
    rows = []
    for n in range(1, N_CLIENTS + 1):
        phone = f"0{rng.choice('4679')} {rng.randint(10, 99)} {rng.randint(10, 99)} " + (
            f"{rng.randint(10, 99)} {rng.randint(10, 99)}"
        )
        rows.append(
            Client(
                number=f"CLI-{n:05d}",
                name=f"{rng.choice(TRADES)} {rng.choice(NAMES)} {n}",
                city=rng.choice(CITIES),
                postal_code=f"69{rng.randint(0, 999):03d}",
                phone=phone,
                phone_digits=national_digits(phone),
            )
        )
    Client.objects.bulk_create(rows, batch_size=1000)


def main() -> None:
    setup_test_environment()
    db = settings.DATABASES["default"]
    db.setdefault("TEST", {})["NAME"] = (
        f"{db['NAME']}_bench" if connection.vendor == "postgresql" else f"{TMP}/bench-test.sqlite3"
    )
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from interventions import roles
        from tests.factories import UserFactory

        fill()
        http = HttpClient()
        http.force_login(UserFactory(username="bench", role=roles.DISPATCHER))
        url = reverse("interventions-intake-search")
        timings = {q: [] for q in QUERIES}
        for q in QUERIES:  # warm-up
            assert http.get(url, {"q": q}).status_code == 200
        for _ in range(ROUNDS):
            for q in QUERIES:
                start = time.perf_counter()
                response = http.get(url, {"q": q})
                timings[q].append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
        all_ms = [t for ts in timings.values() for t in ts]
        print(f"database: {connection.vendor}, clients: {N_CLIENTS}, rounds: {ROUNDS}")
        for q, ts in timings.items():
            print(f"  q={q!r:18} median {statistics.median(ts):6.1f} ms  max {max(ts):6.1f} ms")
        print(
            f"overall median {statistics.median(all_ms):.1f} ms, "
            f"p95 {statistics.quantiles(all_ms, n=20)[-1]:.1f} ms"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
