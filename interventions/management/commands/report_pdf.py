"""Write an intervention's report: the stored PDF when signed, else a draft preview."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interventions.models import Intervention, SignedReport
from interventions.pdf import render_report_pdf
from interventions.snapshot import report_snapshot


class Command(BaseCommand):
    help = "Write the stored signed PDF of an intervention, or a draft preview if unsigned."

    def add_arguments(self, parser):
        parser.add_argument("number", help="intervention number, e.g. 2026-00042")
        parser.add_argument("-o", "--output", required=True, help="file to write (PDF)")

    def handle(self, *args, number, output, **options):
        intervention = Intervention.objects.filter(number=number).first()
        if intervention is None:
            raise CommandError(f"Intervention {number} introuvable.")
        report = SignedReport.objects.filter(intervention=intervention).first()
        if report is not None:
            with report.pdf.open("rb") as stored:
                data = stored.read()
            kind = "PDF signé enregistré"
        else:
            data = render_report_pdf(report_snapshot(intervention), draft=True)
            kind = "aperçu BROUILLON (non signé)"
        Path(output).write_bytes(data)
        self.stdout.write(self.style.SUCCESS(f"{output} : {kind}, {len(data)} octets."))
