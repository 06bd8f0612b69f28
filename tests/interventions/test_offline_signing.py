"""Signing offline (docs/offline.md §4): the summary the customer is shown and its
fingerprint, the signature frozen on replay when the job is unchanged, refused in French (and
the dispatcher told) when it changed; the PDF prints both times. And the offline bundle."""

import datetime
import hashlib
import io
import re
import subprocess
import uuid
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from interventions import roles, services
from interventions.models import InterventionEvent, OutgoingEmail, SignedReport, Status
from interventions.offline import offline_summary, summary_fingerprint
from procedures.models import Kind, Procedure, ProcedureRun, ProcedureVersion, Step
from tests.factories import (
    ClientFactory,
    EquipmentFactory,
    PartFactory,
    SiteFactory,
    UserFactory,
    make_intervention,
)
from tests.interventions.tablet_helpers import drawn_signature

pytestmark = pytest.mark.django_db


def replay(client, url, data=None, *, key=None, device_time=None):
    headers = {"Idempotency-Key": key or str(uuid.uuid4()), "X-Offline-Replay": "1"}
    if device_time is not None:
        headers["X-Device-Time"] = device_time.isoformat()
    return client.post(url, data or {}, headers=headers)


def local(day_offset_minutes: int) -> datetime.datetime:
    return timezone.localtime(timezone.now()).replace(second=0, microsecond=0) - datetime.timedelta(
        minutes=day_offset_minutes
    )


@pytest.fixture
def tablet(client, technician):
    client.force_login(technician)
    return client


@pytest.fixture
def worked_job(technician, dispatcher):
    """Cabinet Durand's printer: one visit of 95 minutes, 12.5 km, a toner and a free line,
    the texts typed, resolved; still in progress (the tablet sends it to signature)."""
    customer = ClientFactory(name="Cabinet Durand")
    site = SiteFactory(client=customer, label="Siège", city="Lyon")
    printer = EquipmentFactory(
        client=customer, site=site, brand="HP", model="M404", serial_number="X1"
    )
    job = make_intervention(
        equipment=printer,
        site=site,
        object="L’imprimante bourre",
        requested_at=timezone.now() - datetime.timedelta(hours=5),
    )
    job = services.intervention_assign(intervention=job, technician=technician, actor=dispatcher)
    arrived = local(180)
    services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=arrived,
        left_at=arrived + datetime.timedelta(minutes=95),
        travel_km=Decimal("12.5"),
    )
    services.report_update(
        intervention=job,
        actor=technician,
        diagnostics="Rouleau usé.",
        work_done="Rouleau changé.\nTest d’impression OK.",
    )
    toner = PartFactory(reference="TON-59A", name="Toner HP 59A")
    services.part_add(intervention=job, part=toner, quantity=Decimal("2"), actor=technician)
    services.part_add(
        intervention=job,
        description="Vis de fixation",
        quantity=Decimal("1.50"),
        unit_price=Decimal("0.20"),
        actor=technician,
    )
    services.intervention_resolve(intervention=job, actor=technician)
    job.refresh_from_db()
    job.arrived_text = arrived.strftime("%Y-%m-%dT%H:%M")
    job.left_text = (arrived + datetime.timedelta(minutes=95)).strftime("%Y-%m-%dT%H:%M")
    return job


def test_the_offline_summary_is_what_the_customer_reads(worked_job):
    assert offline_summary(worked_job) == {
        "number": worked_job.number,
        "client": "Cabinet Durand",
        "site": "Siège (Lyon)",
        "equipment": "Imprimante HP M404 (S/N X1)",
        "object": "L’imprimante bourre",
        "diagnostics": "Rouleau usé.",
        "work_done": "Rouleau changé.\nTest d’impression OK.",
        "remarks": "",
        "parts": [
            {"reference": "TON-59A", "designation": "Toner HP 59A", "quantity": "2"},
            {"reference": "", "designation": "Vis de fixation", "quantity": "1.5"},
        ],
        "visits": [
            {"arrived_at": worked_job.arrived_text, "left_at": worked_job.left_text, "km": "12.5"}
        ],
        "outcome": "resolved",
    }


def test_the_fingerprint_is_the_sha256_of_the_sorted_compact_utf8_json():
    # The same vector is in docs/offline.md for the tablet's JavaScript.
    summary = {"b": [{"y": "1", "x": "é"}], "a": "L’arrivée\n"}
    text = '{"a":"L’arrivée\\n","b":[{"x":"é","y":"1"}]}'
    assert summary_fingerprint(summary) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def stamp_upload():
    out = io.BytesIO()
    Image.new("RGB", (300, 200), (30, 60, 160)).save(out, format="JPEG")
    return SimpleUploadedFile("tampon.jpg", out.getvalue(), content_type="image/jpeg")


def sign_offline(tablet, job, fingerprint, *, device_at, stamp=True, email=None):
    """The tablet's queue, in order: send to signature, the technician's and the customer's
    signatures made offline at `device_at`."""
    answers = [replay(tablet, reverse("interventions-work-submit", args=[job.pk]))]
    answers.append(
        replay(
            tablet,
            reverse("interventions-sign-technician", args=[job.pk]),
            {
                "signature": drawn_signature(),
                "summary_fingerprint": fingerprint,
                "signed_on_device_at": device_at.isoformat(),
                "shown_sha256": "",
            },
        )
    )
    data = {
        "signatory_name": "Mme Roux",
        "signature": drawn_signature(),
        "summary_fingerprint": fingerprint,
        "summary_json": "{}",
        "signed_on_device_at": (device_at + datetime.timedelta(minutes=1)).isoformat(),
    }
    if stamp:
        data["stamp"] = stamp_upload()
    if email is not None:
        data["signatory_email"] = email
    key = str(uuid.uuid4())
    answers.append(
        replay(tablet, reverse("interventions-sign-customer", args=[job.pk]), data, key=key)
    )
    answers[-1].key = key
    return answers


def pdf_text(report) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", report.pdf.path, "-"], check=True, capture_output=True, text=True
    )
    return re.sub(r"\s+", " ", out.stdout)


def test_an_unchanged_job_signed_offline_is_frozen_with_both_times_on_the_pdf(
    tablet, worked_job, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    fingerprint = summary_fingerprint(offline_summary(worked_job))
    device_at = local(50)
    submit, technician, customer = sign_offline(
        tablet, worked_job, fingerprint, device_at=device_at
    )

    assert submit.status_code == 200, submit.content
    assert technician.status_code == 200, technician.content
    assert technician.json()["signed"] is False
    assert customer.status_code == 200, customer.content
    assert customer.json()["signed"] is True
    worked_job.refresh_from_db()
    assert worked_job.status == Status.SIGNED
    report = SignedReport.objects.get(intervention=worked_job)
    customer_at = device_at + datetime.timedelta(minutes=1)
    assert report.signed_on_device_at == customer_at
    assert report.offline_summary_sha256 == fingerprint
    assert abs(report.signed_at - timezone.now()) < datetime.timedelta(minutes=1)
    signatures = report.snapshot["signatures"]
    parse = datetime.datetime.fromisoformat
    assert parse(signatures["customer"]["signed_on_device_at"]) == customer_at
    assert parse(signatures["technician"]["signed_on_device_at"]) == device_at
    assert signatures["customer"]["stamp"].startswith("data:image/jpeg")
    received = timezone.localtime(report.signed_at)
    text = pdf_text(report)
    assert (
        f"Signé sur la tablette le {customer_at:%d/%m/%Y} à {customer_at:%H:%M}, "
        f"reçu le {received:%d/%m/%Y} à {received:%H:%M}"
    ) in text
    assert (f"Signé sur la tablette le {device_at:%d/%m/%Y} à {device_at:%H:%M}") in text

    # The same customer signature sent again (the answer was lost): the stored answer.
    again = replay(
        tablet,
        reverse("interventions-sign-customer", args=[worked_job.pk]),
        {"signatory_name": "Mme Roux", "signature": drawn_signature()},
        key=customer.key,
    )
    assert again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert SignedReport.objects.filter(intervention=worked_job).count() == 1


def test_a_signature_online_prints_one_time_as_before(worked_job, technician, settings, tmp_path):
    from tests.interventions.tablet_helpers import sign_both

    settings.MEDIA_ROOT = tmp_path
    services.report_submit(intervention=worked_job, actor=technician)
    job = sign_both(worked_job, technician)
    text = pdf_text(job.signed_report)
    assert "Signé sur la tablette" not in text
    assert "Signé le " in text


def test_a_job_changed_by_the_office_is_not_signed_and_the_dispatcher_is_told(
    tablet, worked_job, dispatcher, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    fingerprint = summary_fingerprint(offline_summary(worked_job))
    # While the tablet is offline, the office adds a part the technician never saw.
    services.part_add(
        intervention=worked_job,
        part=PartFactory(name="Kit de fusion"),
        quantity=1,
        actor=dispatcher,
    )
    submit, technician, customer = sign_offline(
        tablet, worked_job, fingerprint, device_at=local(50)
    )

    assert submit.status_code == 200
    for answer in (technician, customer):
        assert answer.status_code == 409
        conflict = answer.json()["conflict"]
        assert conflict["field"] == "signature"
        assert conflict["message"] == (
            f"Le rapport a été modifié par {dispatcher.get_full_name()} depuis la signature "
            "sur la tablette\u00a0: relisez-le et faites signer à nouveau le client."
        )
        assert [p["designation"] for p in conflict["theirs"]["parts"]][-1] == "Kit de fusion"
    worked_job.refresh_from_db()
    assert worked_job.status == Status.AWAITING_SIGNATURE
    assert not SignedReport.objects.filter(intervention=worked_job).exists()
    assert (
        not hasattr(worked_job, "technician_signature")
        or not (
            type(worked_job).objects.filter(pk=worked_job.pk, technician_signature__isnull=False)
        ).exists()
    )
    refused = worked_job.events.filter(code=InterventionEvent.Code.OFFLINE_SIGNATURE_REFUSED)
    assert sorted(refused.values_list("data__who", flat=True)) == ["customer", "technician"]

    tablet.force_login(dispatcher)
    page = tablet.get(reverse("interventions-detail", args=[worked_job.pk])).content.decode()
    assert (
        f"signature du client faite hors ligne refusée\u00a0: {dispatcher.get_full_name()} "
        "a modifié le rapport depuis"
    ) in page.replace("&nbsp;", "\u00a0")
    assert "signature du technicien faite hors ligne refusée" in page


def test_texts_changed_by_the_office_refuse_the_offline_signature(tablet, worked_job, dispatcher):
    fingerprint = summary_fingerprint(offline_summary(worked_job))
    services.report_update(intervention=worked_job, actor=dispatcher, remarks="Client absent.")
    _submit, technician, _customer = sign_offline(
        tablet, worked_job, fingerprint, device_at=local(50), stamp=False
    )
    assert technician.status_code == 409
    assert technician.json()["conflict"]["theirs"]["remarks"] == "Client absent."


def test_the_email_typed_offline_is_queued_like_an_online_signature_on_commit(
    tablet, worked_job, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    worked_job.client.billing_email = "compta@durand.fr"
    worked_job.client.save()
    fingerprint = summary_fingerprint(offline_summary(worked_job))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        *_, customer = sign_offline(
            tablet, worked_job, fingerprint, device_at=local(50), email=" m.roux@durand.fr "
        )
    assert customer.status_code == 200, customer.content
    report = SignedReport.objects.get(intervention=worked_job)
    assert report.signatory_email == "m.roux@durand.fr"
    email = OutgoingEmail.objects.get(intervention=worked_job)
    assert email.state == OutgoingEmail.State.QUEUED
    assert email.recipients == ["m.roux@durand.fr", "compta@durand.fr"]
    assert mail.outbox == []  # sent once committed, not before
    for callback in callbacks:
        callback()
    email.refresh_from_db()
    assert email.state == OutgoingEmail.State.SENT
    assert sorted(m.to[0] for m in mail.outbox) == ["compta@durand.fr", "m.roux@durand.fr"]


def test_an_invalid_email_typed_offline_is_a_french_422_and_nothing_is_signed(
    tablet, worked_job, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    fingerprint = summary_fingerprint(offline_summary(worked_job))
    *_, customer = sign_offline(
        tablet, worked_job, fingerprint, device_at=local(50), email="m.roux@durand"
    )
    assert customer.status_code == 422
    assert customer.json()["errors"]["signatory_email"] == [
        "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."
    ]
    worked_job.refresh_from_db()
    assert worked_job.status == Status.AWAITING_SIGNATURE
    assert not SignedReport.objects.filter(intervention=worked_job).exists()
    assert not OutgoingEmail.objects.exists()


def test_an_offline_signature_without_fingerprint_or_time_is_a_french_422(tablet, worked_job):
    replay(tablet, reverse("interventions-work-submit", args=[worked_job.pk]))
    response = replay(
        tablet,
        reverse("interventions-sign-technician", args=[worked_job.pk]),
        {"signature": drawn_signature()},
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["summary_fingerprint"] == [
        "Le résumé montré au signataire manque\u00a0: signez à nouveau sur la tablette."
    ]
    assert errors["signed_on_device_at"] == ["L’heure de la signature sur la tablette manque."]


# Checklists replayed ------------------------------------------------------------------------


def checklist(job, labels):
    procedure = Procedure.objects.create(kind=Kind.INTERVENTION, title="Contrôle imprimante")
    version = ProcedureVersion.objects.create(procedure=procedure, number=1)
    steps = [
        Step.objects.create(version=version, position=n, label=label, required=True)
        for n, label in enumerate(labels, 1)
    ]
    run = ProcedureRun.objects.create(intervention=job, version=version)
    return run, steps


def test_checklist_answers_replayed_once(tablet, worked_job):
    run, steps = checklist(worked_job, ["Nettoyage", "Test d’impression"])
    data = {f"result-{steps[0].pk}": "ok", f"result-{steps[1].pk}": "na"}
    key = str(uuid.uuid4())
    url = reverse("procedures-intervention-record", args=[worked_job.pk])
    first = replay(tablet, url, data, key=key)
    again = replay(tablet, url, data, key=key)
    assert first.status_code == 200, first.content
    assert again["Idempotent-Replayed"] == "true"
    assert dict(run.entries.values_list("step__label", "result")) == {
        "Nettoyage": "ok",
        "Test d’impression": "na",
    }
    bad = replay(tablet, url, {f"result-{steps[0].pk}": "perhaps"})
    assert bad.status_code == 422
    assert bad.json()["errors"]["__all__"]


# The bundle -------------------------------------------------------------------------------


def test_the_bundle_holds_the_technicians_jobs_and_the_catalogue(
    tablet, worked_job, technician, other_technician, dispatcher
):
    run, steps = checklist(worked_job, ["Nettoyage"])
    worked_job.site.contact_email = "accueil@durand.fr"
    worked_job.site.save()
    now = timezone.now()
    later = make_intervention(object="Visite annuelle")
    services.intervention_assign(
        intervention=later,
        technician=technician,
        actor=dispatcher,
        scheduled_start=now + datetime.timedelta(days=3),
        scheduled_end=now + datetime.timedelta(days=3, hours=2),
    )
    too_late = make_intervention(object="Dans trois semaines")
    services.intervention_assign(
        intervention=too_late,
        technician=technician,
        actor=dispatcher,
        scheduled_start=now + datetime.timedelta(days=21),
        scheduled_end=now + datetime.timedelta(days=21, hours=2),
    )
    someone_elses = make_intervention(object="Pas pour moi")
    services.intervention_assign(
        intervention=someone_elses, technician=other_technician, actor=dispatcher
    )

    response = tablet.get(reverse("interventions-offline"))
    assert response.status_code == 200
    bundle = response.json()
    numbers = {job["number"] for job in bundle["interventions"]}
    assert numbers == {worked_job.number, later.number}
    assert bundle["days"] == 7
    assert len(bundle["csrf_token"]) == 64
    job = next(j for j in bundle["interventions"] if j["id"] == worked_job.pk)
    assert job["urls"]["work"] == f"/interventions/{worked_job.pk}/work/"
    assert job["urls"]["sign_customer"] == f"/interventions/{worked_job.pk}/sign/customer/"
    assert job["client"] == "Cabinet Durand"
    assert job["versions"]["texts"] == worked_job.texts_version
    assert job["versions"]["parts"] == 2
    assert [p["designation"] for p in job["parts"]] == ["Toner HP 59A", "Vis de fixation"]
    assert job["parts"][1]["quantity"] == "1.5"
    assert job["texts"]["diagnostics"] == "Rouleau usé."
    assert job["outcome"] == "resolved"
    assert job["open_visit"] is None
    visit = worked_job.visits.get()
    assert job["visits"][0]["url"] == f"/interventions/{worked_job.pk}/work/visits/{visit.pk}/"
    assert job["signatory_email_guess"] == "accueil@durand.fr"
    assert job["offline_summary"] == offline_summary(worked_job)
    assert job["offline_summary_sha256"] == summary_fingerprint(offline_summary(worked_job))
    assert [s["text"] for s in job["procedures"][0]["steps"]] == ["Nettoyage"]
    assert job["procedures"][0]["run_id"] == run.pk
    assert {p["reference"] for p in bundle["parts"]} >= {"TON-59A"}


@pytest.mark.parametrize("role", [roles.DISPATCHER, roles.MANAGER])
def test_the_bundle_is_for_technicians_only(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("interventions-offline")).status_code == 403


def test_the_bundle_asks_an_anonymous_tablet_to_log_in(client):
    response = client.get(reverse("interventions-offline"))
    assert response.status_code == 302
    response = client.get(reverse("interventions-offline"), headers={"X-Offline-Replay": "1"})
    assert response.status_code == 401


def _jobs(technician, dispatcher, count):
    part = PartFactory()
    for n in range(count):
        job = make_intervention(
            equipment=EquipmentFactory(), requested_at=timezone.now() - datetime.timedelta(hours=3)
        )
        job = services.intervention_assign(
            intervention=job, technician=technician, actor=dispatcher
        )
        services.visit_arrive(intervention=job, technician=technician)
        services.part_add(intervention=job, part=part, quantity=1, actor=technician)
        checklist(job, [f"Point {n}"])


def _bundle_queries(client) -> int:
    client.get(reverse("interventions-offline"))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("interventions-offline"))
    assert response.status_code == 200
    return len(captured), len(response.json()["interventions"])


def test_the_bundle_reads_a_constant_number_of_queries(tablet, technician, dispatcher):
    _jobs(technician, dispatcher, 2)
    small, n_small = _bundle_queries(tablet)
    _jobs(technician, dispatcher, 12)
    large, n_large = _bundle_queries(tablet)
    assert (n_small, n_large) == (2, 14)
    # The login (session, user, role), the jobs with their visits and parts, the checklists
    # (runs, entries, steps), the catalogue: the same 10 at 2 and at 14 jobs.
    assert (small, large) == (10, 10)
