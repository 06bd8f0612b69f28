"""Benchmark: validating a large decision tree before publication, and recording a path.

Run: DATABASE_URL=sqlite:////tmp/bench.sqlite3 SECRET_KEY=x .venv/bin/python manage.py migrate
     then  DATABASE_URL=… SECRET_KEY=x .venv/bin/python bench/procedures_tree.py
It builds (once) a balanced binary tree of DEPTH levels, then times `version_errors` and a
full run from the root to a conclusion. Prints the median of REPEAT runs.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from procedures import selectors, services  # noqa: E402
from procedures.models import Kind, Procedure, Step  # noqa: E402
from tests.factories import make_intervention  # noqa: E402

DEPTH = 7  # 127 questions + 128 conclusions = 255 steps
REPEAT = 15
TITLE = f"Bench tree depth {DEPTH}"


def build() -> Procedure:
    existing = Procedure.objects.filter(title=TITLE).first()
    if existing:
        return existing
    procedure = services.procedure_create(kind=Kind.DIAGNOSTIC, title=TITLE)
    draft = procedure.draft_version()
    level = [services.step_add(version=draft, label="Q0")]
    for depth in range(1, DEPTH + 1):
        following = []
        for parent in level:
            for answer in ("Oui", "Non"):
                if depth == DEPTH:
                    child = services.step_add(
                        version=draft,
                        label=f"C{parent.label}{answer}",
                        kind=Step.Kind.CONCLUSION,
                        cause="x",
                    )
                else:
                    child = services.step_add(version=draft, label=f"{parent.label}{answer}")
                services.answer_add(step=parent, label=answer, next_step=child)
                following.append(child)
        level = following
    return procedure


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main():
    procedure = build()
    draft = procedure.draft_version() or procedure.published_version()
    steps = draft.steps.count()
    validate = [timed(lambda: selectors.version_errors(draft)) for _ in range(REPEAT)]
    if draft.is_draft:
        services.version_publish(version=draft)
    job = make_intervention()

    def run_path():
        run = services.diagnostic_start(intervention=job, procedure=procedure)
        while (question := selectors.diagnostic_current_step(run)) is not None:
            services.diagnostic_answer(run=run, answer=question.answers.first())

    path = [timed(run_path) for _ in range(REPEAT)]
    print(f"steps={steps} repeat={REPEAT}")
    print(f"version_errors median {statistics.median(validate):.1f} ms")
    print(f"full path ({DEPTH} answers) median {statistics.median(path):.1f} ms")


if __name__ == "__main__":
    main()
