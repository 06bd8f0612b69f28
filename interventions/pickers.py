"""Searchable pickers: a client or a contract chosen by typing, instead of a select of
thousands of options (README, « Facturation et pilotage »).

The widget renders an accessible combobox: a text input (`<name>_search`) whose suggestions
htmx fetches from a picker endpoint (`views/pickers.py`), chosen with ↓/↑ and Enter or a click
(static/js/picker.js), and a hidden input (`<name>`) holding the chosen id. Without JavaScript
the text alone is submitted: `PickerField.clean` resolves a number (« CLI-00012 ») or words
that match one object only, and says so on the form otherwise, the text kept.
"""

from django import forms
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db.models import Model, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from clients import selectors as client_selectors
from clients.models import Client, Contract
from clients.selectors import PICK_QUERY_MAX

from .selectors import pk_or_none

SEARCH_SUFFIX = "_search"


def client_label(client: Client) -> str:
    return f"{client.number} — {client.name}"


def contract_label(contract: Contract) -> str:
    return f"{contract.number} — {contract.client.name}"


class Picker:
    """What one kind of picker searches, and how it names what it finds."""

    def __init__(self, *, queryset, search, label, url_name, several, none):
        self.queryset, self.search, self.label = queryset, search, label
        self.url_name, self.several, self.none = url_name, several, none

    def get(self, pk) -> Model | None:
        pk = pk_or_none(pk)
        if pk is None:
            return None
        return self.queryset().filter(pk=pk).first()

    def resolve(self, text: str) -> Model | list[Model]:
        """The one object the text names (number first, then words), else the candidates."""
        number = text.split(" — ")[0].strip()
        exact = self.queryset().filter(number__iexact=number).first()
        if exact is not None:
            return exact
        found = self.search(text, limit=2)
        return found[0] if len(found) == 1 else found


def _clients() -> QuerySet[Client]:
    return Client.objects.all()


def _contracts() -> QuerySet[Contract]:
    return Contract.objects.select_related("client")


CLIENTS = Picker(
    queryset=_clients,
    search=client_selectors.client_pick,
    label=client_label,
    url_name="interventions-pick-client",
    several=_("Several clients match “%(text)s”: type more, or choose in the list."),
    none=_("No client matches “%(text)s”."),
)
CONTRACTS = Picker(
    queryset=_contracts,
    search=client_selectors.contract_pick,
    label=contract_label,
    url_name="interventions-pick-contract",
    several=_("Several contracts match “%(text)s”: type more, or choose in the list."),
    none=_("No contract matches “%(text)s”."),
)


class PickerWidget(forms.Widget):
    template_name = "interventions/_picker.html"

    def _render(self, template_name, context, renderer=None):
        # The project's templates, whatever form renderer is configured.
        return mark_safe(render_to_string(template_name, context))

    def __init__(self, picker: Picker, placeholder, attrs=None):
        super().__init__(attrs)
        self.picker, self.placeholder = picker, placeholder

    def value_from_datadict(self, data, files, name):
        return {"pk": data.get(name) or "", "text": data.get(name + SEARCH_SUFFIX)}

    def value_omitted_from_data(self, data, files, name):
        return name not in data and name + SEARCH_SUFFIX not in data

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, dict):  # bound: what was submitted, as it was typed
            pk, text = value["pk"], value["text"]
            if text is None:  # a link that names the id only (pagination, export)
                chosen = self.picker.get(pk)
                pk, text = (chosen.pk, self.picker.label(chosen)) if chosen else ("", "")
        elif isinstance(value, Model):
            pk, text = value.pk, self.picker.label(value)
        elif value:
            chosen = self.picker.get(value)
            pk, text = (chosen.pk, self.picker.label(chosen)) if chosen else ("", "")
        else:
            pk, text = "", ""
        attrs = context["widget"]["attrs"]
        attrs["class"] = " ".join(filter(None, ["form-control", attrs.get("class", "")]))
        list_id = f"{attrs.get('id', name)}-list"
        context["widget"].update(
            pk=pk,
            text=text,
            search_name=name + SEARCH_SUFFIX,
            list_id=list_id,
            url=reverse(self.picker.url_name),
            placeholder=self.placeholder,
        )
        return context


class PickerField(forms.Field):
    """A client or a contract, by its id (chosen in the suggestions) or by the text typed."""

    def __init__(self, picker: Picker, *, placeholder, **kwargs):
        self.picker = picker
        kwargs.setdefault("widget", PickerWidget(picker, placeholder))
        super().__init__(**kwargs)

    def bound_data(self, data, initial):
        return data

    def to_python(self, value):
        if not isinstance(value, dict):
            return self.picker.get(value) if value else None
        pk, text = value["pk"], value["text"]
        chosen = self.picker.get(pk) if pk else None
        if text is None or (chosen is not None and text.strip() == self.picker.label(chosen)):
            return chosen
        text = text.strip()
        if not text:
            return None
        ProhibitNullCharactersValidator()(text)  # PostgreSQL text cannot hold one
        # No name is longer; SQLite refuses a LIKE pattern (iexact) of over 50,000 bytes.
        MaxLengthValidator(PICK_QUERY_MAX)(text)
        found = self.picker.resolve(text)
        if isinstance(found, list):
            message = self.picker.several if found else self.picker.none
            raise forms.ValidationError(message, params={"text": text}, code="invalid_choice")
        return found

    def has_changed(self, initial, data):
        return True
