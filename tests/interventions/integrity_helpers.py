"""Step around the database's frozen-report triggers, as someone with direct access would.

Tests use it to tamper with a signed report, then expect `verify_report` to notice.
"""

from contextlib import contextmanager

from django.db import connection

from interventions.integrity import SQLITE_MAINTENANCE_TABLE


@contextmanager
def triggers_off():
    """PostgreSQL: a superuser's `session_replication_role = replica` skips every user trigger.
    SQLite: the maintenance row."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        else:
            cursor.execute(f"INSERT INTO {SQLITE_MAINTENANCE_TABLE} (reason) VALUES ('test')")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("RESET session_replication_role")
            else:
                cursor.execute(f"DELETE FROM {SQLITE_MAINTENANCE_TABLE}")
