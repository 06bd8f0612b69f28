"""Median time of whole pages served like production: gunicorn, DEBUG off, logged-in HTTP.

Method (issue 14): gunicorn with 2 sync workers and DEBUG=0 serves the database named by
DATABASE_URL (use a copy of the data made by `manage.py load_data --interventions 100000`);
each page is requested by a logged-in user on a new connection (as curl does), 3 warm-ups then
30 timed requests, one at a time. The script prints a Markdown table (median, p95, size) and the
load average, to paste into bench/README.md.

Users: it creates (or reuses) `bench-dispatcher`, `bench-manager` and `bench-admin` (superuser)
in the database it measures — so never point it at production data — and logs them in through
the database session store; technician pages use the technician of the chosen job.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/copy_100k .venv/bin/python bench/pages.py
    .venv/bin/python bench/pages.py --database-url postgres://postgres@127.0.0.1:5432/copy_100k
    … bench/pages.py --only list,planning --rounds 10
    … bench/pages.py --url "/interventions/?status=&page=200" --as dispatcher

Before measuring, the dashboard's monthly summary is brought up to date (`refresh_stats`: a copy
migrated after `load_data` has none), as a deployment does after loading data.

Pages are chosen from the data at start (the equipment with the most interventions, a signed
report, a job in progress, the month with the most signatures…) so the run works on any copy.
"""

import argparse
import datetime
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# `--database-url URL` instead of DATABASE_URL (read before Django starts).
if "--database-url" in sys.argv:
    os.environ["DATABASE_URL"] = sys.argv[sys.argv.index("--database-url") + 1]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.db.models.functions import TruncMonth  # noqa: E402
from django.test import Client as DjangoClient  # noqa: E402
from django.utils import timezone  # noqa: E402

from interventions import stats_summary  # noqa: E402
from interventions.models import Intervention, SignedReport, Status  # noqa: E402
from interventions.roles import DISPATCHER, GROUP_NAMES, MANAGER  # noqa: E402

WARMUPS = 3


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_cookie(user) -> str:
    """A real session in the database session store, as a login would create."""
    client = DjangoClient()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def bench_users() -> dict:
    User = get_user_model()
    users = {}
    for role in (DISPATCHER, MANAGER):
        user, _ = User.objects.get_or_create(username=f"bench-{role}")
        user.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[role])[0])
        users[role] = user
    admin, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    users["admin"] = admin
    return users


def default_pages() -> list[tuple[str, str, str]]:
    """(name, role, path) of the pages of issue 14's table, chosen from the data."""
    pages = [
        ("list", DISPATCHER, "/interventions/"),
        ("list-all-page-200", DISPATCHER, "/interventions/?status=&page=200"),
    ]
    client = (
        Intervention.objects.values("client__name")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("client__name", flat=True)
        .first()
    )
    if client:
        word = client.split()[-1]
        pages.append(("list-search-client", DISPATCHER, f"/interventions/?status=&q={quote(word)}"))
    monday = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    pages.append(("planning-week", DISPATCHER, f"/planning/?day={monday.isoformat()}"))
    equipment = (
        Intervention.objects.exclude(equipment=None)
        .values("equipment")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("equipment", flat=True)
        .first()
    )
    if equipment:
        pages.append(("equipment-history", DISPATCHER, f"/clients/equipment/{equipment}/history/"))
    month = (
        SignedReport.objects.annotate(m=TruncMonth("signed_at"))
        .values("m")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("m", flat=True)
        .first()
    )
    if month:
        start = month.date() if hasattr(month, "date") else month
        end = (start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        pages.append(
            (
                "billing-month",
                MANAGER,
                f"/billing/?date_from={start}&date_to={end}&status=all",
            )
        )
    today = timezone.localdate()
    year_ago = today - datetime.timedelta(days=365)
    pages += [
        ("dashboard-year", MANAGER, f"/dashboard/?date_from={year_ago}&date_to={today}"),
        ("visits-to-plan", DISPATCHER, "/planning/visits/"),
        ("billing-rates", MANAGER, "/billing/rates/"),
    ]
    draft = (
        Intervention.objects.filter(status=Status.IN_PROGRESS).order_by("-pk").first()
        or Intervention.objects.filter(status=Status.SCHEDULED).order_by("-pk").first()
    )
    if draft:
        pages.append(
            ("pdf-draft-preview", DISPATCHER, f"/interventions/{draft.pk}/report-draft.pdf")
        )
        pages.append(("detail", DISPATCHER, f"/interventions/{draft.pk}/"))
        if draft.technician_id:
            pages.append(
                (f"tablet-work@{draft.technician_id}", "tech", f"/interventions/{draft.pk}/work/")
            )
    signed = SignedReport.objects.order_by("-pk").values_list("intervention_id", flat=True).first()
    if signed:
        pages.append(("pdf-signed", DISPATCHER, f"/interventions/{signed}/report.pdf"))
    pages += [
        ("admin-events", "admin", "/admin/interventions/interventionevent/"),
        ("admin-equipment", "admin", "/admin/clients/equipment/"),
        ("admin-interventions", "admin", "/admin/interventions/intervention/"),
    ]
    return pages


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    env = dict(os.environ)
    env.update(
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DB_CONN_MAX_AGE=env.get("DB_CONN_MAX_AGE", "60"),
        # Plain HTTP on loopback: the production TLS switch (README « Configuration ») is off.
        HTTPS="0",
    )
    # DEBUG off names static files by their hash: collectstatic's manifest must exist.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    gunicorn = ROOT / ".venv" / "bin" / "gunicorn"
    proc = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("gunicorn did not start")


def fetch(port: int, path: str, cookie: str) -> tuple[float, int, int]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "fr"})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return (time.perf_counter() - start) * 1000, response.status, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", help="comma-separated page names (prefix match)")
    parser.add_argument("--url", help="measure this path only")
    parser.add_argument("--as", dest="role", default=DISPATCHER, help="dispatcher|manager|admin")
    parser.add_argument("--database-url", help="the database to measure (else DATABASE_URL)")
    args = parser.parse_args()

    # The dashboard's monthly summary, as load_data leaves it (a copy migrated since has none):
    # computed here rather than by the first warm-up request.
    months = stats_summary.refresh()
    if months:
        print(f"refresh_stats: {months} months computed", file=sys.stderr)

    users = bench_users()
    if args.url:
        pages = [(args.url, args.role, args.url)]
    else:
        pages = default_pages()
        if args.only:
            wanted = args.only.split(",")
            pages = [p for p in pages if any(p[0].startswith(w) for w in wanted)]
    cookies = {role: session_cookie(user) for role, user in users.items()}
    for name, role, _path in pages:
        if role == "tech":
            tech = get_user_model().objects.get(pk=int(name.split("@")[1]))
            cookies[name] = session_cookie(tech)
    connection.close()

    port = free_port()
    server = start_gunicorn(port, args.workers)
    rows = []
    try:
        for name, role, path in pages:
            cookie = cookies[name] if role == "tech" else cookies[role]
            status = size = 0
            for _ in range(WARMUPS):
                _, status, size = fetch(port, path, cookie)
            times = [fetch(port, path, cookie)[0] for _ in range(args.rounds)]
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
            rows.append((name.split("@")[0], path, status, size, statistics.median(times), p95))
            print(f"{name:24} {statistics.median(times):8.1f} ms", file=sys.stderr)
    finally:
        server.terminate()
        server.wait(timeout=10)

    load = os.getloadavg()
    vendor = connection.vendor
    print(
        f"\n{vendor}, gunicorn {args.workers} workers, DEBUG=0, {args.rounds} requests after "
        f"{WARMUPS} warm-ups; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; "
        f"{Intervention.objects.count():,} interventions\n"
    )
    print("| page | path | status | size | median | p95 |")
    print("|---|---|---|---|---|---|")
    for name, path, status, size, median, p95 in rows:
        print(
            f"| {name} | `{path}` | {status} | {size / 1024:,.0f} KB "
            f"| {median:,.1f} ms | {p95:,.1f} ms |"
        )


if __name__ == "__main__":
    main()
