"""The Celery application: `celery -A config worker` and `celery -A config beat`.

Settings are the `CELERY_*` names of config/settings.py (README, « Tâches en arrière-plan
(Celery) »). Tasks are found in each app's `tasks.py`.
"""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
@task_postrun.connect
def _close_old_connections(**kwargs) -> None:
    """A worker is not a request: without this, a database connection closed by the server
    between two tasks would fail the next one (Django closes them at each request's end)."""
    from django.db import close_old_connections

    if not app.conf.task_always_eager:
        close_old_connections()
