"""Benchmark: the billing export of 100,000 signed interventions (time and peak RSS).

    .venv/bin/python bench/export_billing.py [--rows 100000] [--repeat 3]
    BENCH_DATABASE_URL=postgres://…/copy_100k .venv/bin/python bench/export_billing.py --existing

`--existing` measures a database already filled (a copy of `load_data --interventions 100000`):
nothing generated, every signed and billed intervention of the whole period exported
(`--include-billed`, 2000-01-01 to 2100-12-31).

Uses a THROWAWAY database: BENCH_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/wt6_bench,
which must exist and will be filled), else a SQLite file in /tmp (kept between runs; delete it
to start afresh). Each export runs `manage.py export_billing` in a child process, so the time
includes Django's start-up and the peak RSS is the exporter's alone (not the generator's).
Results: bench/README.md.
"""

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# Peak RSS is read from wait4() by a tiny launcher, not by this process: Linux carries the
# pre-exec memory high-water mark of a forked child into its ru_maxrss, so a child forked
# from this (large, after generating data) process would report this process's size.
LAUNCHER = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[1:])
_pid, status, usage = os.wait4(proc.pid, 0)
print(usage.ru_maxrss, file=sys.stderr)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_export(env, fmt, date_from, date_to, output, extra=()):
    command = [
        sys.executable,
        "manage.py",
        "export_billing",
        "--from",
        date_from,
        "--to",
        date_to,
        "--format",
        fmt,
        "-o",
        output,
        *extra,
    ]
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *command],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    return elapsed, int(proc.stderr.strip().splitlines()[-1]) / 1024  # kB → MB on Linux


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--existing", action="store_true", help="measure the data already there")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        path = Path("/tmp/bench_export_billing.sqlite3")
        url = f"sqlite:///{path}"
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="bench", DB_CONN_MAX_AGE="0")
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Imported here: Django is set up from the database URL given on the command line.
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections
    from django.utils import timezone

    from bench.scale_data import generate
    from interventions.models import Intervention, Status

    call_command("migrate", verbosity=0)
    signed_on = timezone.localdate() - datetime.timedelta(days=5)
    extra = ()
    if args.existing:
        extra = ("--include-billed",)
    elif Intervention.objects.filter(status=Status.SIGNED).count() < args.rows:
        t0 = time.perf_counter()
        generate(args.rows, signed_on=signed_on)
        print(f"generated {args.rows} interventions in {time.perf_counter() - t0:.1f} s")
    if connection.vendor == "postgresql":
        # Fresh bulk inserts have no planner statistics yet (autovacuum would gather them).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    date_from = (signed_on - datetime.timedelta(days=1)).isoformat()
    date_to = (signed_on + datetime.timedelta(days=1)).isoformat()
    if args.existing:
        date_from, date_to = "2000-01-01", "2100-12-31"
    connections.close_all()
    vendor = url.split(":", 1)[0]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPU, "
        f"Python {platform.python_version()}, database {vendor}"
    )
    for fmt, repeat in (("csv", args.repeat), ("xlsx", 1)):
        times, peaks = [], []
        for _ in range(repeat):
            output = f"/tmp/bench_export_billing.{fmt}"
            elapsed, peak = run_export(env, fmt, date_from, date_to, output, extra)
            times.append(elapsed)
            peaks.append(peak)
        size = os.path.getsize(output) / 1e6
        print(
            f"{fmt}: {'existing' if args.existing else args.rows} rows, "
            f"median {statistics.median(times):.2f} s "
            f"(runs {', '.join(f'{t:.2f}' for t in times)}), peak RSS {max(peaks):.0f} MB, "
            f"file {size:.1f} MB, load average {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
