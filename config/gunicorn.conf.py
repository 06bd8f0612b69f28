"""gunicorn settings for `make serve` (README, "Déploiement"); every value can be overridden
from the environment.

Workers: cores + 1, at most 9. A request is mostly CPU here (templates, WeasyPrint for a
draft PDF: ~50 ms of CPU) with short database waits: one worker per core keeps the cores busy,
one more covers a worker waiting on PostgreSQL. More workers only take turns on the same cores:
measured with the mixed load of issue 14 on 2 cores (bench/README.md, « Charge mixte : dernière
étape »), 3 workers served 88–90 requests/s with a p95 of 180 ms where 5 served 77–84 with
210–240 ms (each request cost 16.8 ms of CPU instead of 19.6: less switching between
processes); 2 and 4 were in between. Beyond 9 a worker's ~100 MB of memory buys nothing on the
small machines this runs on. `WEB_CONCURRENCY` sets the number outright.

Sync workers, not gthread: measured with the mixed load of issue 14 (bench/README.md, « Issue
14, last steps »), 3 processes × 4 threads served no more requests than 5 processes (the work
is Python holding the GIL, so threads of one process share one core) and, with the default
2-second keep-alive, dropped connections a client was reusing.
"""

import multiprocessing
import os

cores = multiprocessing.cpu_count()
workers = int(os.environ.get("WEB_CONCURRENCY") or min(cores + 1, 9))
bind = os.environ.get("BIND", "127.0.0.1:8000")
# A PDF render or an export takes seconds at worst; a stuck request is killed after this.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Imports (Django, WeasyPrint, fonts) once in the master, shared by the forked workers.
preload_app = True
# A worker is replaced after this many requests (± jitter): memory stays bounded.
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# Behind a load balancer that terminates TLS: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    """In the master, before the workers are forked: the URLconf, the views and WeasyPrint
    (which the app imports on first use, `interventions/pdf/__init__.py`) are loaded once and
    shared by every worker, so no worker's first PDF pays the ~0.65 s import."""
    if not server.cfg.preload_app:
        return
    from django.urls import get_resolver

    import interventions.pdf.render  # noqa: F401

    get_resolver().url_patterns  # noqa: B018
