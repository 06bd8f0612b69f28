"""E-mail of the signed report and the reminder of unsigned work, sent by the Celery task in
eager mode (no broker: the settings' default), started on commit, retried with backoff,
recorded in `OutgoingEmail`. The real worker against Redis: test_email_worker.py."""

import datetime
import html
import socket

import pytest
from celery.signals import task_retry
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients import services as client_services
from config.celery import app as celery_app
from interventions import services
from interventions.models import OutgoingEmail, SignedReport, Status
from interventions.services import emails
from interventions.tasks import send_email_task
from tests import mail_backends
from tests.celery_helpers import using_broker
from tests.factories import ClientFactory, SiteFactory, UserFactory
from tests.interventions.tablet_helpers import (
    assigned_job,
    drawn_signature,
    finished_job,
    shown,
)

NBSP = "\u00a0"
FLAKY = "tests.mail_backends.FlakyBackend"


@pytest.fixture(autouse=True)
def _flaky_mail(settings):
    settings.EMAIL_BACKEND = FLAKY
    settings.EMAIL_RETRY_DELAY = 0.01
    settings.EMAIL_RETRY_MAX = 2
    mail_backends.reset()
    yield
    mail_backends.reset()


def customer_signs(job, technician, email=""):
    services.report_sign_technician(
        intervention=job, shown_sha256=shown(job), actor=technician, image=drawn_signature()
    )
    return services.report_sign_customer(
        intervention=job,
        shown_sha256=shown(job),
        actor=technician,
        signatory_name="Mme Roux",
        image=drawn_signature(),
        signatory_email=email,
    )


def job_with_billing_address(technician, billing="compta@garage-vial.fr"):
    job = finished_job(technician)
    job.client.billing_email = billing
    job.client.email = "accueil@garage-vial.fr"
    job.client.save()
    return job


def stored_pdf(report: SignedReport) -> bytes:
    with report.pdf.open("rb") as f:
        return f.read()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- eager mode, on commit -------------------------------------------------------------------


def test_without_a_broker_tasks_run_eagerly(settings):
    assert settings.CELERY_BROKER_URL == "memory://"
    assert celery_app.conf.task_always_eager is True


def test_signature_queues_the_email_and_sends_it_only_on_commit(
    technician, django_capture_on_commit_callbacks
):
    job = job_with_billing_address(technician)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = customer_signs(job, technician, email="m.roux@garage-vial.fr")
    email = OutgoingEmail.objects.get(intervention=job)
    assert email.state == OutgoingEmail.State.QUEUED
    assert email.recipients == ["m.roux@garage-vial.fr", "compta@garage-vial.fr"]
    assert mail.outbox == []  # not before the commit
    assert len(callbacks) == 1
    callbacks[0]()
    email.refresh_from_db()
    assert email.state == OutgoingEmail.State.SENT
    assert email.attempts == 1
    assert email.sent_to == ["m.roux@garage-vial.fr", "compta@garage-vial.fr"]
    assert sorted(m.to[0] for m in mail.outbox) == [
        "compta@garage-vial.fr",
        "m.roux@garage-vial.fr",
    ]
    assert report.signatory_email == "m.roux@garage-vial.fr"
    assert SignedReport.objects.get(pk=report.pk).signatory_email == "m.roux@garage-vial.fr"


@pytest.mark.django_db(transaction=True)
def test_nothing_is_queued_nor_sent_when_the_signature_rolls_back(technician):
    job = job_with_billing_address(technician)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        customer_signs(job, technician, email="m.roux@garage-vial.fr")
        raise Abort
    job.refresh_from_db()
    assert job.status == Status.AWAITING_SIGNATURE
    assert OutgoingEmail.objects.count() == 0
    assert mail.outbox == []
    # The same, committed: sent at once (eager mode), after the commit.
    customer_signs(job, technician, email="m.roux@garage-vial.fr")
    assert OutgoingEmail.objects.get().state == OutgoingEmail.State.SENT
    assert len(mail.outbox) == 2


def test_the_email_is_in_french_with_the_stored_signed_pdf(
    technician, settings, django_capture_on_commit_callbacks
):
    settings.DEFAULT_FROM_EMAIL = "InfoDépann Services <contact@infodepann.example>"
    settings.SITE_URL = "https://rapports.infodepann.example"
    job = job_with_billing_address(technician)
    job.site = SiteFactory(client=job.client, label="Atelier", address="3 rue Vial")
    job.save()
    with django_capture_on_commit_callbacks(execute=True):
        report = customer_signs(job, technician, email="m.roux@garage-vial.fr")
    message = next(m for m in mail.outbox if m.to == ["m.roux@garage-vial.fr"])
    assert message.subject == f"Rapport d'intervention n°{NBSP}{job.number} signé"
    assert message.from_email == "InfoDépann Services <contact@infodepann.example>"
    body = message.body
    assert f"Intervention{NBSP}: {job.number}" in body
    assert f"Client{NBSP}: {job.client.name}" in body
    assert f"Site{NBSP}: Atelier, 3 rue Vial, 69003 Lyon" in body
    assert f"Objet{NBSP}: L'imprimante fait des taches." in body
    assert "Signé le" in body
    assert f"https://rapports.infodepann.example/verify/{job.number}/" in body
    assert report.sha256 in body
    assert "Bonjour" in body
    [(name, content, mimetype)] = message.attachments
    assert name == f"rapport-{job.number}.pdf"
    assert mimetype == "application/pdf"
    assert content == stored_pdf(report)


def test_the_signature_emails_the_report_it_just_froze_without_reading_it_again(
    technician, monkeypatch
):
    """The signing service hands the signed report to the e-mail step, which builds the e-mail
    from it (client and site already read by the signature): its queries are the e-mail's own
    (its checks and its insert), never the report read again."""
    job = job_with_billing_address(technician)
    job.site = SiteFactory(client=job.client, label="Atelier", address="3 rue Vial")
    job.save()
    step = emails.report_email_after_signature
    seen = []

    def counted(*, report, actor=None):
        with CaptureQueriesContext(connection) as queries:
            email = step(report=report, actor=actor)
        seen.append([query["sql"] for query in queries.captured_queries])
        return email

    monkeypatch.setattr(emails, "report_email_after_signature", counted)
    customer_signs(job, technician, email="m.roux@garage-vial.fr")
    [sql] = seen
    # The e-mail's checks (its intervention and requester exist) and its insert.
    assert len(sql) == 3, "\n".join(query[:150] for query in sql)
    assert not [query for query in sql if '"interventions_signedreport"' in query]
    email = OutgoingEmail.objects.get(intervention=job)
    assert email.recipients == ["m.roux@garage-vial.fr", "compta@garage-vial.fr"]
    assert f"Site{NBSP}: Atelier, 3 rue Vial, 69003 Lyon" in email.body


def test_no_address_no_email(technician, django_capture_on_commit_callbacks):
    job = finished_job(technician)  # the factory's client has no e-mail
    with django_capture_on_commit_callbacks(execute=True):
        customer_signs(job, technician, email="")
    assert OutgoingEmail.objects.count() == 0
    assert mail.outbox == []


def test_client_email_is_used_when_there_is_no_billing_address(
    technician, django_capture_on_commit_callbacks
):
    job = job_with_billing_address(technician, billing="")
    with django_capture_on_commit_callbacks(execute=True):
        customer_signs(job, technician)
    assert [m.to for m in mail.outbox] == [["accueil@garage-vial.fr"]]


def test_service_refuses_an_invalid_signatory_address(technician):
    job = job_with_billing_address(technician)
    with pytest.raises(ValidationError) as refused:
        customer_signs(job, technician, email="pas-une-adresse")
    assert "adresse e-mail valide" in str(refused.value.message_dict["signatory_email"])
    job.refresh_from_db()
    assert job.status == Status.AWAITING_SIGNATURE
    assert OutgoingEmail.objects.count() == 0


# --- retries ---------------------------------------------------------------------------------


@pytest.fixture
def retries_seen():
    seen = []

    def record(sender=None, request=None, reason=None, **kwargs):
        seen.append((request.retries, reason.when))

    task_retry.connect(record, weak=False)
    yield seen
    task_retry.disconnect(record)


def test_a_refused_smtp_connection_is_retried_with_backoff_then_failed(
    technician, settings, retries_seen, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port()
    settings.EMAIL_RETRY_MAX = 3
    settings.EMAIL_RETRY_DELAY = 0.5
    job = job_with_billing_address(technician)
    with django_capture_on_commit_callbacks(execute=True):
        customer_signs(job, technician, email="m.roux@garage-vial.fr")
    email = OutgoingEmail.objects.get()
    assert email.state == OutgoingEmail.State.FAILED
    assert email.attempts == 4  # the first and 3 retries
    assert email.sent_to == []
    assert email.last_error == (
        f"Le serveur de messagerie a refusé la connexion (127.0.0.1:{settings.EMAIL_PORT})."
    )
    # Celery's own retries, waiting twice as long each time.
    assert retries_seen == [(0, 0.5), (1, 1.0), (2, 2.0)]


def test_a_retry_never_sends_twice_to_a_recipient_already_served(
    technician, retries_seen, django_capture_on_commit_callbacks
):
    mail_backends.refuse("compta@garage-vial.fr", 1)
    job = job_with_billing_address(technician)
    with django_capture_on_commit_callbacks(execute=True):
        customer_signs(job, technician, email="m.roux@garage-vial.fr")
    email = OutgoingEmail.objects.get()
    assert email.state == OutgoingEmail.State.SENT
    assert email.attempts == 2
    assert email.last_error == ""
    assert [m.to for m in mail.outbox] == [["m.roux@garage-vial.fr"], ["compta@garage-vial.fr"]]
    assert retries_seen == [(0, 0.01)]
    # A duplicate run of the task (a message delivered twice) sends nothing more.
    send_email_task.apply(args=[email.pk])
    assert len(mail.outbox) == 2


def test_the_retrying_state_is_recorded_with_the_reason_and_next_attempt(technician):
    """What the manager reads between two attempts (the eager mode runs them at once: the
    record of the first one, as the task writes it)."""
    mail_backends.refuse("compta@garage-vial.fr", 1)
    job = job_with_billing_address(technician)
    customer_signs(job, technician)  # in a test transaction: on_commit never runs
    email = OutgoingEmail.objects.get()
    before = timezone.now()
    with pytest.raises(Exception) as raised:
        services.emails.email_deliver(email_id=email.pk)
    services.emails.email_attempt_failed(email_id=email.pk, error=raised.value, retry_in=60)
    email.refresh_from_db()
    assert email.state == OutgoingEmail.State.RETRYING
    assert email.attempts == 1
    assert email.last_error.startswith("Le serveur de messagerie a répondu par une erreur")
    assert before + datetime.timedelta(seconds=59) < email.next_attempt_at
    assert email.next_attempt_at < timezone.now() + datetime.timedelta(seconds=61)


def test_a_missing_pdf_fails_in_plain_words(technician, django_capture_on_commit_callbacks):
    job = job_with_billing_address(technician)
    report = customer_signs(job, technician)  # queued, not sent (test transaction)
    report.pdf.storage.delete(report.pdf.name)
    send_email_task.apply(args=[OutgoingEmail.objects.get().pk])
    email = OutgoingEmail.objects.get()
    assert email.state == OutgoingEmail.State.FAILED
    assert email.last_error == "Le PDF signé est introuvable dans le stockage (MEDIA_ROOT)."
    assert email.attempts == 1  # not retried: no later attempt would find it


def test_a_broker_that_does_not_answer_leaves_the_email_failed_with_the_reason(
    technician, settings, django_capture_on_commit_callbacks
):
    job = job_with_billing_address(technician)
    dead = f"redis://127.0.0.1:{closed_port()}/5"
    with (
        using_broker(dead, task_publish_retry=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        report = customer_signs(job, technician, email="m.roux@garage-vial.fr")
    email = OutgoingEmail.objects.get()
    assert email.state == OutgoingEmail.State.FAILED
    assert email.last_error.startswith("La file d'attente (Redis) n'a pas répondu")
    assert report.intervention.status == Status.SIGNED  # the signature itself stands


# --- resend ----------------------------------------------------------------------------------


def test_resend_from_the_intervention_page_queues_a_new_send(
    client, technician, manager, django_capture_on_commit_callbacks
):
    job = job_with_billing_address(technician)
    with django_capture_on_commit_callbacks(execute=True):
        customer_signs(job, technician, email="m.roux@garage-vial.fr")
    assert len(mail.outbox) == 2
    client.force_login(manager)
    page = client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
    assert "Renvoyer le rapport" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("interventions-report-resend", args=[job.pk]))
    assert response.status_code == 302
    assert OutgoingEmail.objects.count() == 2
    latest = OutgoingEmail.objects.order_by("-pk").first()
    assert latest.requested_by == manager
    assert latest.state == OutgoingEmail.State.SENT
    assert len(mail.outbox) == 4


def test_resend_refused_for_an_unsigned_job_in_french(client, technician, dispatcher):
    job = finished_job(technician)
    client.force_login(dispatcher)
    response = client.post(reverse("interventions-report-resend", args=[job.pk]), follow=True)
    page = html.unescape(response.content.decode())
    assert "Cette intervention n'a pas de rapport signé à envoyer." in page
    assert OutgoingEmail.objects.count() == 0


def test_a_technician_cannot_resend(client, technician):
    job = job_with_billing_address(technician)
    customer_signs(job, technician)
    client.force_login(technician)
    response = client.post(reverse("interventions-report-resend", args=[job.pk]))
    assert response.status_code == 403
    assert OutgoingEmail.objects.count() == 1


def test_resend_from_the_emails_page_after_a_failure(
    client, technician, manager, django_capture_on_commit_callbacks
):
    mail_backends.refuse("compta@garage-vial.fr", 3)  # the first send and its 2 retries
    job = job_with_billing_address(technician)
    with django_capture_on_commit_callbacks(execute=True):
        customer_signs(job, technician)
    failed = OutgoingEmail.objects.get()
    assert failed.state == OutgoingEmail.State.FAILED
    client.force_login(manager)
    page = client.get(reverse("interventions-emails"), {"state": "failed"}).content.decode()
    assert "Échoué" in page
    assert "Le serveur de messagerie a répondu par une erreur" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("interventions-email-resend", args=[failed.pk]), {"state": "failed"}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("interventions-emails") + "?state=failed"
    again = OutgoingEmail.objects.exclude(pk=failed.pk).get()
    assert again.state == OutgoingEmail.State.SENT
    assert [m.to for m in mail.outbox] == [["compta@garage-vial.fr"]]


# --- the manager's page ----------------------------------------------------------------------


def make_email(state, intervention=None, error=""):
    return OutgoingEmail.objects.create(
        kind=OutgoingEmail.Kind.SIGNED_REPORT,
        intervention=intervention,
        recipients=["a@exemple.fr"],
        subject="Sujet",
        body="Corps",
        state=state,
        last_error=error,
    )


def test_the_emails_page_filters_by_state(client, manager):
    make_email("sent")
    failed = make_email("failed", error="Le serveur de messagerie a refusé la connexion.")
    make_email("retrying")
    client.force_login(manager)
    response = client.get(reverse("interventions-emails"), {"state": "failed"})
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert rows == [failed]
    page = response.content.decode()
    assert "E-mails envoyés" in page
    assert "Échoué (1)" in page and "Envoyé (1)" in page and "Nouvel essai prévu (1)" in page


def test_the_emails_page_says_a_wrong_filter_in_french(client, manager):
    client.force_login(manager)
    response = client.get(reverse("interventions-emails"), {"state": "lost", "intervention": "x"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Sélectionnez un choix valide" in page


def test_the_emails_page_is_the_managers(client, dispatcher, technician):
    for user in (dispatcher, technician):
        client.force_login(user)
        assert client.get(reverse("interventions-emails")).status_code == 403


def test_the_intervention_page_lists_its_emails_and_links_to_the_page(client, manager):
    job = assigned_job(UserFactory(username="t9"))
    make_email("failed", intervention=job, error="Le serveur ne répond pas.")
    client.force_login(manager)
    page = client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
    assert "Le serveur ne répond pas." in page
    assert f"{reverse('interventions-emails')}?intervention={job.pk}" in page


# --- the sign page ---------------------------------------------------------------------------


def _to_customer(job, technician):
    services.report_sign_technician(
        intervention=job, shown_sha256=shown(job), actor=technician, image=drawn_signature()
    )


def test_the_sign_page_proposes_the_sites_contact_else_the_clients_email(client, technician):
    job = job_with_billing_address(technician)
    _to_customer(job, technician)
    client.force_login(technician)
    url = reverse("interventions-sign", args=[job.pk])
    assert 'value="accueil@garage-vial.fr"' in client.get(url).content.decode()
    other = job_with_billing_address(technician)
    services.report_reopen(intervention=other, actor=technician)
    other.site = SiteFactory(client=other.client, contact_email="atelier@garage-vial.fr")
    other.save()
    services.report_submit(intervention=other, actor=technician)
    _to_customer(other, technician)
    url = reverse("interventions-sign", args=[other.pk])
    assert 'value="atelier@garage-vial.fr"' in client.get(url).content.decode()


def test_an_invalid_address_is_said_in_french_and_what_was_typed_is_kept(client, technician):
    job = job_with_billing_address(technician)
    _to_customer(job, technician)
    client.force_login(technician)
    signature = drawn_signature()
    response = client.post(
        reverse("interventions-sign-customer", args=[job.pk]),
        {
            "shown_sha256": shown(job),
            "signatory_name": "Mme Roux",
            "signatory_email": "m.roux@",
            "signature": signature,
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr." in page
    assert 'value="Mme Roux"' in page
    assert 'value="m.roux@"' in page
    kept = response.context["customer_form"]["signature"].value()
    assert kept and kept.startswith("data:image/png;base64,")
    job.refresh_from_db()
    assert job.status == Status.AWAITING_SIGNATURE
    assert OutgoingEmail.objects.count() == 0


def test_signing_on_the_page_emails_the_typed_address(
    client, technician, django_capture_on_commit_callbacks
):
    job = job_with_billing_address(technician)
    _to_customer(job, technician)
    client.force_login(technician)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("interventions-sign-customer", args=[job.pk]),
            {
                "shown_sha256": shown(job),
                "signatory_name": "Mme Roux",
                "signatory_email": " m.roux@garage-vial.fr ",
                "signature": drawn_signature(),
            },
        )
    assert response.status_code == 302
    assert job.signed_report.signatory_email == "m.roux@garage-vial.fr"
    assert sorted(m.to[0] for m in mail.outbox) == [
        "compta@garage-vial.fr",
        "m.roux@garage-vial.fr",
    ]


# --- the daily reminder ----------------------------------------------------------------------


def work_done_days_ago(technician, days: float):
    job = assigned_job(technician)
    left = timezone.now() - datetime.timedelta(days=days)
    services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=left - datetime.timedelta(hours=1),
        left_at=left,
    )
    services.report_update(intervention=job, work_done="Toner remplacé.", actor=technician)
    return services.report_submit(intervention=job, actor=technician)


@pytest.fixture
def managers_with_addresses(db):
    return [
        UserFactory(username="chef", role="manager", email="chef@infodepann.example"),
        UserFactory(username="chef2", role="manager", email=""),
        UserFactory(username="dispatch", role="dispatcher", email="dispatch@infodepann.example"),
    ]


def test_the_reminder_lists_work_unsigned_for_more_than_n_days(
    settings, technician, managers_with_addresses, django_capture_on_commit_callbacks
):
    settings.UNSIGNED_REMINDER_DAYS = 3
    settings.SITE_URL = "https://rapports.infodepann.example"
    old = work_done_days_ago(technician, 5)
    old.client.name = "Garage Vial"
    old.client.save()
    recent = work_done_days_ago(technician, 2)
    with django_capture_on_commit_callbacks(execute=True):
        email = services.unsigned_reminder_queue()
    email.refresh_from_db()
    assert email.kind == OutgoingEmail.Kind.UNSIGNED_REMINDER
    assert email.state == OutgoingEmail.State.SENT
    [message] = mail.outbox
    assert message.to == ["chef@infodepann.example"]
    assert message.subject == f"1 intervention terminée non signée depuis plus de 3{NBSP}jours"
    body = message.body
    assert old.number in body and recent.number not in body
    assert f"- {old.number} — Garage Vial" in body
    assert f"Technicien{NBSP}: {technician.get_full_name()}" in body
    assert f"(5{NBSP}jours)" in body
    assert f"https://rapports.infodepann.example/interventions/{old.pk}/" in body
    # The threshold moves with the setting.
    settings.UNSIGNED_REMINDER_DAYS = 1
    assert list(services.emails.unsigned_work()) == [old, recent]


def test_no_reminder_when_nothing_waits(technician, managers_with_addresses):
    work_done_days_ago(technician, 1)
    signed = job_with_billing_address(technician)
    customer_signs(signed, technician)
    OutgoingEmail.objects.all().delete()
    assert services.unsigned_reminder_queue() is None
    assert OutgoingEmail.objects.count() == 0
    assert mail.outbox == []


def test_the_command_sends_the_same_reminder(
    technician, managers_with_addresses, capsys, django_capture_on_commit_callbacks
):
    job = work_done_days_ago(technician, 4)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_unsigned_reminder")
    out = capsys.readouterr().out
    assert "chef@infodepann.example" in out and "1 intervention terminée" in out
    [message] = mail.outbox
    assert job.number in message.body
    OutgoingEmail.objects.all().delete()
    mail.outbox.clear()
    job.status = Status.CANCELLED
    job.save(update_fields=["status"])
    call_command("send_unsigned_reminder")
    assert "Aucun rappel" in capsys.readouterr().out
    assert mail.outbox == []


def test_the_beat_schedule_sends_the_reminder_at_7_30_paris_time(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["unsigned-reminder"]
    assert entry["task"] == "interventions.tasks.unsigned_reminder_task"
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {30}
    assert celery_app.conf.timezone == "Europe/Paris"
    assert "interventions.tasks.unsigned_reminder_task" in celery_app.tasks


def test_clients_have_a_billing_address_for_reports():
    client = ClientFactory.build(email="a@x.fr", billing_email="")
    assert client.report_email == "a@x.fr"
    client.billing_email = "compta@x.fr"
    assert client.report_email == "compta@x.fr"


def test_without_a_broker_a_refused_email_is_not_retried_by_default(settings):
    """Eager retries would run inside the signing request: none unless asked for."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "EMAIL_"))}
    code = "from django.conf import settings; print(settings.EMAIL_RETRY_MAX)"
    run = [sys.executable, "manage.py", "shell", "-v", "0", "-c", code]
    options = {"env": env, "capture_output": True, "text": True, "cwd": settings.BASE_DIR}
    assert subprocess.run(run, **options).stdout.strip() == "0"
    env["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/0"
    assert subprocess.run(run, **options).stdout.strip() == "5"


def test_resending_a_reminder_sends_the_same_text_again(
    technician, managers_with_addresses, manager, django_capture_on_commit_callbacks
):
    work_done_days_ago(technician, 4)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.unsigned_reminder_queue()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.email_resend(email=first, actor=manager)
    again.refresh_from_db()
    assert again.pk != first.pk
    assert (again.kind, again.subject, again.body) == (first.kind, first.subject, first.body)
    assert again.recipients == ["chef@infodepann.example"]
    assert again.requested_by == manager
    assert again.state == OutgoingEmail.State.SENT
    assert [m.body for m in mail.outbox] == [first.body, first.body]


@pytest.mark.django_db
def test_a_new_site_keeps_its_contact_email():
    site = client_services.site_create(
        client=ClientFactory(), label="Atelier", contact_email=" atelier@garage-vial.fr "
    )
    site.refresh_from_db()
    assert site.contact_email == "atelier@garage-vial.fr"
