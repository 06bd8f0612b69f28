from django.db import migrations, models
from django.db.models import OuterRef, Subquery

from interventions import integrity


def backfill_billed_at(apps, schema_editor):
    """Each billed intervention's `billed_at` = its latest status event to `billed` (what the
    billing list and export computed per line until now); then the freeze triggers again, with
    the rule that `billed_at` moves only with the status (interventions/integrity.py).

    Billed interventions are frozen by the database: their new column is written with the
    trigger off, inside this migration's transaction (no other transaction sees it off)."""
    Intervention = apps.get_model("interventions", "Intervention")
    InterventionEvent = apps.get_model("interventions", "InterventionEvent")
    latest = InterventionEvent.objects.filter(
        intervention=OuterRef("pk"), kind="status", to_status="billed"
    ).order_by("-at", "-pk")
    connection = schema_editor.connection
    postgresql = connection.vendor == "postgresql"
    table = "interventions_intervention"
    if postgresql:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER interventions_intervention_frozen")
    Intervention.objects.filter(status="billed").update(billed_at=Subquery(latest.values("at")[:1]))
    if postgresql:
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER interventions_intervention_frozen")
        integrity.install(connection)


class Migration(migrations.Migration):
    dependencies = [
        ("interventions", "0023_outgoing_email_and_signatory_email"),
    ]

    operations = [
        migrations.AddField(
            model_name="intervention",
            name="billed_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="billed at"
            ),
        ),
        migrations.RunPython(backfill_billed_at, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="intervention",
            index=models.Index(
                condition=models.Q(("billed_at__isnull", False)),
                fields=["billed_at"],
                name="intervention_billed_at_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="intervention",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("billed_at__isnull", True), ("status", "billed"), _connector="OR"
                ),
                name="intervention_billed_at_only_when_billed",
            ),
        ),
    ]
