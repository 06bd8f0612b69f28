"""The intervention's normalised search text (number and object, clients/search.py), filled for
existing rows, and its GIN trigram index on PostgreSQL.

A signed or billed intervention is frozen by the database (interventions/integrity.py), every
column added later included. Filling this column changes nothing that was signed: it is derived
from the number and the object, which are themselves frozen, and never moves afterwards. So on
PostgreSQL the migration, run by the tables' owner, sets the frozen-row trigger aside for this
one UPDATE, inside the migration's transaction (nobody else sees the table without it). SQLite
migrates without its triggers (apps.py) and gets them back, this column included, afterwards."""

from django.db import migrations, models

from clients.search import search_text

INDEX = "interventions_intervention_search_trgm"
TRIGGER = "interventions_intervention_frozen"


def fill(apps, schema_editor):
    Intervention = apps.get_model("interventions", "Intervention")
    postgresql = schema_editor.connection.vendor == "postgresql"
    if postgresql:
        # ALTER TABLE refuses to run while deferred checks on the table are pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE interventions_intervention DISABLE TRIGGER {TRIGGER}")
    batch = []
    rows = Intervention.objects.only("pk", "number", "object").order_by("pk")
    for row in rows.iterator(chunk_size=2000):
        row.search_text = search_text(row.number, row.object)
        batch.append(row)
        if len(batch) == 2000:
            Intervention.objects.bulk_update(batch, ["search_text"])
            batch = []
    Intervention.objects.bulk_update(batch, ["search_text"])
    if postgresql:
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute(f"ALTER TABLE interventions_intervention ENABLE TRIGGER {TRIGGER}")
        schema_editor.execute("SET CONSTRAINTS ALL DEFERRED")
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON interventions_intervention "
            "USING gin (search_text gin_trgm_ops)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("interventions", "0013_user_preference"),
        ("clients", "0003_search_trigram_index"),  # pg_trgm
    ]

    operations = [
        migrations.AddField(
            model_name="intervention",
            name="search_text",
            field=models.TextField(
                blank=True, default="", editable=False, verbose_name="search text"
            ),
        ),
        migrations.RunPython(fill, drop_index),
    ]
