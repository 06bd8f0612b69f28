"""`make restore FROM=<folder>`: a backup of `make backup` into the DATABASE_URL database and
MEDIA_ROOT, then every signed PDF re-hashed against its stored SHA-256."""

from django.core.management.base import BaseCommand, CommandError

from interventions import backups
from interventions.models import Intervention
from interventions.selectors import report_versions
from interventions.verification import versions_check


class Command(BaseCommand):
    help = (
        "Restore a backup folder into the configured database and MEDIA_ROOT (refused if the "
        "database has tables or MEDIA_ROOT has files, unless --force), then check the PDFs."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="backup folder written by `manage.py backup`")
        parser.add_argument(
            "--force", action="store_true", help="replace a database and media that hold data"
        )

    def handle(self, *args, source, force=False, **options):
        try:
            backups.restore(source=source, force=force)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Base et fichiers restaurés depuis {source}"))
        checked, altered = 0, []
        signed = Intervention.objects.filter(signed_report__isnull=False).order_by("number")
        for intervention in signed:
            for report, check in zip(
                report_versions(intervention),
                versions_check(report_versions(intervention)),
                strict=True,
            ):
                checked += 1
                if not check.intact:
                    altered.append(f"{intervention.number} v{report.version}")
        if altered:
            raise CommandError("PDF signés altérés après restauration : " + ", ".join(altered))
        self.stdout.write(f"{checked} PDF signés vérifiés (SHA-256) : tous intacts.")
