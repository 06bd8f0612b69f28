import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from interventions import services, workflow
from interventions.models import SignedReport, Status
from tests.factories import make_intervention


def ready_for_signature(technician):
    job = make_intervention()
    now = timezone.now()
    services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=now - timezone.timedelta(hours=1),
        left_at=now,
    )
    services.report_update(intervention=job, work_done="Remplacement du toner", actor=technician)
    assert services.signature_blockers(job) == []
    workflow.transition(job, Status.AWAITING_SIGNATURE, actor=technician)
    return job


def test_freeze_stores_pdf_and_hash_and_locks(technician, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = ready_for_signature(technician)
    report = services.report_freeze(
        intervention=job,
        signatures={"technician": {"name": "T"}, "customer": {"name": "Mme Roux"}},
        actor=technician,
    )
    job.refresh_from_db()
    assert job.status == Status.SIGNED
    data = report.pdf.read()
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == report.sha256
    assert report.snapshot["signatures"]["customer"]["name"] == "Mme Roux"
    with pytest.raises(services.ReportLocked):
        services.report_update(intervention=job, work_done="autre", actor=technician)
    with pytest.raises(ValidationError):
        report.save()
    with pytest.raises(ValidationError):
        report.delete()
    assert SignedReport.objects.count() == 1


def test_blockers_name_what_is_missing(technician):
    job = make_intervention()
    assert len(services.signature_blockers(job)) == 2
