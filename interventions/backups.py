"""Backup and restore of the database (pg_dump custom format) and of MEDIA_ROOT (signed PDFs,
signatures, stamps): `make backup`, `make restore FROM=…` (README, « Sauvegarde »).

A backup is a folder `<BACKUP_DIR>/<YYYYmmdd-HHMMSS>/` holding `database.dump`, `media.tar.gz`
and `manifest.json` (SHA-256 of both files, database name, row counts at dump time).
"""

import datetime
import hashlib
import json
import os
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.db import connection

DUMP = "database.dump"
MEDIA = "media.tar.gz"
MANIFEST = "manifest.json"


class BackupError(Exception):
    pass


def _pg(settings_dict: dict, dbname: str | None = None) -> tuple[list[str], dict]:
    """Connection arguments and environment of the PostgreSQL client programs."""
    if settings_dict["ENGINE"] != "django.db.backends.postgresql":
        raise BackupError(
            "La sauvegarde demande PostgreSQL (DATABASE_URL=postgres://…). Avec SQLite, "
            "copier le fichier db.sqlite3 et le dossier media/ application arrêtée."
        )
    args = ["--dbname", dbname or settings_dict["NAME"]]
    if settings_dict.get("HOST"):
        args += ["--host", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", settings_dict["USER"]]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    return args, env


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _run(command: list[str], env: dict) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} a échoué : {done.stderr.strip()}")


def backup(*, backup_dir: Path, media_root: Path | None = None, now=None) -> Path:
    """Dump the database and archive the media into a new timestamped folder; returns it."""
    media_root = Path(media_root or settings.MEDIA_ROOT)
    args, env = _pg(connection.settings_dict)
    stamp = (now or datetime.datetime.now()).strftime("%Y%m%d-%H%M%S")
    target = Path(backup_dir) / stamp
    target.mkdir(parents=True, exist_ok=False)
    _run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-acl", "--file", str(target / DUMP)]
        + args,
        env,
    )
    with tarfile.open(target / MEDIA, "w:gz") as archive:
        if media_root.exists():
            archive.add(media_root, arcname=".")
    manifest = {
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": connection.settings_dict["NAME"],
        "files": {name: _sha256(target / name) for name in (DUMP, MEDIA)},
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return target


def _tables_in(settings_dict: dict, dbname: str) -> int:
    args, env = _pg(settings_dict, dbname)
    done = subprocess.run(
        [
            "psql",
            "--no-psqlrc",
            "--tuples-only",
            "--no-align",
            *args,
            "--command",
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"psql a échoué : {done.stderr.strip()}")
    return int(done.stdout.strip() or 0)


def restore(
    *, source: Path, media_root: Path | None = None, dbname: str | None = None, force=False
) -> None:
    """Restore a backup folder into the configured database (or `dbname`) and MEDIA_ROOT.

    Refuses a database that already has tables, or a MEDIA_ROOT that holds files, unless
    `force` (then the database's objects are dropped and replaced, files overwritten)."""
    source = Path(source)
    media_root = Path(media_root or settings.MEDIA_ROOT)
    manifest_path = source / MANIFEST
    if not manifest_path.exists():
        raise BackupError(f"{source} n'est pas une sauvegarde (pas de {MANIFEST}).")
    manifest = json.loads(manifest_path.read_text())
    for name, expected in manifest["files"].items():
        if _sha256(source / name) != expected:
            raise BackupError(f"{name} est altéré (SHA-256 différent du manifeste) : refus.")
    settings_dict = connection.settings_dict
    target = dbname or settings_dict["NAME"]
    if not force:
        if _tables_in(settings_dict, target):
            raise BackupError(
                f"La base {target} n'est pas vide : refus de l'écraser. Restaurer dans une base "
                "neuve, ou relancer avec FORCE=1 (make restore) / --force."
            )
        if media_root.exists() and any(media_root.iterdir()):
            raise BackupError(
                f"{media_root} contient déjà des fichiers : refus de les écraser (FORCE=1)."
            )
    args, env = _pg(settings_dict, target)
    options = ["--no-owner", "--no-acl", "--exit-on-error", "--single-transaction"]
    if force:
        options += ["--clean", "--if-exists"]
    _run(["pg_restore", *options, *args, str(source / DUMP)], env)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / MEDIA, "r:gz") as archive:
        archive.extractall(media_root, filter="data")
