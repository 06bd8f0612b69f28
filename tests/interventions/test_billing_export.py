import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from interventions import billing
from interventions.models import (
    ContractRates,
    InterventionEvent,
    ReportFigures,
    Status,
)
from tests.factories import PartFactory

from .billing_helpers import covered_equipment, signed_intervention
from .integrity_helpers import triggers_off


def today_filters():
    today = timezone.localdate()
    return {"date_from": today - datetime.timedelta(days=1), "date_to": today}


def test_amounts_and_cost_price_of_a_fully_billable_intervention(technician, rates):
    job = signed_intervention(
        technician,
        minutes=90,
        km="24.0",
        travel_minutes=30,
        part=PartFactory(unit_price=Decimal("50.00"), unit_cost=Decimal("30.00")),
        quantity="2",
    )
    assert (job.billable_labour, job.billable_travel, job.billable_parts) == (True, True, True)
    [line] = billing.billing_lines(billing.billable_queryset(**today_filters()))
    a = line.amounts
    assert line.facts.hours == Decimal("1.50") and line.facts.km == Decimal("24.0")
    assert a.labour == Decimal("90.00")  # 1.5 h × 60
    assert a.travel == Decimal("27.00")  # 24 km × 0.50 + 1 visit × 15
    assert a.parts == Decimal("100.00")  # 2 × 50
    assert a.total_excl_vat == Decimal("217.00")
    assert a.vat == Decimal("43.40")
    assert a.total_incl_vat == Decimal("260.40")
    # (90 + 30 min) × 30 €/h + 24 km × 0.40 + 2 × 30
    assert a.cost == Decimal("129.60")
    assert a.margin == Decimal("87.40")


def test_covered_items_cost_nothing_and_contract_rates_apply(technician, rates):
    equipment = covered_equipment(labour=True)
    ContractRates.objects.create(contract=equipment.contract, travel_per_km=Decimal("1.00"))
    signed_intervention(technician, equipment=equipment, minutes=60, km="10.0")
    [line] = billing.billing_lines(billing.billable_queryset(**today_filters()))
    assert line.flags == {"travel": True, "labour": False, "parts": True}
    assert line.amounts.labour == 0
    assert line.amounts.travel == Decimal("25.00")  # the contract's 1 €/km × 10 + 15 per visit
    assert line.contract_number == equipment.contract.number


def test_amounts_come_from_the_signed_report_not_live_data(technician, rates):
    job = signed_intervention(technician, minutes=60)
    with triggers_off():  # the database refuses it: someone with direct access
        job.visits.update(left_at=job.visits.get().left_at + datetime.timedelta(hours=5))
    [line] = billing.billing_lines(billing.billable_queryset(**today_filters()))
    assert line.facts.minutes == 60


def test_figures_are_copied_at_signature_and_the_snapshot_is_the_fallback(technician, rates):
    job = signed_intervention(technician, minutes=60, km="12.5")
    assert (job.figures.minutes, job.figures.km, job.figures.visits) == (60, Decimal("12.5"), 1)
    assert job.figures.parts_cost == Decimal("60.00")
    [with_figures] = billing.billing_lines(billing.billable_queryset(**today_filters()))
    with triggers_off():  # reports signed before the figures existed have no row
        ReportFigures.objects.filter(intervention=job).delete()
    [from_snapshot] = billing.billing_lines(billing.billable_queryset(**today_filters()))
    assert from_snapshot.facts == with_figures.facts
    assert from_snapshot.amounts == with_figures.amounts


def _csv_rows(content: bytes):
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_csv_export_reads_back_with_french_decimals_and_neutralised_formulas(
    client, manager, technician, rates
):
    job = signed_intervention(technician, object='=HYPERLINK("http://evil","clic")')
    client.force_login(manager)
    response = client.get(reverse("interventions-billing-export", args=["csv"]))
    assert response.status_code == 200 and response.streaming
    rows = _csv_rows(b"".join(response.streaming_content))
    header, data = rows[0], rows[1:]
    assert header[:2] == ["Numéro", "Signée le"] and "Total TTC" in header
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    assert row["Numéro"] == job.number
    assert row["Objet"].startswith("'=HYPERLINK")
    assert row["Heures"] == "1,50"
    assert row["Total TTC"] == "260,40"
    assert row["Main-d'œuvre facturée"] == "oui"


def test_xlsx_export_reads_back(client, manager, technician, rates):
    job = signed_intervention(technician, object="@SUM(1+1)")
    client.force_login(manager)
    response = client.get(reverse("interventions-billing-export", args=["xlsx"]))
    assert response.status_code == 200 and response.streaming
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    row = dict(zip(header, data[0], strict=True))
    assert row["Numéro"] == job.number
    # Typed as text, which no spreadsheet evaluates: the quote is for CSV only.
    assert row["Objet"] == "@SUM(1+1)"
    assert Decimal(str(row["Total TTC"])) == Decimal("260.4")


@pytest.mark.parametrize("text", ["=1+1", "+33 6", "-2", "@cmd", "\tx"])
def test_formula_triggers_are_neutralised(text):
    assert billing.neutralise(text) == "'" + text
    assert billing.neutralise("Boulangerie") == "Boulangerie"


def test_negative_margin_stays_a_number_in_csv():
    rows = [["Marge"], [Decimal("-12.50")]]
    content = b"".join(billing.csv_stream(rows))
    assert _csv_rows(content)[1] == ["-12,50"]


def test_export_command_writes_csv_and_xlsx(technician, rates, tmp_path):
    job = signed_intervention(technician)
    day = timezone.localdate().isoformat()
    out = tmp_path / "f.csv"
    call_command("export_billing", "--from", day, "--to", day, "--format", "csv", "-o", str(out))
    rows = _csv_rows(out.read_bytes())
    assert [r[0] for r in rows[1:]] == [job.number]
    out_x = tmp_path / "f.xlsx"
    call_command("export_billing", "--from", day, "--to", day, "--format", "xlsx", "-o", str(out_x))
    sheet = load_workbook(out_x, read_only=True).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [job.number]


def test_billed_interventions_leave_the_list_and_the_export(client, manager, technician, rates):
    first = signed_intervention(technician)
    second = signed_intervention(technician)
    client.force_login(manager)
    response = client.post(reverse("interventions-billing-mark"), {"pk": [first.pk]})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == Status.BILLED
    event = InterventionEvent.objects.filter(intervention=first, kind="billing").last()
    assert event.data["total_incl_vat"] == "260.40"
    rows = _csv_rows(
        b"".join(
            client.get(reverse("interventions-billing-export", args=["csv"])).streaming_content
        )
    )
    assert [r[0] for r in rows[1:]] == [second.number]
    # Billing it again (a stale page, a double click) is refused and changes nothing.
    response = client.post(reverse("interventions-billing-mark"), {"pk": [first.pk]}, follow=True)
    assert "Facturée" in response.content.decode()
    assert (
        InterventionEvent.objects.filter(
            intervention=first, kind="status", to_status=Status.BILLED
        ).count()
        == 1
    )
