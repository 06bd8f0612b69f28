"""Median render times of the report PDF (in-process, after warm-up).

    .venv/bin/python bench/pdf_render.py [--runs 30] [--warmup 20]

Builds the demo data set in a throw-away SQLite database (migrate + demo_data), then times:

* signed: `render_report_pdf(snapshot, draft=False)` of the demo's signed report (the
  "Bourrage papier" job: one visit, one part, two tablet signatures): template, layout,
  PDF/A-3b writing, everything the signature does apart from storing the file;
* draft, first render: what the preview view does for the demo's report awaiting signature,
  `render_report_pdf(report_snapshot(job), draft=True)`, the draft cache emptied before each
  run (a report just edited);
* draft, unchanged report: the same, cache kept (the report has not changed since the last
  preview);
* signed, from storage: the download view (test client: middleware, access check, the
  stored file), never rendered again.

Results are written down in bench/README.md.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="bench-pdf-")
    os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{tmp}/media"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))

    # Imported here: Django is set up from the throw-away database chosen above.
    import django

    django.setup()
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from interventions.models import Intervention, SignedReport, Status
    from interventions.pdf import render_report_pdf
    from interventions.snapshot import report_snapshot

    call_command("migrate", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("demo_data", stdout=quiet)
    report = SignedReport.objects.get(intervention__status=Status.SIGNED)
    snapshot = report.snapshot

    for _ in range(args.warmup):
        render_report_pdf(snapshot, draft=False)
    times, cpu = [], []
    for _ in range(args.runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        data = render_report_pdf(snapshot, draft=False)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)

    cpu_of = {}

    def timed(fn, runs):
        out, cpu_times = [], []
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            out.append((time.perf_counter() - start) * 1000)
            cpu_times.append((time.process_time() - start_cpu) * 1000)
        cpu_of[fn.__name__] = statistics.median(cpu_times)
        return out

    job = Intervention.objects.filter(status=Status.AWAITING_SIGNATURE).first()

    def draft_first():
        cache.clear()
        render_report_pdf(report_snapshot(job), draft=True)

    def draft_unchanged():
        render_report_pdf(report_snapshot(job), draft=True)

    timed(draft_first, args.warmup)
    cold = timed(draft_first, args.runs)
    warm = timed(draft_unchanged, args.runs)
    setup_test_environment()
    http = Client()
    http.force_login(report.intervention.technician)
    url = reverse("interventions-report-pdf", args=[report.intervention.pk])

    def download():
        response = http.get(url)
        assert response.status_code == 200
        b"".join(response.streaming_content)

    timed(download, 5)
    stored = timed(download, args.runs)

    sigs = snapshot["signatures"]
    print(f"report            {report.intervention.number} (demo signed report)")
    print(f"runs              {args.runs} after {args.warmup} warm-up renders")
    print(f"median            {statistics.median(times):.1f} ms (signed, rendered)")
    print(
        f"draft first       {statistics.median(cold):.1f} ms median, CPU "
        f"{cpu_of['draft_first']:.1f} ms ({job.number})"
    )
    print(
        f"draft unchanged   {statistics.median(warm):.1f} ms median, CPU "
        f"{cpu_of['draft_unchanged']:.1f} ms (cached PDF)"
    )
    print(
        f"signed, storage   {statistics.median(stored):.1f} ms median, CPU "
        f"{cpu_of['download']:.1f} ms (download view)"
    )
    print(f"min / max         {min(times):.1f} / {max(times):.1f} ms")
    print(f"CPU time median   {statistics.median(cpu):.1f} ms (this process only)")
    print(f"PDF size          {len(data)} bytes, snapshot {len(json.dumps(snapshot))} bytes")
    print(
        "signatures        "
        + ", ".join(f"{who} {len(s.get('image') or '')} chars" for who, s in sigs.items())
    )
    print(f"machine           {platform.processor() or platform.machine()}, {os.cpu_count()} CPU")
    print(f"load average      {os.getloadavg()[0]:.2f} (1 min)")
    print(f"python            {platform.python_version()}")


if __name__ == "__main__":
    main()
