"""Prepare a COPY of the 100k data for the mixed load (`bench/locustfile.py`): a session for
each virtual user (logged in for the day: the password hash, ~1 s of CPU, is not what the load
measures), the jobs each works on, and a marker that tags this run's writes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/copy_100k .venv/bin/python bench/load_setup.py

Writes bench/.load.json (read by the locustfile and by `bench/load_check.py`). It creates
`ld-manager` and sessions in the database: never run it on production data. gunicorn must run
with the same SECRET_KEY (the session's authentication hash depends on it).
"""

import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.test import Client  # noqa: E402

from clients.models import Equipment  # noqa: E402
from interventions.models import Intervention, Status  # noqa: E402
from interventions.roles import DISPATCHER, GROUP_NAMES, MANAGER  # noqa: E402

STATE = Path(__file__).with_name(".load.json")
TECHNICIANS = 8


def session(user) -> str:
    """A session cookie of `user`, stored in the database like a login's."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def main() -> None:
    rng = random.Random(14)
    User = get_user_model()
    dispatcher = User.objects.get(username="ld-dispatch")
    # load_data makes the dispatcher the author of the calls, without the role.
    dispatcher.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[DISPATCHER])[0])
    manager, _created = User.objects.get_or_create(
        username="ld-manager", defaults={"first_name": "Marc", "last_name": "Perrin"}
    )
    manager.groups.add(Group.objects.get_or_create(name=GROUP_NAMES[MANAGER])[0])

    # One job in progress per technician: each virtual technician edits its own report.
    jobs, seen = [], set()
    for job in Intervention.objects.filter(status=Status.IN_PROGRESS).select_related("technician"):
        if job.technician_id in seen:
            continue
        seen.add(job.technician_id)
        jobs.append({"session": session(job.technician), "job": job.pk})
        if len(jobs) == TECHNICIANS:
            break

    signed = list(
        Intervention.objects.filter(status__in=[Status.SIGNED, Status.BILLED])
        .order_by("?")
        .values_list("pk", flat=True)[:300]
    )
    open_jobs = list(
        Intervention.objects.filter(
            status__in=[Status.IN_PROGRESS, Status.AWAITING_SIGNATURE, Status.SCHEDULED]
        )
        .order_by("?")
        .values_list("pk", flat=True)[:300]
    )
    # Intake on equipment with a site and a contract (the contract is then taken from it).
    equipment = list(
        Equipment.objects.exclude(site=None)
        .exclude(contract=None)
        .order_by("?")
        .values_list("client_id", "pk")[:300]
    )
    state = {
        "marker": f"LOAD{int(time.time())}",
        "dispatchers": [session(dispatcher) for _k in range(5)],
        "managers": [session(manager) for _k in range(3)],
        "technicians": jobs,
        "signed": signed,
        "open": open_jobs,
        "detail": signed[:100] + open_jobs[:100],
        "equipment": equipment,
        "list_pages": [rng.randint(1, 40) for _ in range(50)],
    }
    STATE.write_text(json.dumps(state))
    print(f"{STATE}: marker {state['marker']}, {len(jobs)} technicians, {len(signed)} signed")


if __name__ == "__main__":
    main()
