"""Signed means signed, down to the database: triggers that refuse to change an issued report.

The services already refuse (`services.ensure_editable`), but raw SQL, a queryset `.update()`
or `.delete()`, `Model.save()` and the admin do not call them. So the database itself refuses:

* `interventions_intervention` of a signed or billed report: only `status` (signed ↔ billed,
  written by `workflow.transition`), `updated_at` and, in the same UPDATE as a status change
  only, `billed_at` (the billing date that moves with it) change; the billing columns (`billable_*`,
  `billing_overrides`) of a signed one only while an `IntegrityPermit` row names it
  (`services.signed_billing_change`); never deleted.
* its visits, parts and technician's signature: no insert, update or delete.
* `interventions_signedreport`, `interventions_reportfigures`: written once, never updated or
  deleted.
* `interventions_interventionevent`: the history, never updated or deleted, whatever the status.
* `interventions_reportamendment`: a pending amendment is filled once, when the customer signs
  it; a signed one is never updated or deleted.

PostgreSQL: plpgsql functions and triggers, installed by migration 0011; the intervention's
columns are compared as `to_jsonb(row)` minus the columns allowed to move, so a column added
later is frozen too (a data migration that rewrites signed rows is refused: on purpose).
TRUNCATE (what `flush` and pytest-django use) fires no row trigger.

SQLite: one trigger per table and operation, with the columns of the table as it is. SQLite
rebuilds a table on most schema changes (create, copy, drop, rename), which drops the table's
triggers and fails while another table's trigger names the table being rebuilt; so the
triggers are dropped before every `migrate` and created again after it (apps.py), never by a
migration. While the `integrity_maintenance` table (not a Django model) holds a row, the SQLite
triggers step aside: `flush` there is DELETE FROM (see tests/conftest.py). That is no weaker
than the file itself: whoever can write the SQLite file can drop a trigger. On PostgreSQL only
the tables' owner (the application's database role: give the application a role that
does not own its tables to close that door too) or a superuser can step around the triggers.
"""

FROZEN = "signed report is frozen / rapport signé figé"
APPEND_ONLY = "intervention events are append-only / historique non modifiable"

LOCKED = "('signed', 'billed')"
BILLING_COLUMNS = ("billable_travel", "billable_labour", "billable_parts", "billing_overrides")
MOVING_COLUMNS = ("status", "updated_at", "billed_at")
# Of the moving columns, those that move only together with the status.
STATUS_STAMPS = ("billed_at",)
CHILD_TABLES = (
    "interventions_visit",
    "interventions_partused",
    "interventions_techniciansignature",
)
WRITE_ONCE_TABLES = ("interventions_signedreport", "interventions_reportfigures")
EVENT_TABLE = "interventions_interventionevent"
AMENDMENT_TABLE = "interventions_reportamendment"
PERMIT_TABLE = "interventions_integritypermit"
SQLITE_MAINTENANCE_TABLE = "integrity_maintenance"


def _raise_pg(message: str) -> str:
    return (
        "RAISE EXCEPTION USING ERRCODE = 'integrity_constraint_violation', "
        f"MESSAGE = '{message} (' || TG_TABLE_NAME || ', ' || TG_OP || ')';"
    )


def _pg_array(names) -> str:
    return "ARRAY[" + ", ".join(f"'{n}'" for n in names) + "]"


def postgresql_install() -> list[str]:
    moving = _pg_array(MOVING_COLUMNS + BILLING_COLUMNS)
    billing_new = ", ".join(f"NEW.{c}" for c in BILLING_COLUMNS)
    billing_old = ", ".join(f"OLD.{c}" for c in BILLING_COLUMNS)
    # Read through to_jsonb: the function is installed by migration 0011, before the columns
    # existed (a missing key reads NULL on both sides).
    stamps = " OR ".join(
        f"(to_jsonb(NEW) -> '{c}') IS DISTINCT FROM (to_jsonb(OLD) -> '{c}')" for c in STATUS_STAMPS
    )
    statements = [
        f"""
CREATE OR REPLACE FUNCTION interventions_intervention_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status NOT IN {LOCKED} THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE'
       OR NEW.status NOT IN {LOCKED}
       OR (to_jsonb(NEW) - {moving}::text[]) IS DISTINCT FROM (to_jsonb(OLD) - {moving}::text[])
       OR (NEW.status = OLD.status AND ({stamps}))
    THEN
        {_raise_pg(FROZEN)}
    END IF;
    IF ({billing_new}) IS DISTINCT FROM ({billing_old})
       AND (OLD.status <> 'signed' OR NOT EXISTS (
            SELECT 1 FROM {PERMIT_TABLE} WHERE intervention_id = OLD.id))
    THEN
        {_raise_pg(FROZEN)}
    END IF;
    RETURN NEW;
END
$$""",
        f"""
CREATE OR REPLACE FUNCTION interventions_report_row_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF EXISTS (SELECT 1 FROM interventions_intervention
                   WHERE id = OLD.intervention_id AND status IN {LOCKED}) THEN
            {_raise_pg(FROZEN)}
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF EXISTS (SELECT 1 FROM interventions_intervention
                   WHERE id = NEW.intervention_id AND status IN {LOCKED}) THEN
            {_raise_pg(FROZEN)}
        END IF;
        RETURN NEW;
    END IF;
    RETURN OLD;
END
$$""",
        f"""
CREATE OR REPLACE FUNCTION interventions_write_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = '{EVENT_TABLE}' THEN
        {_raise_pg(APPEND_ONLY)}
    END IF;
    {_raise_pg(FROZEN)}
END
$$""",
        f"""
CREATE OR REPLACE FUNCTION interventions_amendment_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.signed_at IS NOT NULL THEN
        {_raise_pg(FROZEN)}
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$""",
        """
CREATE TRIGGER interventions_intervention_frozen
BEFORE UPDATE OR DELETE ON interventions_intervention
FOR EACH ROW EXECUTE FUNCTION interventions_intervention_frozen()""",
        f"""
CREATE TRIGGER {AMENDMENT_TABLE}_frozen
BEFORE UPDATE OR DELETE ON {AMENDMENT_TABLE}
FOR EACH ROW EXECUTE FUNCTION interventions_amendment_frozen()""",
    ]
    for table in CHILD_TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION interventions_report_row_frozen()"
        )
    for table in (*WRITE_ONCE_TABLES, EVENT_TABLE):
        statements.append(
            f"CREATE TRIGGER {table}_write_once BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION interventions_write_once()"
        )
    return statements


def postgresql_uninstall() -> list[str]:
    statements = [
        "DROP TRIGGER IF EXISTS interventions_intervention_frozen ON interventions_intervention"
    ]
    statements += [
        f"DROP TRIGGER IF EXISTS {t}_frozen ON {t}" for t in (*CHILD_TABLES, AMENDMENT_TABLE)
    ]
    statements += [
        f"DROP TRIGGER IF EXISTS {t}_write_once ON {t}" for t in (*WRITE_ONCE_TABLES, EVENT_TABLE)
    ]
    statements += [
        f"DROP FUNCTION IF EXISTS {f}()"
        for f in (
            "interventions_intervention_frozen",
            "interventions_report_row_frozen",
            "interventions_write_once",
            "interventions_amendment_frozen",
        )
    ]
    return statements


def _sqlite_triggers(intervention_columns: list[str]) -> dict[str, str]:
    """name → CREATE TRIGGER statement."""
    awake = f"NOT EXISTS (SELECT 1 FROM {SQLITE_MAINTENANCE_TABLE})"
    frozen = f"BEGIN SELECT RAISE(ABORT, '{FROZEN}'); END"
    frozen_columns = [c for c in intervention_columns if c not in MOVING_COLUMNS + BILLING_COLUMNS]
    changed = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in frozen_columns)
    billing_changed = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in BILLING_COLUMNS)
    stamps = [c for c in STATUS_STAMPS if c in intervention_columns]
    stamp_changed = " OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in stamps) or "0"
    triggers = {
        "interventions_intervention_frozen_update": f"""
CREATE TRIGGER interventions_intervention_frozen_update
BEFORE UPDATE ON interventions_intervention
WHEN OLD.status IN {LOCKED} AND {awake} AND (
    NEW.status NOT IN {LOCKED}
    OR {changed}
    OR (NEW.status IS OLD.status AND ({stamp_changed}))
    OR (({billing_changed}) AND (OLD.status <> 'signed' OR NOT EXISTS (
        SELECT 1 FROM {PERMIT_TABLE} WHERE intervention_id = OLD.id)))
)
{frozen}""",
        "interventions_intervention_frozen_delete": f"""
CREATE TRIGGER interventions_intervention_frozen_delete
BEFORE DELETE ON interventions_intervention
WHEN OLD.status IN {LOCKED} AND {awake}
{frozen}""",
    }

    def locked(row: str) -> str:
        return (
            f"EXISTS (SELECT 1 FROM interventions_intervention "
            f"WHERE id = {row}.intervention_id AND status IN {LOCKED})"
        )

    for table in CHILD_TABLES:
        for op, condition in (
            ("INSERT", locked("NEW")),
            ("UPDATE", f"({locked('OLD')} OR {locked('NEW')})"),
            ("DELETE", locked("OLD")),
        ):
            name = f"{table}_frozen_{op.lower()}"
            triggers[name] = (
                f"CREATE TRIGGER {name} BEFORE {op} ON {table} "
                f"WHEN {condition} AND {awake} {frozen}"
            )
    for op in ("UPDATE", "DELETE"):
        name = f"{AMENDMENT_TABLE}_frozen_{op.lower()}"
        triggers[name] = (
            f"CREATE TRIGGER {name} BEFORE {op} ON {AMENDMENT_TABLE} "
            f"WHEN OLD.signed_at IS NOT NULL AND {awake} {frozen}"
        )
    for table, message in (
        *((t, FROZEN) for t in WRITE_ONCE_TABLES),
        (EVENT_TABLE, APPEND_ONLY),
    ):
        for op in ("UPDATE", "DELETE"):
            name = f"{table}_write_once_{op.lower()}"
            triggers[name] = (
                f"CREATE TRIGGER {name} BEFORE {op} ON {table} WHEN {awake} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    return triggers


def _intervention_columns(connection) -> list[str]:
    with connection.cursor() as cursor:
        return [
            column.name
            for column in connection.introspection.get_table_description(
                cursor, "interventions_intervention"
            )
        ]


def sqlite_install(connection) -> None:
    """(Re)create every SQLite trigger that is missing or differs; idempotent."""
    triggers = _sqlite_triggers(_intervention_columns(connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {SQLITE_MAINTENANCE_TABLE} (reason TEXT NOT NULL)"
        )
        cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        existing = dict(cursor.fetchall())
        for name, statement in triggers.items():
            statement = statement.strip()
            if existing.get(name) == statement:
                continue
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(statement)


def sqlite_drop_triggers(connection) -> None:
    names = list(_sqlite_triggers(["id"]))  # the names do not depend on the columns
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def sqlite_uninstall(connection) -> None:
    sqlite_drop_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SQLITE_MAINTENANCE_TABLE}")


def install(connection) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in postgresql_uninstall() + postgresql_install():
                cursor.execute(statement)
    elif connection.vendor == "sqlite":
        sqlite_install(connection)


def uninstall(connection) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for statement in postgresql_uninstall():
                cursor.execute(statement)
    elif connection.vendor == "sqlite":
        sqlite_uninstall(connection)
