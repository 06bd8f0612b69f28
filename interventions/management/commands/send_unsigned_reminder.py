"""The daily reminder of work done but not signed, for cron when Celery beat does not run:
the same as the beat schedule's `unsigned_reminder_task` (README, « E-mails »)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from interventions.models import OutgoingEmail
from interventions.services import unsigned_reminder_queue


class Command(BaseCommand):
    help = (
        "E-mail the managers the list of work done but not signed for more than "
        "UNSIGNED_REMINDER_DAYS days (nothing when the list is empty)."
    )

    def handle(self, *args, **options):
        email = unsigned_reminder_queue()
        if email is None:
            self.stdout.write(
                "Aucun rappel : pas d'intervention terminée non signée depuis plus de "
                f"{settings.UNSIGNED_REMINDER_DAYS} jours (ou aucun responsable avec une "
                "adresse e-mail)."
            )
            return
        email.refresh_from_db()
        with translation.override("fr"):
            state = str(OutgoingEmail.State(email.state).label)
        self.stdout.write(
            f"Rappel n° {email.pk} à {', '.join(email.recipients)} : {email.subject} — {state}"
        )
