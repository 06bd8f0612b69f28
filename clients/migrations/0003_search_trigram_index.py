"""PostgreSQL: the pg_trgm extension and a GIN trigram index on the clients' search text, which
serves `LIKE '%word%'` and the typo fallback (`%>`, word similarity) of the client search.

pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner creates it without being
a superuser (CI's role `interventions` owns its database and is not a superuser). SQLite has no
such index: a scan of the short normalised column is fast enough there (bench/README.md)."""

from django.db import migrations

INDEX = "clients_client_search_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON clients_client USING gin (search_text gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_search_text"),
    ]

    operations = [migrations.RunPython(create, drop)]
