from decimal import Decimal

from django.db import migrations
from django.db.migrations.operations.special import RunPython


def backfill(apps, schema_editor):
    SignedReport = apps.get_model("interventions", "SignedReport")
    PartUsed = apps.get_model("interventions", "PartUsed")
    ReportFigures = apps.get_model("interventions", "ReportFigures")
    for report in SignedReport.objects.exclude(intervention__figures__isnull=False).iterator():
        snap = report.snapshot
        parts = snap.get("parts") or []
        cost = sum(
            (
                p.quantity * p.unit_cost
                for p in PartUsed.objects.filter(intervention_id=report.intervention_id)
            ),
            Decimal("0"),
        )
        ReportFigures.objects.create(
            intervention_id=report.intervention_id,
            minutes=int(snap.get("total_minutes") or 0),
            travel_minutes=int(snap.get("total_travel_minutes") or 0),
            km=Decimal(str(snap.get("total_km") or "0")),
            visits=len(snap.get("visits") or []),
            parts_price=sum((Decimal(p["total"]) for p in parts), Decimal("0")),
            parts_cost=cost.quantize(Decimal("0.01")),
            parts_quantity=sum((Decimal(p["quantity"]) for p in parts), Decimal("0")),
        )


class Migration(migrations.Migration):
    dependencies = [("interventions", "0007_report_figures")]

    operations = [migrations.RunPython(backfill, RunPython.noop)]
