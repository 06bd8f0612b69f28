import base64
import hashlib
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from interventions import services
from interventions.models import (
    InterventionEvent,
    Outcome,
    Relation,
    SignedReport,
    Status,
    TechnicianSignature,
)
from tests.factories import PartFactory
from tests.interventions.tablet_helpers import (
    assigned_job,
    drawn_signature,
    finished_job,
    shown,
    signed_job,
)


def test_arrival_starts_the_work_and_a_second_arrival_needs_a_departure(technician):
    job = assigned_job(technician)
    visit = services.visit_arrive(intervention=job, technician=technician)
    job.refresh_from_db()
    assert job.status == Status.IN_PROGRESS
    assert job.first_arrival_at == visit.arrived_at
    with pytest.raises(ValidationError, match="départ"):
        services.visit_arrive(intervention=job, technician=technician)


def test_departure_records_travel_and_allows_a_second_visit(technician):
    job = assigned_job(technician)
    visit = services.visit_arrive(
        intervention=job, technician=technician, at=timezone.now() - timezone.timedelta(hours=2)
    )
    services.visit_depart(
        visit=visit, actor=technician, travel_km=Decimal("23.5"), travel_minutes=30
    )
    visit.refresh_from_db()
    assert visit.left_at is not None
    assert visit.travel_km == Decimal("23.5") and visit.travel_minutes == 30
    with pytest.raises(ValidationError):
        services.visit_depart(visit=visit, actor=technician)
    services.visit_arrive(intervention=job, technician=technician)
    assert job.visits.count() == 2


def test_correcting_a_visit_recomputes_the_first_arrival(technician):
    job = assigned_job(technician)
    now = timezone.now()
    visit = services.visit_arrive(intervention=job, technician=technician, at=now)
    earlier = now - timezone.timedelta(hours=3)
    services.visit_update(
        visit=visit,
        actor=technician,
        arrived_at=earlier,
        left_at=earlier + timezone.timedelta(hours=1),
        travel_km=Decimal("12"),
        travel_minutes=15,
    )
    job.refresh_from_db()
    assert job.first_arrival_at == earlier
    assert job.events.filter(code=InterventionEvent.Code.VISIT_CORRECTED).exists()


def test_correcting_a_visit_refuses_a_departure_before_the_arrival(technician):
    job = assigned_job(technician)
    visit = services.visit_arrive(intervention=job, technician=technician)
    with pytest.raises(ValidationError):
        services.visit_update(
            visit=visit,
            actor=technician,
            arrived_at=visit.arrived_at,
            left_at=visit.arrived_at - timezone.timedelta(minutes=5),
            travel_km=0,
            travel_minutes=0,
        )
    visit.refresh_from_db()
    assert visit.left_at is None


def test_part_can_be_removed_before_signing(technician):
    job = assigned_job(technician)
    used = services.part_add(intervention=job, part=PartFactory(), quantity=2, actor=technician)
    services.part_remove(part_used=used, actor=technician)
    assert job.parts.count() == 0


def test_additional_request_creates_a_linked_intervention_for_the_dispatcher(technician):
    job = assigned_job(technician)
    child = services.intervention_additional_request(
        intervention=job, actor=technician, object="Installer le modem et son logiciel"
    )
    assert child.parent == job and child.relation == Relation.ADDITIONAL_REQUEST
    assert child.status == Status.NEW and child.technician is None
    assert child.client == job.client and child.number != job.number
    job.refresh_from_db()
    assert "modem" not in job.work_done
    assert job.events.filter(kind=InterventionEvent.Kind.LINKED).exists()


def test_resolution_records_the_time(technician):
    job = assigned_job(technician)
    services.visit_arrive(intervention=job, technician=technician)
    job = services.intervention_resolve(intervention=job, actor=technician)
    assert job.outcome == Outcome.RESOLVED and job.resolved_at is not None


def test_not_resolved_opens_one_follow_up(technician):
    job = assigned_job(technician)
    with pytest.raises(ValidationError):
        services.intervention_follow_up(intervention=job, actor=technician, reason="  ")
    child = services.intervention_follow_up(
        intervention=job, actor=technician, reason="Carte mère à commander"
    )
    job.refresh_from_db()
    assert job.outcome == Outcome.FOLLOW_UP and job.resolved_at is None
    assert child.parent == job and child.relation == Relation.FOLLOW_UP
    assert child.equipment == job.equipment and "Carte mère" in child.object
    with pytest.raises(ValidationError):
        services.intervention_follow_up(intervention=job, actor=technician, reason="encore")


def test_submit_lists_what_is_missing(technician):
    job = assigned_job(technician)
    services.visit_arrive(intervention=job, technician=technician)
    with pytest.raises(ValidationError) as error:
        services.report_submit(intervention=job, actor=technician)
    message = error.value.messages[0]
    assert "Décrivez les travaux réalisés" in message
    assert "départ" in message
    job.refresh_from_db()
    assert job.status == Status.IN_PROGRESS


def test_technician_signature_is_kept_until_reopened(technician):
    job = finished_job(technician)
    services.report_sign_technician(
        intervention=job, shown_sha256=shown(job), actor=technician, image=drawn_signature()
    )
    assert TechnicianSignature.objects.get(intervention=job).image.startswith("data:image/png")
    services.report_reopen(intervention=job, actor=technician)
    job.refresh_from_db()
    assert job.status == Status.IN_PROGRESS
    assert not TechnicianSignature.objects.filter(intervention=job).exists()


def test_only_the_assigned_technician_signs(technician, other_technician):
    job = finished_job(technician)
    with pytest.raises(ValidationError):
        services.report_sign_technician(
            intervention=job,
            shown_sha256=shown(job),
            actor=other_technician,
            image=drawn_signature(),
        )


def test_customer_cannot_sign_before_the_technician(technician):
    job = finished_job(technician)
    with pytest.raises(ValidationError, match="technicien"):
        services.report_sign_customer(
            intervention=job,
            shown_sha256=shown(job),
            actor=technician,
            signatory_name="M. Petit",
            image=drawn_signature(),
        )
    assert not SignedReport.objects.exists()


def test_customer_signature_needs_a_name_and_ink(technician):
    job = finished_job(technician)
    services.report_sign_technician(
        intervention=job, shown_sha256=shown(job), actor=technician, image=drawn_signature()
    )
    with pytest.raises(ValidationError):
        services.report_sign_customer(
            intervention=job,
            shown_sha256=shown(job),
            actor=technician,
            signatory_name=" ",
            image=drawn_signature(),
        )
    with pytest.raises(ValidationError):
        services.report_sign_customer(
            intervention=job,
            shown_sha256=shown(job),
            actor=technician,
            signatory_name="M. Petit",
            image="",
        )
    job.refresh_from_db()
    assert job.status == Status.AWAITING_SIGNATURE


def test_customer_signature_freezes_both_signatures_and_the_pdf(technician):
    job = signed_job(technician)
    report = job.signed_report
    assert job.status == Status.SIGNED
    signatures = report.snapshot["signatures"]
    assert signatures["technician"]["image"].startswith("data:image/png;base64,")
    assert signatures["customer"]["image"].startswith("data:image/png;base64,")
    assert signatures["customer"]["name"] == "Mme Roux"
    assert signatures["customer"]["stamp"] is None
    assert hashlib.sha256(report.pdf.read()).hexdigest() == report.sha256
    assert job.events.filter(kind=InterventionEvent.Kind.SIGNATURE).count() == 2


def test_stamp_goes_into_the_snapshot(technician):
    job = finished_job(technician)
    services.report_sign_technician(
        intervention=job, shown_sha256=shown(job), actor=technician, image=drawn_signature()
    )
    out = io.BytesIO()
    Image.new("RGB", (50, 50), "red").save(out, format="JPEG")
    stamp = "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()
    report = services.report_sign_customer(
        intervention=job,
        shown_sha256=shown(job),
        actor=technician,
        signatory_name="M. Petit",
        image=drawn_signature(),
        stamp=stamp,
    )
    # Frozen at its printed size, in colour (the stamp's ink colour is part of the proof).
    frozen = report.snapshot["signatures"]["customer"]["stamp"]
    assert frozen.startswith("data:image/jpeg;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(frozen.partition(",")[2])))
    assert image.mode == "RGB" and max(image.size) <= 180
    red, green, blue = image.getpixel((image.width // 2, image.height // 2))
    assert red > 200 and green < 60 and blue < 60


def test_every_tablet_service_refuses_a_signed_report(technician):
    job = signed_job(technician)
    visit = job.visits.get()
    part = PartFactory()
    attempts = [
        lambda: services.report_update(intervention=job, work_done="modifié", actor=technician),
        lambda: services.visit_arrive(intervention=job, technician=technician),
        lambda: services.visit_depart(visit=visit, actor=technician),
        lambda: services.visit_update(
            visit=visit,
            actor=technician,
            arrived_at=visit.arrived_at,
            left_at=None,
            travel_km=0,
            travel_minutes=0,
        ),
        lambda: services.part_add(intervention=job, part=part, quantity=1, actor=technician),
        lambda: services.intervention_resolve(intervention=job, actor=technician),
        lambda: services.intervention_follow_up(intervention=job, actor=technician, reason="x"),
        lambda: services.intervention_additional_request(
            intervention=job, actor=technician, object="modem"
        ),
        lambda: services.report_sign_technician(
            intervention=job, shown_sha256=shown(job), actor=technician, image=drawn_signature()
        ),
        lambda: services.report_sign_customer(
            intervention=job,
            shown_sha256=shown(job),
            actor=technician,
            signatory_name="X",
            image=drawn_signature(),
        ),
    ]
    for attempt in attempts:
        with pytest.raises(ValidationError) as error:
            attempt()
        assert "signée" in " ".join(error.value.messages)
    job.refresh_from_db()
    assert job.work_done == "Toner remplacé." and job.parts.count() == 0
    assert job.children.count() == 0 and SignedReport.objects.count() == 1


def test_part_remove_refuses_a_signed_report(technician):
    job = finished_job(technician)
    services.report_reopen(intervention=job, actor=technician)
    used = services.part_add(intervention=job, part=PartFactory(), quantity=1, actor=technician)
    services.report_submit(intervention=job, actor=technician)
    services.report_sign_technician(
        intervention=job, shown_sha256=shown(job), actor=technician, image=drawn_signature()
    )
    services.report_sign_customer(
        intervention=job,
        shown_sha256=shown(job),
        actor=technician,
        signatory_name="Mme Roux",
        image=drawn_signature(),
    )
    with pytest.raises(services.ReportLocked):
        services.part_remove(part_used=used, actor=technician)
    assert job.parts.count() == 1


def test_report_waiting_for_signatures_cannot_change_under_the_customer(technician):
    job = finished_job(technician)
    visit = job.visits.get()
    with pytest.raises(ValidationError, match="attend les signatures"):
        services.visit_arrive(intervention=job, technician=technician)
    with pytest.raises(ValidationError, match="attend les signatures"):
        services.visit_update(
            visit=visit,
            actor=technician,
            arrived_at=visit.arrived_at,
            left_at=None,
            travel_km=0,
            travel_minutes=0,
        )
    with pytest.raises(ValidationError, match="attend les signatures"):
        services.intervention_resolve(intervention=job, actor=technician)
    visit.refresh_from_db()
    assert visit.left_at is not None
