"""Where the mixed load's CPU goes: each request type of `bench/locustfile.py`, served in
process (Django's test client, DEBUG off, the load's own sessions), one at a time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/copy_100k SECRET_KEY=bench-load-secret-key \
        .venv/bin/python bench/load_profile.py [--rounds 40] [--profile "detail"]

Run `bench/load_setup.py` first (bench/.load.json). For each type it prints the median wall
time, the median CPU time of this Python process (the app's share), the rest (waiting on
PostgreSQL), the SQL queries, and the CPU weighted by the type's share of the mix: the sum of
that column is the app's CPU per request of the mix, which bounds the rate two cores can serve.
`--profile NAME` prints cProfile's top functions for one type (`SORT=tottime` to sort by own
time).
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DEBUG"] = "0"
os.environ.setdefault("HTTPS", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench.load_mix import call_form  # noqa: E402

STATE = json.loads((ROOT / "bench" / ".load.json").read_text())
rng = random.Random(14)


def client_for(session: str) -> Client:
    client = Client(SERVER_NAME="127.0.0.1")
    client.cookies["sessionid"] = session
    return client


def request_types():
    """(name, weight in the mix, callable) — the locustfile's tasks, per user count."""
    tech = STATE["technicians"][0]
    tclient = client_for(tech["session"])
    job = tech["job"]
    dclient = client_for(STATE["dispatchers"][0])
    mclient = client_for(STATE["managers"][0])
    version = {"v": None, "n": 0}

    def work_page():
        response = tclient.get(f"/interventions/{job}/work/")
        text = response.content.decode()
        marker = 'data-version="'
        start = text.index(marker, text.index('id="report-form"')) + len(marker)
        version["v"] = int(text[start : text.index('"', start)])
        return response

    def autosave():
        if version["v"] is None:
            work_page()
        version["n"] += 1
        response = tclient.post(
            f"/interventions/{job}/work/report/",
            {"work_done": f"profile {version['n']}", "version": version["v"], "page": "profile"},
        )
        version["v"] = response.json()["version"]
        return response

    def draft():
        autosave()  # as in the mix: the preview follows a save, so the draft cache misses
        return tclient.get(f"/interventions/{job}/report-draft.pdf")

    # Users of each kind / the sum of their tasks' weights (locustfile: 6+2+2+1, 2+2+4+1+1, 3+2+1).
    tech_w, disp_w, man_w = 8 / 11, 5 / 10, 3 / 6

    def intake_save():
        response = dclient.post("/interventions/new/", call_form(STATE, rng))
        assert response.status_code == 302, response.content[:300]
        response.status_code = 200  # created, then redirected to the new job: counted as done
        return response

    return [
        ("tablet: report autosave", 6 * tech_w, autosave),
        ("tablet: work page", 2 * tech_w, work_page),
        ("tablet: my interventions", 2 * tech_w, lambda: tclient.get("/interventions/mine/")),
        ("pdf: draft preview (after a save)", 1 * tech_w, draft),
        ("list: default", 2 * disp_w, lambda: dclient.get("/interventions/")),
        (
            "list: any status, page N",
            2 * disp_w,
            lambda: dclient.get(f"/interventions/?status=&page={rng.choice(STATE['list_pages'])}"),
        ),
        (
            "detail",
            4 * disp_w + 2 * man_w,
            lambda: dclient.get(f"/interventions/{rng.choice(STATE['detail'])}/"),
        ),
        ("intake: form", 1 * disp_w, lambda: dclient.get("/interventions/new/")),
        ("intake: save (creates)", 1 * disp_w, intake_save),
        (
            "pdf: signed (storage)",
            3 * man_w,
            lambda: mclient.get(f"/interventions/{rng.choice(STATE['signed'])}/report.pdf"),
        ),
        ("billing list", 1 * man_w, lambda: mclient.get("/billing/")),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--profile", default="")
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    types = request_types()
    total_weight = sum(weight for _name, weight, _call in types)
    print("| request | wall ms | app CPU ms | rest ms | queries | CPU × share ms |")
    print("|---|---|---|---|---|---|")
    weighted = 0.0
    for name, weight, call in types:
        if args.only and args.only not in name:
            continue
        for _ in range(3):
            assert call().status_code == 200, name
        walls, cpus = [], []
        queries = []

        def count(execute, sql, *rest, seen=queries):
            seen.append(sql)
            return execute(sql, *rest)

        with connection.execute_wrapper(count):
            call()
        for _ in range(args.rounds):
            wall, cpu = time.perf_counter(), time.process_time()
            response = call()
            cpus.append((time.process_time() - cpu) * 1000)
            walls.append((time.perf_counter() - wall) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        wall, cpu = statistics.median(walls), statistics.median(cpus)
        share = cpu * weight / total_weight
        weighted += share
        print(
            f"| {name} | {wall:.1f} | {cpu:.1f} | {wall - cpu:.1f} | {len(queries)} | {share:.1f} |"
        )
        if args.profile and args.profile in name:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.rounds):
                call()
            profiler.disable()
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.sort_stats(os.environ.get("SORT", "cumulative")).print_stats(45)
            print(out.getvalue())
    print(f"\nApp CPU per request of the mix (weighted): {weighted:.1f} ms")


if __name__ == "__main__":
    main()
