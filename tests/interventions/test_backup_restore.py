"""`make backup` / `make restore` round trip (interventions/backups.py): a database restored
from a backup holds the same rows, and its signed PDFs the same bytes, as the original.

Figures and how to run: docs/reliability.md, « Sauvegarde et restauration ».
"""

import hashlib
import io
import time
from pathlib import Path

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection

from interventions import backups, services
from interventions.models import ReportAmendment, SignedReport
from tests.factories import ClientFactory

from .billing_helpers import covered_equipment, signed_intervention
from .tablet_helpers import drawn_signature, signed_job

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _connect(dbname: str):
    params = connection.settings_dict
    return psycopg2.connect(
        dbname=dbname,
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
    )


@pytest.fixture
def scratch_db():
    """An empty database next to the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore"
    admin = _connect("postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def table_digests(dbname: str) -> dict:
    """Per table of the public schema: row count and MD5 of every row as text, in order."""
    db = _connect(dbname)
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            tables = sorted(row[0] for row in cursor.fetchall())
            digests = {}
            for table in tables:
                cursor.execute(
                    f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text),"
                    f" '')) FROM \"{table}\" t"
                )
                digests[table] = cursor.fetchone()
            return digests
    finally:
        db.close()


def signed_files(dbname: str) -> list[tuple[str, str]]:
    """(file name, stored SHA-256) of every signed PDF: originals and amendments."""
    db = _connect(dbname)
    try:
        with db.cursor() as cursor:
            cursor.execute(
                f"SELECT pdf, sha256 FROM {SignedReport._meta.db_table} UNION ALL "
                f"SELECT pdf, sha256 FROM {ReportAmendment._meta.db_table} WHERE pdf <> ''"
                " ORDER BY 1"
            )
            return cursor.fetchall()
    finally:
        db.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def signed_world(technician, manager, rates):
    """Two signed reports and a signed amendment (three PDFs), with everything around them."""
    signed_job(technician)
    amended = signed_intervention(technician, equipment=covered_equipment(labour=True))
    amendment = services.amendment_request(
        intervention=amended, actor=manager, changes={"labour": True}, reason="Oubli"
    )
    services.amendment_sign(
        amendment=amendment, actor=manager, signatory_name="Mme Roux", image=drawn_signature()
    )
    return amended


def test_restore_gives_the_same_rows_and_the_same_signed_pdfs(
    signed_world, scratch_db, tmp_path, settings
):
    source_db = connection.settings_dict["NAME"]
    started = time.perf_counter()
    out = io.StringIO()
    call_command("backup", dir=str(tmp_path / "backups"), stdout=out)
    folder = Path(out.getvalue().strip().splitlines()[-1])
    assert folder.parent == tmp_path / "backups"
    assert sorted(p.name for p in folder.iterdir()) == [
        "database.dump",
        "manifest.json",
        "media.tar.gz",
    ]
    restored_media = tmp_path / "restored-media"
    backups.restore(source=folder, media_root=restored_media, dbname=scratch_db)
    elapsed = time.perf_counter() - started

    original, restored = table_digests(source_db), table_digests(scratch_db)
    assert restored == original
    assert original["interventions_signedreport"][0] == 2
    files = signed_files(scratch_db)
    assert len(files) == 3
    assert files == signed_files(source_db)
    for name, stored in files:
        assert sha256(restored_media / name) == stored
        assert (restored_media / name).read_bytes() == (
            Path(settings.MEDIA_ROOT) / name
        ).read_bytes()
    print(
        f"\nbackup + restore: {sum(c for c, _ in original.values())} rows, "
        f"{len(original)} tables, {len(files)} PDFs, {elapsed:.1f} s"
    )


def test_restore_refuses_an_altered_backup(db, scratch_db, tmp_path):
    ClientFactory()
    folder = backups.backup(backup_dir=tmp_path / "backups")
    dump = folder / "database.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(backups.BackupError, match="altéré"):
        backups.restore(source=folder, media_root=tmp_path / "m", dbname=scratch_db)
    assert table_digests(scratch_db) == {}
