"""Re-hash the stored PDF of a signed report (and its frozen content), and check what billing
reads against it, for an administrator (`verification.report_check`, as the verify page)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from interventions.models import SignedReport
from interventions.verification import report_check


class Command(BaseCommand):
    help = "Check that the stored signed PDF of an intervention is intact (SHA-256)."

    def add_arguments(self, parser):
        parser.add_argument("number", help="intervention number, e.g. 2026-00042")

    def handle(self, *args, number, **options):
        report = (
            SignedReport.objects.select_related("intervention__figures")
            .filter(intervention__number=number)
            .first()
        )
        if report is None:
            raise CommandError(f"Aucun rapport signé pour l'intervention {number}.")
        check = report_check(report)
        signed = timezone.localtime(report.signed_at).strftime("%d/%m/%Y %H:%M")
        self.stdout.write(f"Intervention {number} — signé le {signed}")
        self.stdout.write(f"  fichier  : {report.pdf.name}")
        self.stdout.write(f"  SHA-256 du PDF attendu    : {report.sha256}")
        self.stdout.write(f"  empreinte du contenu      : {report.content_sha256}")
        if not check.intact:
            raise CommandError("ALTÉRÉ : " + " ".join(check.problems))
        self.stdout.write(
            self.style.SUCCESS(
                "INTACT : le PDF enregistré est celui qui a été signé,"
                " et la facturation lit les chiffres signés."
            )
        )
