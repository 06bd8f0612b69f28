"""The import's two steps: a dry run that writes nothing, then the confirmation that writes
exactly what the dry run showed, all or nothing.

Between the two, the uploaded file waits on the server (`settings.IMPORT_DIR`) under the
SHA-256 of its bytes; the confirmation names that hash, reads the file back, checks its bytes
still hash to it, imports it again inside one transaction and compares what it did with what
the dry run showed (`ImportReport.digest`): any difference (the file, or the database changed
in between) rolls everything back and asks for a new dry run.
"""

import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from import_export.results import RowResult

from .formats import (
    APP_COLUMNS,
    CLIENTS,
    EQUIPMENT,
    FORMATS,
    GLPI,
    SITES,
    ImportFileError,
    Table,
    fold,
    load_table,
)
from .resources import ClientResource, ContractResource, EquipmentResource, SiteResource

_HASH = re.compile(r"[0-9a-f]{64}")

NEW, UPDATE, SKIP, INVALID = "new", "update", "skip", "invalid"


@dataclass
class RowReport:
    line: int  # the file's line (the header is line 1)
    action: str  # NEW, UPDATE, SKIP or INVALID
    label: str  # what the row is, e.g. « CLI-00012 — Boulangerie Martin »
    errors: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # a changed row: « Ville : Lyon → Bron »


@dataclass
class ImportReport:
    kind: str
    fmt: str
    file_hash: str
    filename: str
    rows: list[RowReport]
    ignored_columns: list[str]
    encoding: str
    delimiter: str
    written: bool = False

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def created(self) -> int:
        return self.count(NEW)

    @property
    def updated(self) -> int:
        return self.count(UPDATE)

    @property
    def unchanged(self) -> int:
        return self.count(SKIP)

    @property
    def invalid(self) -> int:
        return self.count(INVALID)

    @property
    def errors(self) -> list[str]:
        return [error for row in self.rows for error in row.errors]

    @property
    def digest(self) -> str:
        """What the import does, row by row: the confirmation must do the same."""
        plan = [self.kind, self.fmt, self.file_hash]
        plan += [[row.line, row.action, row.label, row.changes] for row in self.rows]
        return hashlib.sha256(json.dumps(plan).encode()).hexdigest()

    @property
    def summary(self) -> str:
        """« 0 créé, 0 modifié, 3 inchangés »."""
        return ", ".join(
            (
                ngettext("%(n)s created", "%(n)s created", self.created) % {"n": self.created},
                ngettext("%(n)s changed", "%(n)s changed", self.updated) % {"n": self.updated},
                ngettext("%(n)s unchanged", "%(n)s unchanged", self.unchanged)
                % {"n": self.unchanged},
            )
        )


class ImportRefused(Exception):
    """The confirmation cannot go ahead (message in French, for the user)."""


# --- the uploaded file, kept between the dry run and the confirmation ------------------------


def _import_dir() -> Path:
    path = Path(settings.IMPORT_DIR or Path(settings.MEDIA_ROOT) / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_store(content: bytes) -> str:
    """Keep the file under its SHA-256 (and forget files older than IMPORT_KEEP_HOURS)."""
    directory = _import_dir()
    horizon = time.time() - settings.IMPORT_KEEP_HOURS * 3600
    for old in directory.glob("*.upload"):
        if old.stat().st_mtime < horizon:
            old.unlink(missing_ok=True)
    digest = hashlib.sha256(content).hexdigest()
    (directory / f"{digest}.upload").write_bytes(content)
    return digest


def upload_read(file_hash: str) -> bytes:
    if not _HASH.fullmatch(file_hash or ""):
        raise ImportRefused(_("This import is unknown or has expired: upload the file again."))
    path = _import_dir() / f"{file_hash}.upload"
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise ImportRefused(
            _("This import is unknown or has expired: upload the file again.")
        ) from None
    if hashlib.sha256(content).hexdigest() != file_hash:
        raise ImportRefused(_("The stored file has changed since the dry run: upload it again."))
    return content


def upload_forget(file_hash: str) -> None:
    if _HASH.fullmatch(file_hash or ""):
        (_import_dir() / f"{file_hash}.upload").unlink(missing_ok=True)


# --- dry run and confirmation ----------------------------------------------------------------


def _resource(kind: str, fmt: str, reason: str):
    if kind == CLIENTS:
        resource = ClientResource()
    elif kind == SITES:
        resource = SiteResource()
    elif kind == EQUIPMENT:
        resource = EquipmentResource(glpi=fmt == GLPI)
    else:
        resource = ContractResource()
    resource.change_reason = reason
    return resource


def check_choice(kind: str, fmt: str) -> None:
    """Which format imports which kind of data (the upload form asks here too): raises
    ImportFileError, in the user's language, when `fmt` cannot import `kind`."""
    if fmt not in FORMATS or kind not in FORMATS[fmt]["kinds"]:
        raise ImportFileError(_("This format cannot import this kind of data."))


def _file_key(resource, row: dict):
    """What identifies a row (its import key), to find a row given twice in the file."""
    if isinstance(resource, SiteResource):
        return (row.get("client", "").strip(), fold(row.get("label")))
    return row.get(resource.key_field, "").strip() or None


def _column_name(table: Table, kind: str, name: str) -> str:
    if name in table.columns:
        return table.columns[name]
    label = APP_COLUMNS[kind].get(name)
    return str(label) if label else name


def _row_error(line: int, column: str | None, message: str) -> str:
    if column is None:
        return _("Line %(line)s: %(message)s") % {"line": line, "message": message}
    return _("Line %(line)s, column “%(column)s”: %(message)s") % {
        "line": line,
        "column": column,
        "message": message,
    }


def _validation_messages(error: ValidationError) -> list[tuple[str | None, str]]:
    if hasattr(error, "error_dict"):
        return [
            (None if name == NON_FIELD_ERRORS else name, message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [(None, message) for message in error.messages]


def _shown(value) -> str:
    if value is None or value == "":
        return "∅"
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _changes(resource, table: Table, kind: str, row_result) -> list[str]:
    """What an update changes, column by column: « Code postal : 69006 → 69003 »."""
    original, instance = row_result.original, row_result.instance
    if original is None or instance is None:
        return []
    changes = []
    for resource_field in resource.get_import_fields():
        before = resource_field.get_value(original)
        after = resource_field.get_value(instance)
        if before != after:
            changes.append(
                _("%(column)s: %(before)s → %(after)s")
                % {
                    "column": _column_name(table, kind, resource_field.attribute),
                    "before": _shown(before),
                    "after": _shown(after),
                }
            )
    return changes


def _run(table: Table, *, kind: str, fmt: str, file_hash: str, filename: str, dry_run: bool):
    dataset = tablib.Dataset(headers=table.headers)
    for row in table.rows:
        dataset.append([row[name] for name in table.headers])
    reason = _("Import (%(file)s)") % {"file": filename}
    resource = _resource(kind, fmt, reason[:100])
    result = resource.import_data(
        dataset, dry_run=dry_run, use_transactions=True, retain_instance_in_row_result=True
    )
    seen: dict = {}
    rows = []
    for index, (row, row_result) in enumerate(zip(table.rows, result.rows, strict=True), 1):
        line = index + 1
        errors = []
        key = _file_key(resource, row)
        if key and key in seen:
            errors.append(
                _row_error(
                    line,
                    _column_name(table, kind, resource.key_field),
                    _("already given on line %(line)s of the file") % {"line": seen[key]},
                )
            )
        elif key:
            seen[key] = line
        if row_result.validation_error is not None:
            for name, message in _validation_messages(row_result.validation_error):
                column = _column_name(table, kind, name) if name else None
                errors.append(_row_error(line, column, message))
        for error in row_result.errors:
            errors.append(_row_error(line, None, str(error.error)))
        action = {
            RowResult.IMPORT_TYPE_NEW: NEW,
            RowResult.IMPORT_TYPE_UPDATE: UPDATE,
            RowResult.IMPORT_TYPE_SKIP: SKIP,
        }.get(row_result.import_type, INVALID)
        if errors:
            action = INVALID
        label = str(row_result.object_repr or "") or str(key or "")
        changes = _changes(resource, table, kind, row_result) if action == UPDATE else []
        rows.append(
            RowReport(line=line, action=action, label=label, errors=errors, changes=changes)
        )
    for error in result.base_errors:
        rows.append(RowReport(line=1, action=INVALID, label="", errors=[str(error.error)]))
    return ImportReport(
        kind=kind,
        fmt=fmt,
        file_hash=file_hash,
        filename=filename,
        rows=rows,
        ignored_columns=table.ignored,
        encoding=table.encoding,
        delimiter=table.delimiter,
    )


def import_preview(*, content: bytes, filename: str, kind: str, fmt: str) -> ImportReport:
    """The dry run: reads the file, imports it in a transaction rolled back, keeps the file
    for the confirmation. Raises ImportFileError when the file cannot be read."""
    check_choice(kind, fmt)
    table = load_table(content, filename, kind=kind, fmt=fmt)
    file_hash = upload_store(content)
    return _run(table, kind=kind, fmt=fmt, file_hash=file_hash, filename=filename, dry_run=True)


def import_confirm(
    *, file_hash: str, filename: str, kind: str, fmt: str, digest: str
) -> ImportReport:
    """Writes the previewed import in one transaction, or nothing (ImportRefused) when the
    file has errors or the import would differ from its dry run."""
    try:
        check_choice(kind, fmt)
        content = upload_read(file_hash)
        table = load_table(content, filename, kind=kind, fmt=fmt)
    except ImportFileError as error:
        raise ImportRefused(str(error)) from None
    with transaction.atomic():
        report = _run(
            table, kind=kind, fmt=fmt, file_hash=file_hash, filename=filename, dry_run=False
        )
        if report.errors:
            transaction.set_rollback(True)
            raise ImportRefused(
                _("The file has errors: nothing was imported. Correct it and upload it again.")
            )
        if report.digest != digest:
            transaction.set_rollback(True)
            raise ImportRefused(
                _(
                    "The data changed since the dry run: nothing was imported. "
                    "Run the dry run again."
                )
            )
    upload_forget(file_hash)
    report.written = True
    return report
