"""Celery tasks (README, « Tâches en arrière-plan (Celery) »). The work and its record are in
`services/emails.py`: a task only decides when to try again."""

import logging

from celery import shared_task

from .services import emails

logger = logging.getLogger(__name__)


@shared_task(bind=True, max_retries=None)
def send_email_task(self, email_id: int) -> str:
    """Send one `OutgoingEmail`. An SMTP or connection error is retried EMAIL_RETRY_MAX times
    with exponential backoff (`emails.retry_delay`); each attempt is recorded on the row."""
    from django.conf import settings

    try:
        email = emails.email_deliver(email_id=email_id)
    except FileNotFoundError as error:
        # The signed PDF is not in the storage: no later attempt would find it.
        emails.email_attempt_failed(email_id=email_id, error=error, retry_in=None)
        return "failed"
    except emails.RETRYABLE as error:
        retries = self.request.retries
        if retries >= settings.EMAIL_RETRY_MAX:
            emails.email_attempt_failed(email_id=email_id, error=error, retry_in=None)
            logger.warning("e-mail %s failed after %s attempts: %s", email_id, retries + 1, error)
            return "failed"
        delay = emails.retry_delay(retries)
        emails.email_attempt_failed(email_id=email_id, error=error, retry_in=delay)
        raise self.retry(exc=error, countdown=delay) from error
    except Exception as error:
        # Not the mail server's doing (a bug, a missing row): trying again would not help.
        logger.exception("e-mail %s failed", email_id)
        emails.email_attempt_failed(email_id=email_id, error=error, retry_in=None)
        return "failed"
    return email.state


@shared_task
def unsigned_reminder_task() -> int | None:
    """Beat, every morning (CELERY_BEAT_SCHEDULE): the reminder of work done but not signed."""
    email = emails.unsigned_reminder_queue()
    return email.pk if email else None
