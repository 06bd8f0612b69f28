"""`make backup`: the database (pg_dump, custom format) and MEDIA_ROOT into a new timestamped
folder under BACKUP_DIR (interventions/backups.py)."""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from interventions import backups


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and the media files into a timestamped folder."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dir",
            default=None,
            help="parent folder (default: $BACKUP_DIR, else backups/ in the project)",
        )

    def handle(self, *args, dir=None, **options):
        parent = Path(dir or os.environ.get("BACKUP_DIR") or settings.BASE_DIR / "backups")
        try:
            folder = backups.backup(backup_dir=parent)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Sauvegarde écrite dans {folder}"))
        self.stdout.write(str(folder))
