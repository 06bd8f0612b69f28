"""A small, realistic French data set and one user per role. Safe to run again.

The data lives in `interventions/demo/` (`data`: what, `build`: how); other apps' demo data
joins through `interventions.demo.register`.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import translation

from interventions import demo, stats_summary
from interventions.demo import build
from interventions.demo.data import ADMIN_PASSWORD, DEMO_PASSWORD, USERS
from interventions.roles import GROUP_NAMES, LABELS, ensure_role_groups


class Command(BaseCommand):
    help = "Load a small French demo data set and one user per role (idempotent)."

    def handle(self, *args, **options):
        ensure_role_groups()
        with transaction.atomic():
            users = build.users_create()
            build.reference_data_create()
            created = build.interventions_create(users)
            # After the interventions, so that the demo reports already signed keep no
            # unanswered checklist.
            demo.extensions_build(users)
        # The dashboard's monthly summary of the closed months the demo jobs fall in.
        stats_summary.refresh()
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        if created:
            self.stdout.write(f"{created} interventions créées.")
        self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for username, first, last, role in USERS:
            with translation.override("fr"):
                label = f"{LABELS[role]} ({GROUP_NAMES[role]})"
            self.stdout.write(f"  {username:<8} {label:<28} {first} {last}")
        label = "Administrateur (superuser)"
        self.stdout.write(f"  {'admin':<8} {label:<28} mot de passe : {ADMIN_PASSWORD}")
