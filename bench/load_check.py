"""After a locust run (`bench/locustfile.py`): every write locust counted as a success is in
the database, and nothing more.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/copy_100k \
        .venv/bin/python bench/load_check.py /tmp/load_stats.csv

Interventions created: those whose object carries the run's marker, against the successes of
« intake: save (creates) ». Report saves: the numbered tokens of the run in the « work done »
of the technicians' jobs (each save appends one), against the successes of « tablet: report
autosave ». Then the same against what the virtual users themselves saw succeed
(`bench/.load_seen.json`, written by the locustfile when locust quits), job by job: locust's
CSV can miss a request that finished while the run was stopping, the users' record cannot.
Exit status 1 on any difference with the users' record (with the CSV when there is none).
"""

import csv
import json
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")

import django  # noqa: E402

django.setup()

from interventions.models import Intervention  # noqa: E402

STATE = json.loads(Path(__file__).with_name(".load.json").read_text())
SEEN = Path(__file__).with_name(".load_seen.json")


def successes(stats_csv: str) -> dict[str, int]:
    with open(stats_csv, newline="") as f:
        return {
            row["Name"]: int(row["Request Count"]) - int(row["Failure Count"])
            for row in csv.DictReader(f)
        }


def main() -> None:
    ok = successes(sys.argv[1])
    marker = STATE["marker"]
    created = Intervention.objects.filter(object__contains=marker).count()
    tokens, per_job = 0, {}
    for me in STATE["technicians"]:
        work = Intervention.objects.get(pk=me["job"]).work_done
        numbers = [int(n) for n in re.findall(rf"{marker}-{me['job']}-(\d+)", work)]
        assert numbers == list(range(1, len(numbers) + 1)), f"job {me['job']}: gaps {numbers}"
        tokens += len(numbers)
        per_job[str(me["job"])] = len(numbers)
    rows = [
        ("interventions created", ok.get("intake: save (creates)", 0), created),
        ("report saves", ok.get("tablet: report autosave", 0), tokens),
    ]
    for label, locust, database in rows:
        print(f"{label:22} locust successes {locust:6}   in the database {database:6}")
    if SEEN.exists():
        # What the virtual users saw succeed, job by job (written by the locustfile at exit):
        # the authority when locust's CSV missed requests finished while the run was stopping.
        seen = json.loads(SEEN.read_text())
        saved = {job: seen["saved"].get(job, 0) for job in per_job}
        rows = [
            ("created, seen by users", seen["created"], created),
            ("saves, seen by users", sum(saved.values()), tokens),
        ]
        print(f"{rows[0][0]:22} {rows[0][1]:6} = {rows[0][2]:6} in the database")
        print(f"{rows[1][0]:22} {rows[1][1]:6} = {rows[1][2]:6} in the database")
        rows.append(("saves per job", saved, per_job))
    sys.exit(0 if all(a == b for _label, a, b in rows) else 1)


if __name__ == "__main__":
    main()
