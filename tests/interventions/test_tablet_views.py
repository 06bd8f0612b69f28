import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from interventions import services
from interventions.models import Relation, SignedReport, Status, TechnicianSignature
from tests.factories import PartFactory
from tests.interventions.tablet_helpers import (
    assigned_job,
    drawn_signature,
    finished_job,
    shown,
    shown_on_page,
    signed_job,
)


def url(name, job, *args):
    return reverse(name, args=[job.pk, *args])


def test_my_interventions_opens_the_work_page_in_one_tap(
    client, technician, dispatcher, django_assert_max_num_queries
):
    for n in range(5):
        job = assigned_job(technician, dispatcher, object=f"Imprimante {n}")
        services.intervention_assign(
            intervention=job,
            technician=technician,
            actor=dispatcher,
            scheduled_start=timezone.now() + timezone.timedelta(days=n),
        )
    client.force_login(technician)
    with django_assert_max_num_queries(8):
        body = client.get(reverse("interventions-mine")).content.decode()
    assert url("interventions-work", job) in body
    assert body.count("tech-job-card") == 5


def test_work_page_shows_the_job(client, technician, django_assert_max_num_queries):
    job = assigned_job(technician, object="Imprimante HP : taches sur les pages")
    services.visit_arrive(intervention=job, technician=technician)
    services.part_add(intervention=job, part=PartFactory(), quantity=2, actor=technician)
    client.force_login(technician)
    with django_assert_max_num_queries(14):
        response = client.get(url("interventions-work", job))
    body = response.content.decode()
    assert response.status_code == 200
    assert job.object in body and "100,00 €" in body
    assert "cartouche recyclée" in body
    assert 'data-testid="stamp-departure"' in body


@pytest.mark.parametrize(
    "name",
    [
        "interventions-work",
        "interventions-work-handover",
        "interventions-sign",
        "interventions-work-part-search",
    ],
)
def test_another_technician_gets_404(client, technician, other_technician, name):
    job = assigned_job(technician)
    client.force_login(other_technician)
    assert client.get(url(name, job)).status_code == 404


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("interventions-work-arrive", {}),
        ("interventions-work-report", {"work_done": "piraté", "version": 0}),
        ("interventions-work-part-add", {"description": "X", "quantity": "1", "version": 0}),
        ("interventions-work-submit", {}),
        ("interventions-work-resolve", {}),
    ],
)
def test_another_technician_cannot_post(client, technician, other_technician, name, data):
    job = assigned_job(technician)
    client.force_login(other_technician)
    assert client.post(url(name, job), data).status_code == 404
    job.refresh_from_db()
    assert job.work_done == "" and job.visits.count() == 0 and job.parts.count() == 0


def test_dispatcher_cannot_use_the_tablet_pages(client, technician, dispatcher):
    job = assigned_job(technician)
    client.force_login(dispatcher)
    assert client.get(url("interventions-work", job)).status_code == 403


def test_arrival_and_departure_in_two_taps(client, technician):
    job = assigned_job(technician)
    client.force_login(technician)
    client.post(url("interventions-work-arrive", job))
    visit = job.visits.get()
    response = client.post(
        url("interventions-work-depart", job, visit.pk),
        {"travel_km": "18.5", "travel_minutes": "25"},
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.left_at is not None and str(visit.travel_km) == "18.5"


def test_departure_with_negative_km_is_refused_in_french(client, technician):
    job = assigned_job(technician)
    visit = services.visit_arrive(intervention=job, technician=technician)
    client.force_login(technician)
    response = client.post(
        url("interventions-work-depart", job, visit.pk),
        {"travel_km": "-3", "travel_minutes": "0"},
        follow=True,
    )
    assert "supérieure ou égale à 0" in response.content.decode()
    visit.refresh_from_db()
    assert visit.left_at is None


def test_visit_correction_keeps_the_input_on_error(client, technician):
    job = assigned_job(technician)
    visit = services.visit_arrive(intervention=job, technician=technician)
    client.force_login(technician)
    response = client.post(
        url("interventions-work-visit", job, visit.pk),
        {
            "arrived_at": "2026-03-02T10:00",
            "left_at": "2026-03-02T09:00",
            "travel_km": "7",
            "travel_minutes": "12",
            "version": visit.version,
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Le départ doit être postérieur à l&#x27;arrivée" in body
    assert 'value="2026-03-02T09:00"' in body


def test_autosave_endpoint_saves_and_answers_json(client, technician):
    job = assigned_job(technician)
    client.force_login(technician)
    response = client.post(
        url("interventions-work-report", job),
        {
            "diagnostics": "Cartouche recyclée",
            "work_done": "Nettoyage",
            "remarks": "",
            "version": 0,
        },
    )
    assert response.status_code == 200 and response.json()["saved"] is True
    job.refresh_from_db()
    assert (job.diagnostics, job.work_done) == ("Cartouche recyclée", "Nettoyage")


def test_part_search_finds_by_reference_and_name(client, technician):
    job = assigned_job(technician)
    PartFactory(reference="TON-HP-59A", name="Toner HP 59A")
    PartFactory(reference="SSD-500", name="Disque SSD 500 Go")
    client.force_login(technician)
    by_ref = client.get(
        url("interventions-work-part-search", job), {"q": "ton-hp"}
    ).content.decode()
    by_name = client.get(
        url("interventions-work-part-search", job), {"q": "disque"}
    ).content.decode()
    assert "TON-HP-59A" in by_ref and "SSD-500" not in by_ref
    assert "SSD-500" in by_name and "TON-HP-59A" not in by_name


def test_htmx_part_add_returns_the_lines_with_total(client, technician):
    job = assigned_job(technician)
    part = PartFactory(unit_price="12.50")
    client.force_login(technician)
    response = client.post(
        url("interventions-work-part-add", job),
        {"part": part.pk, "quantity": "2", "version": 0},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert part.reference in body and "25,00 €" in body
    response = client.post(
        url("interventions-work-part-add", job),
        {"description": "Câble USB 2 m", "quantity": "1", "unit_price": "8", "version": 1},
        HTTP_HX_REQUEST="true",
    )
    assert "33,00 €" in response.content.decode()
    assert job.parts.count() == 2


def test_part_without_catalogue_or_description_is_refused(client, technician):
    job = assigned_job(technician)
    client.force_login(technician)
    response = client.post(
        url("interventions-work-part-add", job),
        {"quantity": "1", "version": 0},
        HTTP_HX_REQUEST="true",
    )
    assert "Choisissez une pièce du catalogue" in response.content.decode()
    assert job.parts.count() == 0


def test_other_request_creates_a_linked_intervention(client, technician):
    job = assigned_job(technician)
    client.force_login(technician)
    response = client.post(
        url("interventions-work-other-request", job), {"object": "Installer le modem"}, follow=True
    )
    child = job.children.get()
    assert child.relation == Relation.ADDITIONAL_REQUEST
    assert child.number in response.content.decode()


def test_follow_up_without_reason_keeps_the_page_with_an_error(client, technician):
    job = assigned_job(technician)
    client.force_login(technician)
    response = client.post(url("interventions-work-follow-up", job), {"reason": ""})
    assert response.status_code == 400
    assert "Ce champ est obligatoire" in response.content.decode()
    assert job.children.count() == 0


def test_second_follow_up_is_refused_on_the_field_and_keeps_the_text(client, technician):
    job = assigned_job(technician)
    client.force_login(technician)
    first = client.post(url("interventions-work-follow-up", job), {"reason": "Commander la pièce"})
    assert first.status_code == 302
    response = client.post(
        url("interventions-work-follow-up", job), {"reason": "Repasser jeudi avec le tambour"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Une intervention de suivi est déjà ouverte" in body
    assert "Repasser jeudi avec le tambour" in body
    assert job.children.count() == 1


def test_submit_with_blockers_says_what_is_missing(client, technician):
    job = assigned_job(technician)
    client.force_login(technician)
    response = client.post(url("interventions-work-submit", job), follow=True)
    body = response.content.decode()
    assert "Décrivez les travaux réalisés" in body
    assert "Enregistrez au moins un passage" in body
    job.refresh_from_db()
    assert job.status == Status.SCHEDULED


def test_tablet_handover_uses_the_shared_service(client, technician, other_technician):
    job = assigned_job(technician)
    client.force_login(technician)
    response = client.post(
        url("interventions-work-handover", job),
        {
            "to_technician": other_technician.pk,
            "note": "Toner changé, reste le tambour",
            "version": job.assignment_version,
        },
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.technician == other_technician
    assert job.events.filter(kind="handover", note__startswith="Toner changé").exists()


def test_empty_technician_signature_is_refused_in_french(client, technician):
    job = finished_job(technician)
    client.force_login(technician)
    response = client.post(url("interventions-sign-technician", job), {"signature": ""})
    assert response.status_code == 400
    assert "La signature est vide" in response.content.decode()
    assert not TechnicianSignature.objects.exists()


def test_sign_page_shows_the_summary_and_the_legal_sentence(client, technician):
    job = finished_job(technician)
    client.force_login(technician)
    body = client.get(url("interventions-sign", job)).content.decode()
    assert "Toner remplacé." in body
    assert (
        "La prestation faisant l’objet des présentes se trouve être régie par nos conditions "
        "générales que le souscripteur déclare expressément accepter." in body.replace("'", "’")
    )


def test_customer_form_keeps_the_name_when_the_signature_is_missing(client, technician):
    job = finished_job(technician)
    services.report_sign_technician(
        intervention=job, shown_sha256=shown(job), actor=technician, image=drawn_signature()
    )
    client.force_login(technician)
    response = client.post(
        url("interventions-sign-customer", job), {"signatory_name": "Mme Roux", "signature": ""}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "La signature est vide" in body and 'value="Mme Roux"' in body
    job.refresh_from_db()
    assert job.status == Status.AWAITING_SIGNATURE


def test_signing_through_the_pages_stores_the_pdf(client, technician):
    job = finished_job(technician)
    client.force_login(technician)
    client.post(
        url("interventions-sign-technician", job),
        {"signature": drawn_signature(), "shown_sha256": shown_on_page(client, job)},
    )
    response = client.post(
        url("interventions-sign-customer", job),
        {
            "signatory_name": "Mme Roux",
            "signature": drawn_signature(),
            "shown_sha256": shown_on_page(client, job),
        },
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Status.SIGNED
    report = SignedReport.objects.get(intervention=job)
    pdf = client.get(url("interventions-report-pdf", job))
    data = b"".join(pdf.streaming_content)
    assert hashlib.sha256(data).hexdigest() == report.sha256


def test_every_form_post_is_refused_after_signing(client, technician, other_technician):
    job = signed_job(technician)
    visit = job.visits.get()
    part = PartFactory()
    client.force_login(technician)
    posts = [
        ("interventions-work-arrive", (), {}),
        ("interventions-work-depart", (visit.pk,), {"travel_km": "1", "travel_minutes": "1"}),
        (
            "interventions-work-visit",
            (visit.pk,),
            {
                "arrived_at": "2026-01-05T08:00",
                "travel_km": "1",
                "travel_minutes": "1",
                "version": visit.version,
            },
        ),
        ("interventions-work-part-add", (), {"part": part.pk, "quantity": "1", "version": 0}),
        ("interventions-work-other-request", (), {"object": "Modem"}),
        ("interventions-work-resolve", (), {}),
        ("interventions-work-follow-up", (), {"reason": "encore"}),
        (
            "interventions-work-handover",
            (),
            {"to_technician": other_technician.pk, "note": "x", "version": job.assignment_version},
        ),
        ("interventions-work-submit", (), {}),
        ("interventions-work-reopen", (), {}),
        (
            "interventions-sign-technician",
            (),
            {"signature": drawn_signature(), "shown_sha256": "x"},
        ),
        (
            "interventions-sign-customer",
            (),
            {"signatory_name": "X", "signature": drawn_signature(), "shown_sha256": "x"},
        ),
    ]
    for name, args, data in posts:
        response = client.post(url(name, job, *args), data, follow=True)
        body = response.content.decode()
        assert "est signée" in body or "ne peut pas passer" in body, name
    response = client.post(
        url("interventions-work-report", job),
        {"work_done": "modifié", "version": job.texts_version},
    )
    assert response.status_code == 409 and "signée" in response.json()["error"]
    job.refresh_from_db()
    assert job.status == Status.SIGNED and job.technician == technician
    assert job.work_done == "Toner remplacé." and job.parts.count() == 0
    assert job.visits.count() == 1 and job.children.count() == 0
    assert SignedReport.objects.count() == 1


def test_signed_work_page_is_read_only_with_the_pdf_link(client, technician):
    job = signed_job(technician)
    client.force_login(technician)
    body = client.get(url("interventions-work", job)).content.decode()
    assert url("interventions-report-pdf", job) in body
    assert "<textarea" not in body and 'data-testid="stamp-arrival"' not in body


def test_pdf_of_an_unsigned_report_is_404(client, technician):
    job = finished_job(technician)
    client.force_login(technician)
    assert client.get(url("interventions-report-pdf", job)).status_code == 404


def test_autosave_is_refused_while_the_customer_reads_the_report(client, technician):
    job = finished_job(technician)
    client.force_login(technician)
    response = client.post(
        url("interventions-work-report", job),
        {"work_done": "ajout tardif", "version": job.texts_version},
    )
    assert response.status_code == 409
    assert "attend les signatures" in response.json()["error"]
    job.refresh_from_db()
    assert job.work_done == "Toner remplacé."
