"""Exports are row iterators: `export_rows` yields typed rows, `csv_stream` and `xlsx_stream`
write them. Every text cell goes through `neutralise` (formula injection)."""

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.utils import dateformat, formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .lines import BillingLine

# Exports are read by French spreadsheets whatever the user's language: French headers and
# words, decimal comma and day/month/year dates (config/formats/fr).
EXPORT_LANGUAGE = "fr"


def export_header(*, with_costs: bool = True) -> list[str]:
    header = [
        _("Number"),
        pgettext("intervention", "Signed on"),
        _("Report version"),
        _("Client number"),
        _("Client"),
        _("Contract"),
        _("Technician"),
        _("Object"),
        _("Hours"),
        _("Km"),
        _("Visits"),
        _("Labour billable"),
        _("Travel billable"),
        _("Parts billable"),
        _("Labour excl. VAT"),
        _("Travel excl. VAT"),
        _("Parts excl. VAT"),
        _("Total excl. VAT"),
        _("VAT"),
        _("Total incl. VAT"),
    ]
    if with_costs:
        header += [_("Cost price"), _("Margin")]
    return header


def export_rows(lines: Iterable[BillingLine], *, with_costs: bool = True) -> Iterator[list]:
    """The header, then one typed row per line (str, date, Decimal, int). In French whatever
    language is active: a streamed response reads the rows after the view has returned."""
    with translation.override(EXPORT_LANGUAGE):
        header = export_header(with_costs=with_costs)
        yes, no = _("yes"), _("no")
    tz = timezone.get_current_timezone()
    yield header
    for line in lines:
        a = line.amounts
        signed = line.signed_at.astimezone(tz).date() if line.signed_at else None
        row = [
            line.number,
            signed,
            line.report_version,
            line.client_number,
            line.client_name,
            line.contract_number,
            line.technician,
            line.object,
            line.facts.hours,
            line.facts.km,
            line.facts.visits,
            yes if line.flags["labour"] else no,
            yes if line.flags["travel"] else no,
            yes if line.flags["parts"] else no,
            a.labour,
            a.travel,
            a.parts,
            a.total_excl_vat,
            a.vat,
            a.total_incl_vat,
        ]
        if with_costs:
            row += [a.cost, a.margin]
        yield row


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """A text cell a spreadsheet would read as a formula is prefixed with an apostrophe.

    The one neutraliser of every export (billing CSV and XLSX, the dashboard's CSV tables)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class _CsvCells:
    """How a CSV cell is written: text neutralised, French decimal comma, French date.

    The French formats are read once per export and each date formatted once: 100,000 rows
    of 21 cells cost one dict lookup per cell, the type saying how to write it.
    """

    def __init__(self):
        self.separator = formats.get_format("DECIMAL_SEPARATOR", lang=EXPORT_LANGUAGE)
        self.date_format = formats.get_format("SHORT_DATE_FORMAT", lang=EXPORT_LANGUAGE)
        self.dates: dict[datetime.date, str] = {}
        self.by_type = {
            str: neutralise,
            Decimal: self.decimal,
            datetime.date: self.date,
            int: str,
            bool: str,
            type(None): lambda value: "",
        }

    def decimal(self, value: Decimal) -> str:
        return str(value).replace(".", self.separator)

    def date(self, value: datetime.date) -> str:
        text = self.dates.get(value)
        if text is None:
            text = self.dates[value] = dateformat.format(value, self.date_format)
        return text

    def cell(self, value) -> str:
        write = self.by_type.get(type(value))
        if write is not None:
            return write(value)
        if isinstance(value, str):
            return neutralise(value)
        if isinstance(value, Decimal):
            return self.decimal(value)
        if isinstance(value, datetime.date):
            return self.date(value)
        return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(rows: Iterable[list], *, batch: int = 500) -> Iterator[bytes]:
    """Semicolon-separated, UTF-8 with a BOM (French Excel opens it right), decimal comma."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff".encode()
    buffer = []
    cell = _CsvCells().cell
    for row in rows:
        buffer.append(writer.writerow([cell(v) for v in row]))
        if len(buffer) >= batch:
            yield "".join(buffer).encode()
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode()


def _xlsx_cell(value):
    if isinstance(value, str):
        return neutralise(value)
    return value


def xlsx_stream(rows: Iterable[list], *, title: str = "Facturation") -> Iterator[bytes]:
    """openpyxl in write-only mode (rows go to disk, not memory), then the file in chunks."""
    # Imported here: openpyxl is a heavy import and only the XLSX export needs it.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append([_xlsx_cell(v) for v in row])
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(64 * 1024):
            yield chunk
