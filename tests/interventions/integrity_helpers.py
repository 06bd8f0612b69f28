"""Step around the database's frozen-report triggers, as someone with direct access would.

Tests use it to tamper with a signed report, then expect `verify_report` to notice.
"""

from contextlib import contextmanager

from django.db import connection

from interventions.integrity import (
    AMENDMENT_TABLE,
    CHILD_TABLES,
    EVENT_TABLE,
    SQLITE_MAINTENANCE_TABLE,
    WRITE_ONCE_TABLES,
)

GUARDED_TABLES = (
    "interventions_intervention",
    *CHILD_TABLES,
    *WRITE_ONCE_TABLES,
    EVENT_TABLE,
    AMENDMENT_TABLE,
)


@contextmanager
def triggers_off():
    """PostgreSQL: the tables' owner (the role CI tests with, not a superuser) disables their
    user triggers inside the test's transaction. SQLite: the maintenance row."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses while deferred foreign-key checks are pending: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for table in GUARDED_TABLES:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        else:
            cursor.execute(f"INSERT INTO {SQLITE_MAINTENANCE_TABLE} (reason) VALUES ('test')")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for table in GUARDED_TABLES:
                    cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            else:
                cursor.execute(f"DELETE FROM {SQLITE_MAINTENANCE_TABLE}")
