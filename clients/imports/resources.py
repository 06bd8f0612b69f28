"""django-import-export resources of clients, sites, equipment and contracts.

Rows arrive keyed by our field names (`formats.load_table`). Each value goes through a widget
that refuses what is malformed (a ValueError becomes that column's error), then the model's
`full_clean()` (`clean_model_instances`), so the import refuses what the forms and services
refuse. Rows are saved one by one with `save()`: `search_text`, `phone_digits` and the change
history (django-simple-history, reason « Import ») stay right; an unchanged row is not saved
(`skip_unchanged`), which makes a second import of the same file a no-op.
"""

import datetime
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from ..models import Client, Contract, Equipment, Site
from .formats import GLPI_TYPES, fold

_POSTAL_CODE = re.compile(r"\d{5}")


class TextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return " ".join(str(value or "").split()) if value is not None else ""


class LongTextWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return str(value or "").strip()


class RequiredTextWidget(TextWidget):
    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row)
        if not text:
            raise ValueError(_("This value is required."))
        return text


class PostalCodeWidget(TextWidget):
    """A French postal code: five digits (a spreadsheet that dropped the leading zero of
    « 01000 » is refused rather than guessed)."""

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row).replace(" ", "")
        if text and not _POSTAL_CODE.fullmatch(text):
            raise ValueError(_("5 digits expected"))
        return text


class PhoneWidget(TextWidget):
    """Kept as written; refused when `phonenumbers` sees no possible French (or
    international) number in it."""

    def clean(self, value, row=None, **kwargs):
        text = super().clean(value, row)
        if not text:
            return ""
        try:
            parsed = phonenumbers.parse(text, "FR")
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_possible_number(parsed):
            raise ValueError(_("not a valid phone number"))
        return text


class DateWidget(widgets.Widget):
    """31/12/2026, 31/12/26, 2026-12-31 (what spreadsheets write)."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return None
        for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"):
            try:
                return datetime.datetime.strptime(text[:10], pattern).date()
            except ValueError:
                continue
        raise ValueError(_("date expected as DD/MM/YYYY"))


class BooleanWidget(widgets.Widget):
    TRUE = {"oui", "o", "yes", "y", "vrai", "true", "1", "x"}
    FALSE = {"non", "n", "no", "faux", "false", "0", ""}

    def clean(self, value, row=None, **kwargs):
        text = fold(value)
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValueError(_("“yes” or “no” expected"))


class IntegerWidget(widgets.Widget):
    def __init__(self, *, allow_empty: bool, **kwargs):
        self.allow_empty = allow_empty
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return None if self.allow_empty else 0
        if not text.isdigit():
            raise ValueError(_("a whole number expected"))
        return int(text)


class ChoiceWidget(widgets.Widget):
    """A choice by its value or by its French or English label; `aliases` add spellings
    (GLPI types); `default` takes an empty or unknown value (GLPI: a computer)."""

    def __init__(self, choices, *, aliases=None, default=None, **kwargs):
        self.choices = choices
        self.aliases = aliases or {}
        self.default = default
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        from django.utils import translation

        text = fold(value)
        if not text and self.default is None:
            raise ValueError(_("This value is required."))
        known = dict(self.aliases)
        for choice in self.choices:
            known[fold(choice.value)] = choice.value
            with translation.override("fr"):
                known[fold(str(choice.label))] = choice.value
            with translation.override("en"):
                known[fold(str(choice.label))] = choice.value
        if text in known:
            return known[text]
        if self.default is not None:
            return self.default
        labels = ", ".join(str(choice.label) for choice in self.choices)
        raise ValueError(
            _("unknown type “%(value)s” (expected: %(labels)s)")
            % {
                "value": str(value or "").strip(),
                "labels": labels,
            }
        )


class ClientWidget(widgets.ForeignKeyWidget):
    """A client by its number; GLPI's entity (« Entité racine > Boulangerie Martin ») by its
    last part, as a number or else as the client's exact name (case and accents aside)."""

    def __init__(self, *, by_name: bool = False):
        self.by_name = by_name
        super().__init__(Client, "number")

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if self.by_name:
            text = text.split(">")[-1].strip()
        if not text:
            raise ValueError(_("This value is required."))
        client = Client.objects.filter(number=text).first()
        if client is None and self.by_name:
            matches = list(Client.objects.filter(name__iexact=text)[:2])
            if not matches:
                wanted = fold(text)
                matches = [
                    c
                    for c in Client.objects.filter(name__icontains=text.split()[0])[:50]
                    if fold(c.name) == wanted
                ][:2]
            if len(matches) > 1:
                raise ValueError(_("several clients are named “%(value)s”") % {"value": text})
            client = matches[0] if matches else None
        if client is None:
            raise ValueError(_("unknown client “%(value)s”") % {"value": text})
        return client


def _row_client(row):
    """The row's client, quietly (its own column reports the error)."""
    try:
        return ClientWidget(by_name=row.get("_by_name", False)).clean(row.get("client"))
    except ValueError:
        return None


class SiteWidget(widgets.Widget):
    """A site of the row's client, by its label (GLPI's « Lieu »: the last part of the path)."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").split(">")[-1].strip()
        if not text:
            return None
        client = _row_client(row or {})
        if client is None:
            return None  # the client column carries the error
        sites = [s for s in client.sites.all() if fold(s.label) == fold(text)]
        if not sites:
            raise ValueError(
                _("unknown site “%(value)s” for client %(client)s")
                % {"value": text, "client": client.number}
            )
        return sites[0]


class ContractWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return None
        contract = Contract.objects.filter(number=text).first()
        if contract is None:
            raise ValueError(_("unknown contract “%(value)s”") % {"value": text})
        return contract


class ImportResource(resources.ModelResource):
    """What the four resources share."""

    change_reason = ""

    class Meta:
        abstract = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True

    def get_instance(self, instance_loader, row):
        key = self.instance_lookup(row)
        if key is None:
            return None
        found = list(self._meta.model.objects.filter(**key)[:2])
        if len(found) > 1:
            raise ValidationError({self.key_field: _("several records match this row")})
        return found[0] if found else None

    def instance_lookup(self, row) -> dict | None:
        value = str(row.get(self.key_field) or "").strip()
        return {self.key_field: value} if value else None

    def before_save_instance(self, instance, row, **kwargs):
        instance._change_reason = self.change_reason


def _field(name, widget=None):
    return fields.Field(attribute=name, column_name=name, widget=widget or TextWidget())


class ClientResource(ImportResource):
    key_field = "number"
    number = _field("number", RequiredTextWidget())
    name = _field("name", RequiredTextWidget())
    address = _field("address")
    postal_code = _field("postal_code", PostalCodeWidget())
    city = _field("city")
    phone = _field("phone", PhoneWidget())
    email = _field("email")
    notes = _field("notes", LongTextWidget())

    class Meta:
        model = Client
        fields = ["number", "name", "address", "postal_code", "city", "phone", "email", "notes"]
        import_id_fields = ["number"]

    def before_import_row(self, row, **kwargs):
        # Dolibarr's SIRET has no field of its own: it is kept in the notes, in French
        # whatever the importer's language (a second import must compare equal).
        siret = str(row.pop("siret", "") or "").strip()
        if siret and "notes" not in row:
            row["notes"] = f"SIRET\u00a0: {siret}"


class SiteResource(ImportResource):
    key_field = "label"
    client = fields.Field(attribute="client", column_name="client", widget=ClientWidget())
    label = _field("label", RequiredTextWidget())
    address = _field("address")
    postal_code = _field("postal_code", PostalCodeWidget())
    city = _field("city")
    contact_name = _field("contact_name")
    contact_phone = _field("contact_phone", PhoneWidget())
    access_notes = _field("access_notes", LongTextWidget())

    class Meta:
        model = Site
        fields = [
            "client",
            "label",
            "address",
            "postal_code",
            "city",
            "contact_name",
            "contact_phone",
            "access_notes",
        ]
        import_id_fields = ["client", "label"]

    def instance_lookup(self, row):
        """A site is its client's site of that label (case and accents aside)."""
        client = _row_client(row)
        label = fold(row.get("label"))
        if client is None or not label:
            return None
        pks = [s.pk for s in client.sites.all() if fold(s.label) == label]
        return {"pk__in": pks}


class EquipmentResource(ImportResource):
    key_field = "serial_number"
    client = fields.Field(attribute="client", column_name="client", widget=ClientWidget())
    site = fields.Field(attribute="site", column_name="site", widget=SiteWidget())
    kind = fields.Field(attribute="kind", column_name="kind", widget=ChoiceWidget(Equipment.Kind))
    brand = _field("brand")
    model = _field("model")
    serial_number = _field("serial_number", RequiredTextWidget())
    installed_on = fields.Field(
        attribute="installed_on", column_name="installed_on", widget=DateWidget()
    )
    warranty_until = fields.Field(
        attribute="warranty_until", column_name="warranty_until", widget=DateWidget()
    )
    contract = fields.Field(attribute="contract", column_name="contract", widget=ContractWidget())

    class Meta:
        model = Equipment
        fields = [
            "client",
            "site",
            "kind",
            "brand",
            "model",
            "serial_number",
            "installed_on",
            "warranty_until",
            "contract",
        ]
        import_id_fields = ["serial_number"]

    def __init__(self, *, glpi: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.glpi = glpi
        if glpi:
            # GLPI: the entity is a client's name, the type one of GLPI's computer types.
            self.fields["client"].widget = ClientWidget(by_name=True)
            self.fields["kind"].widget = ChoiceWidget(
                Equipment.Kind, aliases=GLPI_TYPES, default="workstation"
            )

    def before_import_row(self, row, **kwargs):
        row["_by_name"] = self.glpi
        row.pop("computer_name", None)
        row.pop("glpi_status", None)

    def after_init_instance(self, instance, new, row, **kwargs):
        # A GLPI export without its « Type » column: a new computer is a workstation; an
        # existing one keeps its type.
        if new and self.glpi and not instance.kind:
            instance.kind = Equipment.Kind.WORKSTATION


class ContractResource(ImportResource):
    key_field = "number"
    client = fields.Field(attribute="client", column_name="client", widget=ClientWidget())
    number = _field("number", RequiredTextWidget())
    kind = fields.Field(attribute="kind", column_name="kind", widget=ChoiceWidget(Contract.Kind))
    start_date = fields.Field(attribute="start_date", column_name="start_date", widget=DateWidget())
    end_date = fields.Field(attribute="end_date", column_name="end_date", widget=DateWidget())
    response_time_hours = fields.Field(
        attribute="response_time_hours",
        column_name="response_time_hours",
        widget=IntegerWidget(allow_empty=True),
    )
    covers_labour = fields.Field(
        attribute="covers_labour", column_name="covers_labour", widget=BooleanWidget()
    )
    covers_travel = fields.Field(
        attribute="covers_travel", column_name="covers_travel", widget=BooleanWidget()
    )
    covers_parts = fields.Field(
        attribute="covers_parts", column_name="covers_parts", widget=BooleanWidget()
    )
    annual_visits = fields.Field(
        attribute="annual_visits",
        column_name="annual_visits",
        widget=IntegerWidget(allow_empty=False),
    )
    conditions = _field("conditions", LongTextWidget())
    standard_tasks = _field("standard_tasks", LongTextWidget())

    class Meta:
        model = Contract
        fields = [
            "client",
            "number",
            "kind",
            "start_date",
            "end_date",
            "response_time_hours",
            "covers_labour",
            "covers_travel",
            "covers_parts",
            "annual_visits",
            "conditions",
            "standard_tasks",
        ]
        import_id_fields = ["number"]
