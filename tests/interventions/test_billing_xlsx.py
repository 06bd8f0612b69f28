"""The XLSX export is ready to use: date cells in French format, amounts with two decimals,
text typed as text (no visible quote), header frozen and filtered, columns fitted.

Read back twice: with openpyxl (cell types and number formats) and, when LibreOffice is
installed (`soffice`, Debian's libreoffice-calc-nogui in `make system-deps`), converted to CSV
as a French spreadsheet shows it."""

import csv
import datetime
import io
import os
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from interventions import billing

from .billing_helpers import covered_equipment, signed_intervention

FORMULA = '=HYPERLINK("http://evil","clic")'
MONEY = [
    "Main-d'œuvre HT",
    "Déplacement HT",
    "Pièces HT",
    "Total HT",
    "TVA",
    "Total TTC",
    "Prix de revient",
    "Marge",
]


@pytest.fixture
def xlsx(client, manager, technician, rates):
    """The web export of one intervention whose labour is covered by its contract (0,00 €),
    with an object that a spreadsheet would read as a formula."""
    job = signed_intervention(technician, equipment=covered_equipment(labour=True), object=FORMULA)
    client.force_login(manager)
    response = client.get(reverse("interventions-billing-export", args=["xlsx"]))
    assert response.status_code == 200
    return job, b"".join(response.streaming_content)


def test_xlsx_cells_are_typed_and_formatted(xlsx):
    job, content = xlsx
    sheet = load_workbook(io.BytesIO(content)).active
    header = [cell.value for cell in sheet[1]]
    cells = dict(zip(header, sheet[2], strict=True))

    signed = cells["Signée le"]
    assert signed.is_date and signed.number_format == "DD/MM/YYYY"
    assert signed.value.date() == timezone.localdate()
    assert cells["Facturée le"].value is None  # not billed yet

    for name in MONEY:
        assert cells[name].data_type == "n", name
        assert cells[name].number_format == "#,##0.00", name
    # Labour covered by the contract: 0.00, not billed. 24 km × 0.50 + 15; 2 × 50 €.
    expected = {
        "Main-d'œuvre HT": Decimal("0"),
        "Déplacement HT": Decimal("27.00"),
        "Pièces HT": Decimal("100.00"),
        "Total HT": Decimal("127.00"),
        "TVA": Decimal("25.40"),
        "Total TTC": Decimal("152.40"),
    }
    assert {name: Decimal(str(cells[name].value)) for name in expected} == expected
    assert cells["Heures"].value == 1.5 and cells["Heures"].number_format == "0.00"
    assert cells["Km"].value == 24 and cells["Km"].number_format == "0.0"

    # A text that looks like a formula stays text, with no quote in the value.
    obj = cells["Objet"]
    assert obj.value == FORMULA
    assert obj.data_type == "s" and obj.quotePrefix
    assert cells["Numéro"].value == job.number and cells["Numéro"].data_type == "s"


def test_xlsx_header_is_frozen_filtered_bold_and_columns_fitted(xlsx):
    job, content = xlsx
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:W2"  # 23 columns, the header and one row
    assert all(cell.font.bold for cell in sheet[1])
    widths = {cell.value: sheet.column_dimensions[cell.column_letter].width for cell in sheet[1]}
    assert widths["Numéro"] >= len(job.number)
    assert widths["Objet"] >= len(FORMULA)
    assert widths["Client"] >= len(job.client.name)
    assert widths["Prix de revient"] >= len("Prix de revient")
    assert widths["Signée le"] >= len("28/11/2026")
    # A text column wider than a screen is capped.
    assert max(widths.values()) <= billing.export.XLSX_WIDTH_CAP


def test_xlsx_drops_characters_xlsx_cannot_hold(client, manager, technician, rates):
    signed_intervention(technician, object="Toner\x0bHS")
    client.force_login(manager)
    response = client.get(reverse("interventions-billing-export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(2, header.index("Objet") + 1).value == "TonerHS"


def test_xlsx_without_kinds_guesses_them_from_the_values():
    rows = [
        ["Jour", "Montant", "Texte"],
        [None, None, "-1"],
        [datetime.date(2026, 3, 2), Decimal("0"), "x"],
    ]
    sheet = load_workbook(io.BytesIO(b"".join(billing.xlsx_stream(rows)))).active
    assert sheet["A3"].is_date and sheet["A3"].number_format == "DD/MM/YYYY"
    assert sheet["B3"].number_format == "#,##0.00"
    assert sheet["C2"].value == "-1" and sheet["C2"].data_type == "s"


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (soffice) not installed")
def test_libreoffice_reads_dates_amounts_and_text_as_a_french_user_sees_them(xlsx, tmp_path):
    job, content = xlsx
    source = tmp_path / "facturation.xlsx"
    source.write_bytes(content)
    # Semicolon, double quote, UTF-8, cells "as shown" (the number formats applied).
    target = "csv:Text - txt - csv (StarCalc):59,34,76,1,,0,false,true,true"
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            target,
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "LC_ALL": "fr_FR.UTF-8"},
    )
    text = (tmp_path / "facturation.csv").read_text(encoding="utf-8")
    header, row = list(csv.reader(io.StringIO(text), delimiter=";"))
    cells = dict(zip(header, row, strict=True))
    assert cells["Numéro"] == job.number
    assert cells["Signée le"] == timezone.localdate().strftime("%d/%m/%Y")
    assert cells["Main-d'œuvre HT"] == "0,00"
    assert cells["Total TTC"] == "152,40"
    assert cells["Heures"] == "1,50"
    # Not evaluated (a formula would show its result) and no quote shown.
    assert cells["Objet"] == FORMULA
