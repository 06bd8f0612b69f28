"""Data at scale for measurements and trials: `manage.py load_data --interventions 100000`.

The generator is `interventions.demo.scale` (bulk inserts, see its docstring). It refuses a
database that holds clients or interventions it did not create, unless `--force`.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from interventions import stats_summary
from interventions.demo import scale


class Command(BaseCommand):
    help = (
        "Generate interventions in every status (with clients, sites, equipment, contracts, "
        "technicians, visits, parts, events and signed reports), by bulk inserts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interventions", type=int, default=1000)
        parser.add_argument("--clients", type=int, help="default: 5 % of --interventions")
        parser.add_argument("--equipment", type=int, help="default: 20 % of --interventions")
        parser.add_argument("--technicians", type=int, help="default: 1 per 2,500 interventions")
        parser.add_argument("--years", type=int, default=3, help="history span (default 3)")
        parser.add_argument("--seed", type=int, default=14)
        parser.add_argument(
            "--force", action="store_true", help="run even if the database holds other data"
        )

    def handle(self, *args, **options):
        n = options["interventions"]
        if n < 1 or options["years"] < 1:
            raise CommandError("--interventions et --years doivent être positifs.")
        if not options["force"] and scale.existing_real_data():
            raise CommandError(
                "Cette base contient déjà des clients ou des interventions qui ne viennent pas "
                "de load_data : refus d'y ajouter des données de volume. Utilisez une base "
                "jetable, ou ajoutez --force si c'est bien voulu."
            )
        self.stdout.write(f"Génération de {n} interventions…")
        counts = scale.load(
            n,
            clients=options["clients"],
            equipment=options["equipment"],
            technicians=options["technicians"],
            years=options["years"],
            seed=options["seed"],
            log=self.stdout.write,
        )
        # Fresh tables carry no planner statistics and no visibility map: PostgreSQL then plans
        # for empty tables and cannot answer from an index alone (measured: the list's page 200
        # took 544 ms instead of 73 ms). VACUUM cannot run inside a transaction (tests).
        self.stdout.write("Statistiques pour le planificateur (VACUUM ANALYZE)…")
        vacuum = connection.vendor == "postgresql" and not connection.in_atomic_block
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if vacuum else "ANALYZE")
        # The dashboard's monthly summary of the closed months (stats_summary), after the
        # statistics: computed on tables the planner knows.
        months = stats_summary.refresh(everything=True)
        if months:
            self.stdout.write(f"Résumé mensuel du tableau de bord : {months} mois.")
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE " + ", ".join(stats_summary.TABLES))
        by_status = counts.pop("by_status")
        seconds = counts.pop("seconds")
        self.stdout.write(", ".join(f"{key} : {value}" for key, value in counts.items()))
        self.stdout.write("Par statut : " + ", ".join(f"{k} : {v}" for k, v in by_status.items()))
        self.stdout.write(self.style.SUCCESS(f"Terminé en {seconds} s."))
