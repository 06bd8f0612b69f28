"""Median latency of the dispatcher's list free search on 100,000 interventions.

Creates a throwaway database (SQLite temp file, or `<name>_bench` next to DATABASE_URL's
PostgreSQL database), fills it with 2,000 clients (one site each) and 100,000 interventions
(10 % open, the rest closed), then times the whole list page (`interventions-list`, 25 per page:
middleware, filters, count, page, template) as the dispatcher searches, with the default
« open » status and with « any status ». Results go in bench/README.md by hand.

    .venv/bin/python bench/intervention_search.py    # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/db .venv/bin/python bench/intervention_search.py
"""

import datetime
import os
import random
import statistics
import time

import _setup
from django.db import connection
from django.urls import reverse
from django.utils import timezone

N_CLIENTS = 2_000
N_INTERVENTIONS = 100_000
ROUNDS = 10
YEAR = 2031
# No search (the list alone), a client's words, an object's words, both, a number, a phone in
# international form, a word found nowhere, and a word in a sixth of the objects.
QUERIES = [
    "",
    "ecole jaures",
    "bourrage",
    "lefevre ecran",
    f"{YEAR}-04242",
    "+33 4 78 00 12 34",
    "xyzzy",
    "imprimante",
]
NAMES = ["Dupont", "Martin", "Lefèvre", "d'Émilie", "Jean-Jaurès", "Bérénice", "Noël", "Roux"]
TRADES = ["Pharmacie", "Boulangerie", "Cabinet", "Garage", "École", "L'Atelier", "Crèche"]
CITIES = ["Lyon", "Villeurbanne", "Bron", "Vénissieux", "Caluire", "Vaulx-en-Velin"]
OBJECTS = [
    "L'imprimante fait des taches",
    "Bourrage papier à répétition",
    "Écran noir au démarrage",
    "Le poste ne démarre plus",
    "Réseau coupé à l'accueil",
    "Mise à jour de la caisse",
]
CLOSED = ["signed", "billed", "cancelled"]
OPEN = ["new", "scheduled", "in_progress", "awaiting_signature"]


def fill() -> None:
    from clients.models import Client, Site, site_search_text
    from clients.search import search_text
    from interventions.models import Intervention

    rng = random.Random(12)
    clients, sites = [], []
    for n in range(N_CLIENTS):
        site = Site(label="Siège", city=rng.choice(CITIES))
        site.search_text = site_search_text(site)
        client = Client(
            number=f"BCH-{n:05d}",
            name=f"{rng.choice(TRADES)} {rng.choice(NAMES)} {n}",
            city=rng.choice(CITIES),
            phone=f"04 78 00 {n // 100:02d} {n % 100:02d}",
        )
        clients.append(client)
        sites.append(site)
    _setup.insert_clients(clients, sites)
    now = timezone.now()
    for offset in range(0, N_INTERVENTIONS, 5000):
        rows = []
        for seq in range(offset + 1, offset + 5001):
            number, obj = f"{YEAR}-{seq:05d}", rng.choice(OBJECTS)
            k = rng.randrange(len(clients))
            status = rng.choice(OPEN) if rng.random() < 0.1 else rng.choice(CLOSED)
            requested = now - datetime.timedelta(hours=rng.randrange(1, 24 * 365))
            rows.append(
                Intervention(
                    number=number,
                    year=YEAR,
                    sequence=seq,
                    client=clients[k],
                    site=sites[k],
                    object=obj,
                    search_text=search_text(number, obj),
                    status=status,
                    requested_at=requested,
                    deadline_at=requested + datetime.timedelta(hours=8) if seq % 3 else None,
                )
            )
        Intervention.objects.bulk_create(rows)
    _setup.analyze()


def main() -> None:
    from interventions import roles

    with _setup.throwaway_database():
        fill()
        http = _setup.logged_in(roles.DISPATCHER)
        url = reverse("interventions-list")
        print(
            f"database: {connection.vendor}, interventions: {N_INTERVENTIONS}, "
            f"clients: {N_CLIENTS}, rounds: {ROUNDS}"
        )
        everything = []
        for status in ("open", ""):
            for q in QUERIES:
                assert http.get(url, {"q": q, "status": status}).status_code == 200  # warm-up
                timings = []
                for _ in range(ROUNDS):
                    start = time.perf_counter()
                    response = http.get(url, {"q": q, "status": status})
                    timings.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200
                everything += timings
                count = response.context["page"].paginator.count
                print(
                    f"  status={status or 'any':4} q={q!r:22} median "
                    f"{statistics.median(timings):6.1f} ms  max {max(timings):6.1f} ms  "
                    f"({count} found)"
                )
        print(
            f"overall median {statistics.median(everything):.1f} ms; "
            f"load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
