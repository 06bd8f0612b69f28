"""Fill the dashboard's monthly summary (interventions/stats_summary.py): every closed month
missing or made stale by a write since it was computed, or every month with --all.

The dashboard does this by itself for the months it reads; run it after loading data, or from a
nightly job so that no request pays for it. PostgreSQL only (SQLite aggregates live)."""

import time

from django.core.management.base import BaseCommand

from interventions import stats_summary


class Command(BaseCommand):
    help = "Compute the dashboard's monthly summary of closed months (missing or stale ones)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Recompute every month, fresh ones included."
        )

    def handle(self, *args, **options):
        if not stats_summary.enabled():
            self.stdout.write("Pas de résumé mensuel sur cette base (PostgreSQL seulement).")
            return
        started = time.monotonic()
        months = stats_summary.refresh(everything=options["all"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Résumé mensuel du tableau de bord : {months} mois calculés "
                f"en {time.monotonic() - started:.1f} s."
            )
        )
