"""Events written before the codes: their generated sentences become a code and its facts.

Until now the services wrote some events as sentences in the language of whoever clicked
("Marked as billed." or "Marquée comme facturée."). Each sentence the application ever wrote,
in English and in French (the msgids and msgstrs of the time, colons with or without a
non-breaking space), is recognised here and turned into its `code`, its facts going into `data`
and the part a person typed (a reason, a description) staying in `note`. The sentence itself is
kept in `data["sentence"]`. A note that matches nothing was typed by a person: it stays, and
the event gets the code its kind and facts say.

The history is append-only down to the database (interventions/integrity.py): this migration is
the one writer allowed to rewrite it, with the trigger switched off inside its own transaction
(PostgreSQL; on SQLite `migrate` runs without the triggers, and the maintenance row covers a
direct call). It never touches the facts of an event (who, when, which status).

Self-contained on purpose: the patterns below are those of the past and must not follow the
application's code.
"""

import re

from django.db import migrations

EVENT_TABLE = "interventions_interventionevent"
APPEND_ONLY_TRIGGER = "interventions_interventionevent_write_once"
SQLITE_MAINTENANCE_TABLE = "integrity_maintenance"

SPACE = "[ \u00a0\u202f]*"  # any space, or none, as typography changed over time
COLON = f"{SPACE}:{SPACE}"
APOSTROPHE = "['’]"
NUMBER = f"(?:no\\.|n°){SPACE}(?P<version>\\d+)"

# (kind, pattern of the whole note, code, the note keeps this group (else emptied)).
SENTENCES = [
    ("note", f"Contract chosen{COLON}(?P<contract>.+?)\\.?", "contract_chosen", None),
    ("note", f"Contrat retenu{COLON}(?P<contract>.+?)\\.?", "contract_chosen", None),
    ("note", f"No contract{COLON}everything will be billed\\.?", "contract_none", None),
    ("note", f"Aucun contrat{COLON}tout sera facturé\\.?", "contract_none", None),
    ("note", f"Part removed{COLON}(?P<part>.+)", "part_removed", None),
    ("note", f"Pièce retirée{COLON}(?P<part>.+)", "part_removed", None),
    ("visit", "Visit corrected\\.?", "visit_corrected", None),
    ("visit", "Passage corrigé\\.?", "visit_corrected", None),
    ("report", "Resolved", "resolved", None),
    ("report", "Résolu", "resolved", None),
    ("report", f"Outside the contract{APOSTROPHE}s conditions{COLON}(?P<note>.*)", "out_of_conditions", "note"),
    ("report", f"Hors conditions du contrat{COLON}(?P<note>.*)", "out_of_conditions", "note"),
    ("report", f"Within the contract{APOSTROPHE}s conditions\\.?", "within_conditions", None),
    ("report", "Dans les conditions du contrat\\.?", "within_conditions", None),
    ("billing", "Marked as billed\\.?", "billed", None),
    ("billing", "Marquée comme facturée\\.?", "billed", None),
    ("billing", f"Amendment {NUMBER} requested{COLON}(?P<reason>.*)", "amendment_requested", "reason"),
    ("billing", f"Avenant {NUMBER} demandé{COLON}(?P<reason>.*)", "amendment_requested", "reason"),
    ("signature", f"Technician{APOSTROPHE}s signature", "technician_signed", None),
    ("signature", "Signature du technicien", "technician_signed", None),
    ("signature", f"Amendment {NUMBER} signed by the customer{COLON}(?P<name>.+)", "amendment_signed", None),
    ("signature", f"Avenant {NUMBER} signé par le client{COLON}(?P<name>.+)", "amendment_signed", None),
    ("signature", f"Signed by the customer{COLON}(?P<name>.+)", "customer_signed", None),
    ("signature", f"Signé par le client{COLON}(?P<name>.+)", "customer_signed", None),
]  # fmt: skip
COMPILED = [
    (kind, re.compile(pattern, re.DOTALL), code, kept) for kind, pattern, code, kept in SENTENCES
]
# `mark billed` gave its status change the note "Billed" (the status label).
BILLED_STATUS_NOTES = frozenset({"Billed", "Facturée"})
PART = re.compile(f"(?P<quantity>\\d+(?:[.,]\\d+)?){SPACE}×{SPACE}(?P<description>.+)", re.DOTALL)


def code_from_facts(kind: str, data: dict) -> str:
    """The code an event of `kind` gets from its facts alone (its note is a person's)."""
    if kind in ("created", "status", "assigned", "handover"):
        return kind
    if kind == "visit":
        for key, code in (
            ("before", "visit_corrected"),
            ("arrived_at", "visit_arrived"),
            ("left_at", "visit_departed"),
        ):
            if key in data:
                return code
    if kind == "report":
        if data.get("outcome") == "resolved":
            return "resolved"
        if "out_of_conditions" in data:
            return "out_of_conditions" if data["out_of_conditions"] else "within_conditions"
    if kind == "linked" and data.get("relation") in ("additional_request", "follow_up"):
        return data["relation"]
    if kind == "billing":
        if data.get("flag"):
            return "billing_override"
        if "billed" in data:
            return "billed" if data["billed"] else "unbilled"
        if "amendment" in data:
            return "amendment_requested"
    if kind == "signature":
        if "amendment" in data:
            return "amendment_signed"
        if "sha256" in data:
            return "customer_signed"
    if kind == "note" and "contract" in data:
        return "contract_chosen" if data["contract"] else "contract_none"
    return kind


def convert(kind: str, note: str, data: dict, to_status: str = "") -> tuple[str, str, dict]:
    """(code, note, data) of an event written before the codes. Pure: the migration test
    calls it on the sentences of both languages."""
    data = dict(data or {})
    stripped = (note or "").strip()
    if kind == "status" and to_status == "billed" and stripped in BILLED_STATUS_NOTES:
        return "status", "", {**data, "sentence": note}
    for sentence_kind, pattern, code, kept in COMPILED:
        if sentence_kind != kind:
            continue
        match = pattern.fullmatch(stripped)
        if match is None:
            continue
        facts = match.groupdict()
        data["sentence"] = note
        if facts.get("version") and "amendment" not in data:
            data["amendment"] = int(facts["version"])
        if facts.get("name"):
            data["name"] = facts["name"].strip()
        if code == "contract_chosen" and not data.get("contract"):
            data["contract"] = facts["contract"].split(" (", 1)[0].strip()
        if code == "part_removed":
            part = PART.fullmatch(facts["part"].strip())
            if part:
                data["quantity"] = part["quantity"].replace(",", ".")
                data["description"] = part["description"].strip()
                data.setdefault("reference", "")
            else:
                data["part"] = facts["part"].strip()
        return code, (facts[kept].strip() if kept else ""), data
    return code_from_facts(kind, data), note, data


class _HistoryOpen:
    """Lets this migration, and only it, rewrite the append-only history."""

    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT 1 FROM pg_trigger WHERE tgname = %s AND tgrelid = %s::regclass",
                    [APPEND_ONLY_TRIGGER, EVENT_TABLE],
                )
                self.trigger = cursor.fetchone() is not None
                if self.trigger:
                    # ALTER TABLE refuses while checks of deferred foreign keys are pending.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute(
                        f"ALTER TABLE {EVENT_TABLE} DISABLE TRIGGER {APPEND_ONLY_TRIGGER}"
                    )
            elif self.connection.vendor == "sqlite":
                tables = self.connection.introspection.table_names(cursor)
                self.maintenance = SQLITE_MAINTENANCE_TABLE in tables
                if self.maintenance:
                    cursor.execute(
                        f"INSERT INTO {SQLITE_MAINTENANCE_TABLE} (reason) VALUES ('event codes')"
                    )
        return self

    def __exit__(self, *exc):
        # On an error the transaction rolls back, the trigger's state with it.
        if exc[0] is not None:
            return False
        with self.connection.cursor() as cursor:
            if self.connection.vendor == "postgresql" and self.trigger:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"ALTER TABLE {EVENT_TABLE} ENABLE TRIGGER {APPEND_ONLY_TRIGGER}")
                # Back to Django's foreign keys as declared (DEFERRABLE INITIALLY DEFERRED).
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            elif self.connection.vendor == "sqlite" and self.maintenance:
                cursor.execute(
                    f"DELETE FROM {SQLITE_MAINTENANCE_TABLE} WHERE reason = 'event codes'"
                )
        return False


def events_to_codes(apps, schema_editor):
    Event = apps.get_model("interventions", "InterventionEvent")
    Contract = apps.get_model("clients", "Contract")
    kinds: dict[str, str | None] = {}

    def contract_kind(number: str) -> str | None:
        if number not in kinds:
            kinds[number] = (
                Contract.objects.filter(number=number).values_list("kind", flat=True).first()
            )
        return kinds[number]

    # Primary keys first: SQLite does not isolate a read from writes to the same table.
    pks = list(Event.objects.filter(code="").order_by("pk").values_list("pk", flat=True))
    with _HistoryOpen(schema_editor.connection):
        for start in range(0, len(pks), 500):
            batch = list(Event.objects.filter(pk__in=pks[start : start + 500]))
            for event in batch:
                code, note, data = convert(event.kind, event.note, event.data, event.to_status)
                if (
                    code == "contract_chosen"
                    and data.get("contract")
                    and "contract_kind" not in data
                ):
                    kind = contract_kind(data["contract"])
                    if kind:
                        data["contract_kind"] = kind
                event.code, event.note, event.data = code, note, data
            Event.objects.bulk_update(batch, ["code", "note", "data"])


def sentences_back(apps, schema_editor):
    """Backwards: the sentences go back to `note`, as the code before this migration read them
    (the codes themselves go with the column, migration 0013)."""
    Event = apps.get_model("interventions", "InterventionEvent")
    pks = list(
        Event.objects.filter(data__has_key="sentence").order_by("pk").values_list("pk", flat=True)
    )
    with _HistoryOpen(schema_editor.connection):
        for start in range(0, len(pks), 500):
            batch = list(Event.objects.filter(pk__in=pks[start : start + 500]))
            for event in batch:
                event.note = event.data.pop("sentence")
            Event.objects.bulk_update(batch, ["note", "data"])


class Migration(migrations.Migration):
    dependencies = [
        ("interventions", "0015_interventionevent_code"),
        ("clients", "0001_initial"),
    ]

    operations = [migrations.RunPython(events_to_codes, sentences_back)]
