"""Re-hash the stored PDF of every signed version of a report (original and amendments) and
their frozen content, for an administrator."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import formats, timezone, translation

from interventions.models import Intervention
from interventions.selectors import report_versions
from interventions.verification import versions_check


class Command(BaseCommand):
    help = "Check that the stored signed PDFs of an intervention are intact (SHA-256)."

    def add_arguments(self, parser):
        parser.add_argument("number", help="intervention number, e.g. 2026-00042")

    def handle(self, *args, number, **options):
        intervention = Intervention.objects.filter(number=number).first()
        versions = report_versions(intervention) if intervention else []
        if not versions:
            raise CommandError(f"Aucun rapport signé pour l'intervention {number}.")
        altered = []
        for report, check in zip(versions, versions_check(versions), strict=True):
            with translation.override("fr"):
                signed = formats.date_format(
                    timezone.localtime(report.signed_at), "SHORT_DATETIME_FORMAT"
                )
            kind = "avenant" if report.is_amendment else "rapport original"
            self.stdout.write(
                f"Intervention {number} — version {report.version} ({kind}) — signé le {signed}"
            )
            if report.is_amendment:
                changes = ", ".join(
                    f"{flag} : {'facturable' if c['to'] else 'non facturable'}"
                    for flag, c in report.changes.items()
                )
                self.stdout.write(f"  modifie   : {changes} — motif : {report.reason}")
            self.stdout.write(f"  fichier  : {report.pdf.name}")
            self.stdout.write(f"  SHA-256 du PDF attendu    : {report.sha256}")
            self.stdout.write(f"  empreinte du contenu      : {report.content_sha256}")
            if check.intact:
                self.stdout.write(
                    self.style.SUCCESS("  INTACT : le PDF enregistré est celui qui a été signé.")
                )
            else:
                self.stdout.write(self.style.ERROR("  ALTÉRÉ : " + " ".join(check.problems)))
                altered.append(f"version {report.version} : " + " ".join(check.problems))
        if altered:
            raise CommandError("ALTÉRÉ — " + " ; ".join(altered))
