"""What an import file may look like: the kinds, the formats (column aliases as data), and the
reading of a CSV or XLSX file into rows keyed by our field names.

A format is a dict ``{kind: {field: [column aliases]}}``: a column of the file whose header,
folded (case, accents, punctuation), equals one alias of a field feeds that field. Columns no
alias names are ignored (listed on the dry-run page). The aliases are documented in the README,
« Import de données ».
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ..search import _fold

CLIENTS, SITES, EQUIPMENT, CONTRACTS = "clients", "sites", "equipment", "contracts"
KINDS = {
    CLIENTS: _("Clients"),
    SITES: _("Sites"),
    EQUIPMENT: _("Equipment"),
    CONTRACTS: _("Contracts"),
}

# The columns that find the existing row (idempotence): a file without them is refused.
KEY_COLUMNS = {
    CLIENTS: ["number"],
    SITES: ["client", "label"],
    EQUIPMENT: ["serial_number"],
    CONTRACTS: ["number"],
}

MAX_COLUMNS = 200  # of an XLSX sheet: Dolibarr's widest export has about 80

APP, DOLIBARR, GLPI = "app", "dolibarr", "glpi"

# The application's own columns, per kind: the header written in the sample files and the
# label an error names when the file has no such column.
APP_COLUMNS = {
    CLIENTS: {
        "number": _("Client number"),
        "name": _("Name"),
        "address": _("Address"),
        "postal_code": _("Postal code"),
        "city": _("City"),
        "phone": _("Phone"),
        "email": _("E-mail"),
        "notes": _("Notes"),
    },
    SITES: {
        "client": _("Client number"),
        "label": _("Site"),
        "address": _("Address"),
        "postal_code": _("Postal code"),
        "city": _("City"),
        "contact_name": _("On-site contact"),
        "contact_phone": _("Contact phone"),
        "access_notes": _("Access notes"),
    },
    EQUIPMENT: {
        "client": _("Client number"),
        "site": _("Site"),
        "kind": _("Type"),
        "brand": _("Brand"),
        "model": _("Model"),
        "serial_number": _("Serial number"),
        "installed_on": _("Installed on"),
        "warranty_until": _("Warranty until"),
        "contract": _("Contract number"),
    },
    CONTRACTS: {
        "client": _("Client number"),
        "number": _("Contract number"),
        "kind": _("Type"),
        "start_date": _("Start date"),
        "end_date": _("End date"),
        "response_time_hours": _("Response time (hours)"),
        "covers_labour": _("Labour covered"),
        "covers_travel": _("Travel covered"),
        "covers_parts": _("Parts covered"),
        "annual_visits": _("Visits per year"),
        "conditions": _("Conditions"),
        "standard_tasks": _("Standard tasks"),
    },
}

# French headers of the application's format, plus their English labels and field names.
_APP_ALIASES = {
    "number": ["Numéro client", "N° client", "Code client"],
    "client": ["Numéro client", "N° client", "Code client", "Client"],
    "name": ["Nom", "Raison sociale"],
    "address": ["Adresse"],
    "postal_code": ["Code postal", "CP"],
    "city": ["Ville", "Commune"],
    "phone": ["Téléphone", "Tél", "Tel"],
    "email": ["E-mail", "Email", "Courriel", "Adresse e-mail"],
    "notes": ["Notes", "Remarques"],
    "label": ["Site", "Nom du site", "Libellé"],
    "site": ["Site", "Nom du site", "Lieu"],
    "contact_name": ["Contact sur place", "Contact"],
    "contact_phone": ["Téléphone du contact", "Tél. contact"],
    "access_notes": ["Consignes d'accès", "Accès"],
    "kind": ["Type"],
    "brand": ["Marque", "Fabricant"],
    "model": ["Modèle"],
    "serial_number": ["Numéro de série", "N° de série", "S/N"],
    "installed_on": ["Installé le", "Date d'installation"],
    "warranty_until": ["Garantie jusqu'au", "Fin de garantie"],
    "contract": ["Numéro de contrat", "N° de contrat", "Contrat"],
    "start_date": ["Début", "Date de début"],
    "end_date": ["Fin", "Date de fin"],
    "response_time_hours": ["Délai d'intervention (heures)", "Délai d'intervention"],
    "covers_labour": ["Main-d'œuvre couverte", "Main d'oeuvre couverte"],
    "covers_travel": ["Déplacement couvert"],
    "covers_parts": ["Pièces couvertes"],
    "annual_visits": ["Visites par an", "Visites annuelles"],
    "conditions": ["Conditions"],
    "standard_tasks": ["Tâches standard", "Tâches"],
}


def _app_format() -> dict:
    """Per kind, each field read from its French header(s) or its own name."""
    formats = {}
    for kind, columns in APP_COLUMNS.items():
        formats[kind] = {name: [*_APP_ALIASES[name], name] for name in columns}
    formats[CONTRACTS]["number"] = ["Numéro de contrat", "N° de contrat", "number"]
    formats[CONTRACTS]["client"] = ["Numéro client", "N° client", "Code client", "client"]
    return formats


FORMATS = {
    APP: {
        "label": _("Application format"),
        "kinds": _app_format(),
    },
    # Dolibarr, « Outils › Exports › Tiers »: its French column labels (Dolibarr 17 to 20).
    DOLIBARR: {
        "label": _("Dolibarr (third-party export)"),
        "kinds": {
            CLIENTS: {
                "number": ["Code client", "Code client tiers"],
                "name": ["Nom du tiers", "Réf. tiers", "Tiers", "Nom", "Raison sociale"],
                "address": ["Adresse"],
                "postal_code": ["Code postal", "CP"],
                "city": ["Ville"],
                "phone": ["Téléphone", "Tél."],
                "email": ["Email", "E-mail", "Adresse email"],
                "siret": [
                    "N° SIRET",
                    "SIRET",
                    "Id. prof. 2 (SIRET)",
                    "Identifiant professionnel 2",
                ],
            },
        },
    },
    # GLPI, « Parc › Ordinateurs », export CSV of the list (French interface).
    GLPI: {
        "label": _("GLPI (computer export)"),
        "kinds": {
            EQUIPMENT: {
                "client": ["Entité"],
                "site": ["Lieu"],
                "kind": ["Type", "Types d'ordinateur"],
                "brand": ["Fabricant"],
                "model": ["Modèle", "Modèles d'ordinateur"],
                "serial_number": ["Numéro de série"],
                "computer_name": ["Nom"],
                "glpi_status": ["Statut"],
            },
        },
    },
}

# Columns a format reads without a model field of the same name: what becomes of them.
# Dolibarr's SIRET goes into the client's notes; GLPI's name and status are shown, not stored.
EXTRA_COLUMNS = {"siret", "computer_name", "glpi_status"}

# GLPI computer types (and a few usual spellings) → Equipment.Kind; another type is a
# workstation (every GLPI « Ordinateur » is a computer).
GLPI_TYPES = {
    "portable": "laptop",
    "ordinateur portable": "laptop",
    "laptop": "laptop",
    "notebook": "laptop",
    "serveur": "server",
    "server": "server",
    "poste fixe": "workstation",
    "poste de travail": "workstation",
    "ordinateur de bureau": "workstation",
    "desktop": "workstation",
    "tout en un": "workstation",
}


def fold(text: str) -> str:
    """« N° SIRET » → « n siret »: what header and alias are compared on."""
    return " ".join(re.sub(r"[^\w]+", " ", _fold(str(text or ""))).split())


def format_kinds(fmt: str) -> list[str]:
    return list(FORMATS[fmt]["kinds"])


class ImportFileError(Exception):
    """The file cannot be read at all (the message is the user's, in French)."""


@dataclass
class Table:
    """The file's rows keyed by field name, with what is needed to name a column in an error."""

    headers: list[str]  # our field names, in the file's order
    rows: list[dict]  # one dict per data row
    columns: dict[str, str]  # field name → the file's header
    ignored: list[str] = field(default_factory=list)  # the file's headers nobody reads
    encoding: str = ""
    delimiter: str = ""


def read_rows(content: bytes, filename: str) -> tuple[list, list[list], str, str]:
    """(headers, data rows, encoding, delimiter) of a CSV or XLSX file."""
    if content.startswith(b"PK\x03\x04"):
        return (*_read_xlsx(content), "xlsx", "")
    if b"\x00" in content[:4096]:
        raise ImportFileError(_("This file is neither a CSV file nor an XLSX workbook."))
    text, encoding = _decode(content)
    delimiter = _delimiter(text)
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ImportFileError(_("The file is empty."))
    return rows[0], rows[1:], encoding, delimiter


def _decode(content: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), else Windows-1252 (Dolibarr and Excel on Windows)."""
    try:
        return content.decode("utf-8-sig"), "utf-8-sig" if content.startswith(
            b"\xef\xbb\xbf"
        ) else "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file's encoding is not recognised (UTF-8 or Windows-1252 expected).")
        ) from None


def _delimiter(text: str) -> str:
    """The separator the header line uses most: « ; » (French spreadsheets, Dolibarr, GLPI),
    « , » or a tab."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (";", ",", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ";"


def _read_xlsx(content: bytes) -> tuple[list, list[list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise ImportFileError(_("This file is neither a CSV file nor an XLSX workbook.")) from None
    sheet = workbook.worksheets[0]
    rows = []
    # Read no further than the limit: a small workbook can claim millions of cells.
    for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
        if any(value not in (None, "") for value in row):
            rows.append([_cell(value) for value in row])
        if len(rows) > settings.IMPORT_MAX_ROWS + 1:
            break
    workbook.close()
    if not rows:
        raise ImportFileError(_("The file is empty."))
    return rows[0], rows[1:]


def _cell(value) -> str:
    """A spreadsheet cell as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def load_table(content: bytes, filename: str, *, kind: str, fmt: str) -> Table:
    """The file read through the format's aliases for `kind`."""
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(
            _("The file is too big (%(size)s MB at most).")
            % {"size": f"{settings.IMPORT_MAX_BYTES / 1_000_000:g}".replace(".", ",")}
        )
    raw_headers, raw_rows, encoding, delimiter = read_rows(content, filename)
    if len(raw_rows) > settings.IMPORT_MAX_ROWS:
        raise ImportFileError(
            _("The file has too many rows (%(max)s at most).") % {"max": settings.IMPORT_MAX_ROWS}
        )
    aliases = FORMATS[fmt]["kinds"][kind]
    by_alias = {fold(alias): name for name, names in aliases.items() for alias in names if alias}
    headers, columns, ignored, positions = [], {}, [], []
    for position, header in enumerate(raw_headers):
        header = str(header or "").strip()
        name = by_alias.get(fold(header))
        if name is None or name in columns:
            if header:
                ignored.append(header)
            continue
        headers.append(name)
        columns[name] = header
        positions.append(position)
    for name in KEY_COLUMNS[kind]:
        if name not in columns:
            raise ImportFileError(
                _("The column “%(column)s” is missing: is this the right kind and format?")
                % {"column": aliases[name][0]}
            )
    rows = []
    for raw in raw_rows:
        cells = list(raw) + [""] * (len(raw_headers) - len(raw))
        rows.append(
            {name: str(cells[p] or "").strip() for name, p in zip(headers, positions, strict=True)}
        )
    return Table(headers, rows, columns, ignored, encoding, delimiter)
