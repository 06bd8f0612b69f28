"""The change log of the reference data (clients, sites, contracts, equipment, the parts
catalogue, billing rates), as a manager reads it: who changed what, when, field by field.

django-simple-history stores one historical row per save (`<model>.history`, tables
`*_historical*`), with the user of the request (`HistoryRequestMiddleware`) or the actor a
service names (`_history_user`). Here the rows become French (or English) words at read time:
field labels, choices, yes/no, dates and related objects in the reader's language, like the
intervention's history (`history.py`). Bulk writes (`bulk_create`, `.update()`, the load_data
command) leave no row: they are not edits by a person.

The historical tables are separate tables: a signed report's frozen content (its snapshot,
PDF and hashes, `integrity.py`) never reads them, so renaming a client changes the log, never
a signed report.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.template.defaultfilters import floatformat
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clients.models import Client, Contract, Equipment, Site

from .models import BillingRates, ContractRates, Part

# URL kind → model: what `interventions-change-log` shows.
TRACKED: dict[str, type[models.Model]] = {
    "client": Client,
    "site": Site,
    "contract": Contract,
    "equipment": Equipment,
    "part": Part,
    "billing-rates": BillingRates,
    "contract-rates": ContractRates,
}

ACTIONS = {
    "+": gettext_lazy("Created"),
    "~": gettext_lazy("Changed"),
    "-": gettext_lazy("Deleted"),
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class LogEntry:
    at: datetime.datetime
    by: object  # the user, or None (a command, the shell)
    action: str
    changes: list[FieldChange] = field(default_factory=list)


def kind_of(instance: models.Model) -> str:
    return next(kind for kind, model in TRACKED.items() if isinstance(instance, model))


def _display(model, name: str, value) -> str:
    if value is None or value == "":
        return "—"
    model_field = model._meta.get_field(name)
    if model_field.is_relation:
        related = model_field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value}"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        return floatformat(value, 2)
    return str(value)


def _label(model, name: str) -> str:
    label = str(model._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def object_changes(instance: models.Model) -> list[LogEntry]:
    """Every recorded change of `instance`, newest first; a save that changed no recorded
    field (a search text kept up to date) is left out."""
    model = type(instance)
    records = list(instance.history.select_related("history_user").order_by("history_date"))
    entries, previous = [], None
    for record in records:
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous)
            changes = [
                FieldChange(
                    _label(model, change.field),
                    _display(model, change.field, change.old),
                    _display(model, change.field, change.new),
                )
                for change in delta.changes
            ]
            if not changes:
                previous = record
                continue
        entries.append(
            LogEntry(
                at=record.history_date,
                by=record.history_user,
                action=str(ACTIONS.get(record.history_type, record.history_type)),
                changes=changes,
            )
        )
        previous = record
    entries.reverse()
    return entries
