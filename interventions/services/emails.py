"""E-mails sent in the background: the signed report to the customer, the daily reminder of work
done but not signed to the managers, and sending them again.

Each e-mail is an `OutgoingEmail` row, queued here inside the caller's transaction and handed to
the Celery task (`interventions.tasks.send_email_task`) by `transaction.on_commit`: a rolled-back
signature queues nothing. The task calls `email_deliver`, which sends to each recipient not yet
in `sent_to` (idempotent: a retry never e-mails twice a recipient the server accepted), and
records each attempt (`email_attempt_failed`). README, « E-mails ».
"""

import datetime
import logging
import smtplib
import socket

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import roles
from ..models import Intervention, OutgoingEmail, SignedReport, to_sign_q
from ..people import display_name

logger = logging.getLogger(__name__)

# What is worth trying again later: the mail server or the network said no for now.
RETRYABLE = (smtplib.SMTPException, ConnectionError, socket.timeout, TimeoutError, OSError)


class NothingToSend(ValidationError):
    """No address to send to: said to the person who asked, nothing queued."""


def _unique(addresses) -> list[str]:
    seen, result = set(), []
    for address in addresses:
        address = (address or "").strip()
        if address and address.lower() not in seen:
            seen.add(address.lower())
            result.append(address)
    return result


def _local(moment: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def report_email_recipients(report: SignedReport) -> list[str]:
    """The signatory's address (asked on the sign page) and the client's billing address (its
    e-mail when no billing address is set)."""
    client = report.intervention.client
    return _unique([report.signatory_email, client.report_email])


def report_email_content(report: SignedReport) -> tuple[str, str]:
    """Subject and body of the signed report's e-mail, in French."""
    intervention = report.intervention
    company = settings.COMPANY
    verify_url = settings.SITE_URL + reverse("reports-verify", args=[intervention.number])
    with translation.override("fr"):
        subject = _("Intervention report no. %(number)s signed") % {"number": intervention.number}
        site = intervention.site
        lines = [
            _("Hello,"),
            "",
            _("Please find attached the signed report of intervention no. %(number)s.")
            % {"number": intervention.number},
            "",
            _("Intervention: %(number)s") % {"number": intervention.number},
            _("Client: %(client)s") % {"client": intervention.client.name},
        ]
        if site is not None:
            lines.append(
                _("Site: %(site)s")
                % {"site": ", ".join(filter(None, [site.label, site.full_address]))}
            )
        lines += [
            _("Signed on: %(date)s") % {"date": _local(report.signed_at)},
            _("Object: %(object)s") % {"object": " ".join(intervention.object.split())},
            "",
            _(
                "To check that the PDF is intact, open %(url)s (or scan the QR code printed "
                "on the report): the page says whether the file is the one signed."
            )
            % {"url": verify_url},
            _("SHA-256 fingerprint of the PDF file: %(sha256)s") % {"sha256": report.sha256},
            "",
            _("Best regards,"),
            company["name"],
            " — ".join(filter(None, [company["address"], company["phone"], company["email"]])),
        ]
    return subject, "\n".join(lines) + "\n"


def report_email_queue(*, intervention: Intervention, actor=None) -> OutgoingEmail:
    """Queue the e-mail of the signed report (after the signature, or « Renvoyer le rapport »).

    Refused (`NothingToSend`) when the report is not signed or has no address to go to. The
    task starts once the caller's transaction commits."""
    report = (
        SignedReport.objects.select_related("intervention__client", "intervention__site")
        .filter(intervention=intervention)
        .first()
    )
    if report is None:
        raise NothingToSend(_("This intervention has no signed report to send."))
    return _report_email_queue(report=report, actor=actor)


def _report_email_queue(*, report: SignedReport, actor) -> OutgoingEmail:
    recipients = report_email_recipients(report)
    if not recipients:
        raise NothingToSend(
            _(
                "No e-mail address to send the report to: neither the signatory's nor the "
                "client's billing address."
            )
        )
    subject, body = report_email_content(report)
    return _queue(
        kind=OutgoingEmail.Kind.SIGNED_REPORT,
        intervention=report.intervention,
        recipients=recipients,
        subject=subject,
        body=body,
        actor=actor,
    )


def report_email_after_signature(*, report: SignedReport, actor=None) -> OutgoingEmail | None:
    """Called by the signing service with the report it just froze (not read again): the
    e-mail when there is an address, else nothing."""
    try:
        return _report_email_queue(report=report, actor=actor)
    except NothingToSend:
        return None


def _queue(*, kind, intervention, recipients, subject, body, actor) -> OutgoingEmail:
    email = OutgoingEmail(
        kind=kind,
        intervention=intervention,
        recipients=recipients,
        subject=subject[:255],
        body=body,
        requested_by=actor if actor is not None and actor.is_authenticated else None,
    )
    email.full_clean()
    email.save()
    transaction.on_commit(lambda: email_enqueue(email_id=email.pk), robust=True)
    return email


def email_enqueue(*, email_id: int) -> None:
    """Hand the e-mail to Celery (or run it now without a broker). A broker that does not answer
    leaves the e-mail failed with the reason, to send again from the e-mails page."""
    from ..tasks import send_email_task

    try:
        send_email_task.delay(email_id)
    except Exception as error:  # kombu's OperationalError, a refused connection, a timeout…
        logger.exception("e-mail %s: the queue did not take it", email_id)
        with translation.override("fr"):
            reason = _("The job queue (Redis) did not answer: %(error)s") % {"error": error}
        OutgoingEmail.objects.filter(pk=email_id).update(
            state=OutgoingEmail.State.FAILED, last_error=reason, updated_at=timezone.now()
        )


def email_resend(*, email: OutgoingEmail, actor) -> OutgoingEmail:
    """« Renvoyer »: a new e-mail, sent to everyone again. The signed report's is built again
    (an address corrected since is used); a reminder is sent with the same text."""
    if email.kind == OutgoingEmail.Kind.SIGNED_REPORT and email.intervention_id:
        return report_email_queue(intervention=email.intervention, actor=actor)
    return _queue(
        kind=email.kind,
        intervention=email.intervention,
        recipients=list(email.recipients),
        subject=email.subject,
        body=email.body,
        actor=actor,
    )


def _attachments(email: OutgoingEmail) -> list[tuple[str, bytes, str]]:
    if email.kind != OutgoingEmail.Kind.SIGNED_REPORT or email.intervention_id is None:
        return []
    report = SignedReport.objects.select_related("intervention").get(
        intervention_id=email.intervention_id
    )
    with report.pdf.open("rb") as stored:
        data = stored.read()
    with translation.override("fr"):
        name = _("report-%(number)s.pdf") % {"number": report.intervention.number}
    return [(name, data, "application/pdf")]


def email_deliver(*, email_id: int) -> OutgoingEmail:
    """Send the e-mail to each recipient not yet served, one message each; record every
    success at once. Raises the mail server's error (the task decides whether to retry).

    Each recipient is sent under a lock of the row: a duplicate run of the task (a message
    delivered twice by the broker) waits, then finds the recipient served and skips it."""
    email = OutgoingEmail.objects.get(pk=email_id)
    if email.state == OutgoingEmail.State.SENT:
        return email
    attachments = _attachments(email)
    for address in email.recipients:
        with transaction.atomic():
            locked = OutgoingEmail.objects.select_for_update().get(pk=email_id)
            if address in locked.sent_to:
                continue
            message = EmailMessage(
                subject=locked.subject,
                body=locked.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[address],
                attachments=attachments,
            )
            message.send(fail_silently=False)
            locked.sent_to = [*locked.sent_to, address]
            locked.save(update_fields=["sent_to", "updated_at"])
    now = timezone.now()
    OutgoingEmail.objects.filter(pk=email_id).update(
        state=OutgoingEmail.State.SENT,
        attempts=email.attempts + 1,
        last_error="",
        next_attempt_at=None,
        sent_at=now,
        updated_at=now,
    )
    email.refresh_from_db()
    return email


def error_in_words(error: BaseException) -> str:
    """What went wrong, for the manager, in French."""
    with translation.override("fr"):
        if isinstance(error, FileNotFoundError):
            return _("The signed PDF is missing from the storage (MEDIA_ROOT).")
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            addresses = ", ".join(error.recipients)
            return _("The mail server refused the address %(address)s.") % {"address": addresses}
        if isinstance(error, smtplib.SMTPAuthenticationError):
            return _("The mail server refused the login (EMAIL_HOST_USER / EMAIL_HOST_PASSWORD).")
        if isinstance(error, smtplib.SMTPException):
            return _("The mail server answered with an error: %(error)s") % {"error": error}
        if isinstance(error, ConnectionRefusedError):
            return _("The mail server refused the connection (%(host)s:%(port)s).") % {
                "host": settings.EMAIL_HOST,
                "port": settings.EMAIL_PORT,
            }
        if isinstance(error, socket.timeout | TimeoutError):
            return _("The mail server did not answer in time (%(host)s:%(port)s).") % {
                "host": settings.EMAIL_HOST,
                "port": settings.EMAIL_PORT,
            }
        if isinstance(error, OSError):
            return _("The mail server could not be reached (%(host)s:%(port)s): %(error)s") % {
                "host": settings.EMAIL_HOST,
                "port": settings.EMAIL_PORT,
                "error": error,
            }
        return _("Unexpected error: %(error)s") % {"error": error}


def email_attempt_failed(
    *, email_id: int, error: BaseException, retry_in: float | None
) -> OutgoingEmail:
    """One attempt failed: `retrying` if another comes in `retry_in` seconds, else `failed`."""
    now = timezone.now()
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().get(pk=email_id)
        email.attempts += 1
        email.last_error = error_in_words(error)
        if retry_in is None:
            email.state = OutgoingEmail.State.FAILED
            email.next_attempt_at = None
        else:
            email.state = OutgoingEmail.State.RETRYING
            email.next_attempt_at = now + datetime.timedelta(seconds=retry_in)
        email.save(
            update_fields=["attempts", "last_error", "state", "next_attempt_at", "updated_at"]
        )
    return email


def retry_delay(retries_done: int) -> float:
    """Seconds before the next attempt: EMAIL_RETRY_DELAY, then twice as long each time."""
    return settings.EMAIL_RETRY_DELAY * (2**retries_done)


# --- The daily reminder -------------------------------------------------------------------------


def unsigned_work(*, days: int | None = None, now: datetime.datetime | None = None):
    """Work done but not signed (`to_sign_q`) whose last visit ended more than `days` days ago
    (UNSIGNED_REMINDER_DAYS), oldest first, with `done_at`."""
    days = settings.UNSIGNED_REMINDER_DAYS if days is None else days
    limit = (now or timezone.now()) - datetime.timedelta(days=days)
    return (
        Intervention.objects.filter(to_sign_q())
        .annotate(done_at=Max(Coalesce("visits__left_at", "visits__arrived_at")))
        .filter(done_at__lt=limit)
        .select_related("client", "technician")
        .order_by("done_at", "pk")
    )


def manager_addresses() -> list[str]:
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    managers = users.filter(
        Q(groups__name=roles.GROUP_NAMES[roles.MANAGER]) | Q(is_superuser=True)
    ).distinct()
    return _unique(managers.order_by("pk").values_list("email", flat=True))


def unsigned_reminder_content(jobs, *, days: int, now: datetime.datetime) -> tuple[str, str]:
    with translation.override("fr"):
        count = len(jobs)
        subject = ngettext(
            "%(count)s intervention done but not signed for more than %(days)s days",
            "%(count)s interventions done but not signed for more than %(days)s days",
            count,
        ) % {"count": count, "days": days}
        lines = [
            _("Hello,"),
            "",
            _(
                "These interventions are done but the customer has not signed the report for "
                "more than %(days)s days:"
            )
            % {"days": days},
            "",
        ]
        for job in jobs:
            waited = (now - job.done_at).days
            lines += [
                f"- {job.number} — {job.client.name}",
                "  "
                + _("Technician: %(name)s")
                % {"name": display_name(job.technician, _("not assigned"))},
                "  "
                + _("Done since: %(date)s (%(days)s days)")
                % {"date": _local(job.done_at), "days": waited},
                "  " + settings.SITE_URL + reverse("interventions-detail", args=[job.pk]),
                "",
            ]
        lines += [
            _("This reminder is sent every morning while work remains unsigned."),
            settings.COMPANY["name"],
        ]
    return subject, "\n".join(lines) + "\n"


def unsigned_reminder_queue(*, now: datetime.datetime | None = None) -> OutgoingEmail | None:
    """The daily reminder to the managers; nothing when no work waits or no manager has an
    address."""
    now = now or timezone.now()
    days = settings.UNSIGNED_REMINDER_DAYS
    jobs = list(unsigned_work(days=days, now=now))
    recipients = manager_addresses()
    if not jobs or not recipients:
        return None
    subject, body = unsigned_reminder_content(jobs, days=days, now=now)
    with transaction.atomic():
        return _queue(
            kind=OutgoingEmail.Kind.UNSIGNED_REMINDER,
            intervention=None,
            recipients=recipients,
            subject=subject,
            body=body,
            actor=None,
        )
