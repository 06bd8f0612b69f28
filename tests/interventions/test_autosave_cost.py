"""The tablet's autosave (the most frequent request of a working day, bench/README.md issue 14)
validates and writes the texts only: a bounded number of queries, the same on every save."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interventions.models import Intervention
from tests.interventions.tablet_helpers import assigned_job


def _save(client, job, text, version):
    url = reverse("interventions-work-report", args=[job.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {"work_done": text, "version": version, "page": "p1"})
    assert response.status_code == 200 and response.json()["saved"], response.content
    return response.json()["version"], len(queries.captured_queries)


def test_autosave_writes_the_texts_with_few_and_constant_queries(client, technician):
    job = assigned_job(technician)
    client.force_login(technician)
    version, first = _save(client, job, "Toner", job.texts_version)
    version, second = _save(client, job, "Toner remplacé", version)
    version, third = _save(client, job, "Toner remplacé, test OK", version)
    assert second == third
    # Session, user, role, the job, its lock, the editing session's event, the UPDATE and the
    # transaction: the row's references, numbering and constraints are not checked again.
    assert third <= 12, third
    job = Intervention.objects.get(pk=job.pk)
    assert job.work_done == "Toner remplacé, test OK" and job.texts_version == version
