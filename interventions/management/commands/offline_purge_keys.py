"""Delete the idempotency keys of the tablet's replayed actions older than OFFLINE_KEY_DAYS
(interventions/idempotency.py; each user's old keys also go when they send a new one)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from interventions.idempotency import purge_expired


class Command(BaseCommand):
    help = "Delete the idempotency keys of replayed tablet actions older than OFFLINE_KEY_DAYS."

    def handle(self, *args, **options):
        count = purge_expired()
        self.stdout.write(
            f"{count} clé(s) d'idempotence de plus de {settings.OFFLINE_KEY_DAYS} jours "
            "supprimée(s)."
        )
