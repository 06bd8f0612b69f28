"""Median render time of the demo's typical signed report (in-process, after warm-up).

    .venv/bin/python bench/pdf_render.py [--runs 30] [--warmup 20]

Builds the demo data set in a throw-away SQLite database (migrate + demo_data), takes the
frozen snapshot of the demo's signed report (the "Bourrage papier" job: one visit, one part,
two tablet signatures) and times `render_report_pdf(snapshot, draft=False)`: template,
layout, PDF/A-3b writing, everything the signature does apart from storing the file.
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
    from django.core.management import call_command

    from interventions.models import SignedReport, Status
    from interventions.pdf import render_report_pdf

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

    sigs = snapshot["signatures"]
    print(f"report            {report.intervention.number} (demo signed report)")
    print(f"runs              {args.runs} after {args.warmup} warm-up renders")
    print(f"median            {statistics.median(times):.1f} ms")
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
