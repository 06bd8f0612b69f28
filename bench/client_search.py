"""Median latency of the dispatcher's live client search on 10,000 clients.

Creates a throwaway database (SQLite temp file, or `<name>_bench` next to DATABASE_URL's
PostgreSQL database), fills it with 10,000 clients (one site each), then times the htmx endpoint
(`interventions-intake-search`, full request through middleware, view and template) as the
dispatcher types. Results go in bench/README.md by hand.

    .venv/bin/python bench/client_search.py                 # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wt3 .venv/bin/python bench/client_search.py
"""

import os
import random
import statistics
import time

import _setup
from django.db import connection
from django.urls import reverse

N_CLIENTS = 10_000
ROUNDS = 30
# Typed as a dispatcher would: pieces of names, accent-free or not, a client number, pieces of
# phone numbers (national and international form), a city, two words, and a one-letter typo
# (« lefebre »: nothing contains it, so PostgreSQL's trigram fallback runs, a second query).
QUERIES = [
    "Dup",
    "pharma",
    "CLI-0423",
    "06 12",
    "78 24 55",
    "+33 4 78 24",
    "Villeurbanne",
    "boulangerie m",
    "ecole jaures",
    "emilie",
    "lefebre",
]
NAMES = ["Dupont", "Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Garnier", "Roux"]
NAMES += ["Lefèvre", "d'Émilie", "Jean-Jaurès", "Bérénice", "Chloé", "Noël"]
TRADES = ["Pharmacie", "Boulangerie", "Cabinet", "Garage", "Mairie", "École", "Librairie"]
TRADES += ["L'Atelier", "Crèche", "Hôtel", "Société générale d'électricité"]
CITIES = ["Lyon", "Villeurbanne", "Bron", "Vénissieux", "Caluire", "Vaulx-en-Velin", "Oullins"]
LABELS = ["Siège", "Boutique", "Entrepôt", "Bâtiment A", "Accueil"]


def fill() -> None:
    """10,000 clients with one site each, their search text computed as save() would."""
    from clients.models import Client, Site, site_search_text

    rng = random.Random(42)

    def phone():
        return f"0{rng.choice('4679')} " + " ".join(str(rng.randint(10, 99)) for _ in range(4))

    clients, sites = [], []
    for n in range(1, N_CLIENTS + 1):
        site = Site(label=rng.choice(LABELS), city=rng.choice(CITIES), contact_phone=phone())
        site.search_text = site_search_text(site)
        client = Client(
            number=f"CLI-{n:05d}",
            name=f"{rng.choice(TRADES)} {rng.choice(NAMES)} {n}",
            city=rng.choice(CITIES),
            postal_code=f"69{rng.randint(0, 999):03d}",
            phone=phone(),
        )
        clients.append(client)
        sites.append(site)
    _setup.insert_clients(clients, sites)
    _setup.analyze()


def main() -> None:
    from interventions import roles

    with _setup.throwaway_database():
        fill()
        http = _setup.logged_in(roles.DISPATCHER)
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
        from clients.selectors import client_search

        selector = {q: [] for q in QUERIES}
        for _ in range(ROUNDS):
            for q in QUERIES:
                start = time.perf_counter()
                client_search(q)
                selector[q].append((time.perf_counter() - start) * 1000)
        all_ms = [t for ts in timings.values() for t in ts]
        print(f"database: {connection.vendor}, clients: {N_CLIENTS}, rounds: {ROUNDS}")
        for q, ts in timings.items():
            hits = http.get(url, {"q": q}).content.count(b'data-testid="client-result"')
            print(
                f"  q={q!r:16} median {statistics.median(ts):6.1f} ms  max {max(ts):6.1f} ms"
                f"  selector alone {statistics.median(selector[q]):5.1f} ms  ({hits} shown)"
            )
        selector_ms = [t for ts in selector.values() for t in ts]
        print(
            f"overall median {statistics.median(all_ms):.1f} ms, "
            f"p95 {statistics.quantiles(all_ms, n=20)[-1]:.1f} ms; "
            f"selector alone median {statistics.median(selector_ms):.1f} ms; "
            f"load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
