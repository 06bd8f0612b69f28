"""`crispy_field` writes crispy-forms' Bootstrap 5 field in Python for speed (bench/README.md,
« Charge mixte : dernière étape »): for every field of every form of the application — blank,
filled in, refused — what the user gets must stay what `as_crispy_field` wrote (same elements,
attributes, text and escaping), in both languages."""

import inspect

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import forms
from django.utils import translation

from interventions import billing_forms, email_forms, import_forms, tablet_forms
from interventions import forms as intervention_forms
from interventions.filters import InterventionFilter
from interventions.models import Intervention
from interventions.templatetags.interventions_tags import crispy_field
from procedures import forms as procedure_forms
from tests.factories import make_intervention

from .interventions.test_list_rendering import tree

pytestmark = pytest.mark.django_db

MODULES = (
    intervention_forms,
    tablet_forms,
    billing_forms,
    email_forms,
    import_forms,
    procedure_forms,
)
# Forms that need an argument, with one that makes them whole.
NEEDS = {
    "AmendmentRequestForm": lambda: {"signed_billable": {"labour": True, "travel": False}},
    "HandoverForm": lambda: {"intervention": make_intervention()},
}


def every_form(data):
    """(name, form) for each form class of the application that can be built here."""
    seen = set()
    for module in MODULES:
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if not issubclass(cls, forms.BaseForm) or cls.__module__ != module.__name__:
                continue
            if name in seen or inspect.isabstract(cls):
                continue
            seen.add(name)
            kwargs = NEEDS.get(name, dict)()
            try:
                yield name, cls(data, **kwargs) if data is not None else cls(**kwargs)
            except TypeError:
                continue  # a form needing context this test cannot give (listed below)
    yield "InterventionFilter", InterventionFilter(data, queryset=Intervention.objects.all()).form


def same_as_crispy(form_name, make_form):
    """Each field twice from two copies of the form: crispy changes the widget's classes in
    place, so the field written in Python must not see crispy's pass."""
    for name in make_form().fields:
        ours = str(crispy_field(make_form()[name]))
        theirs = str(as_crispy_field(make_form()[name]))
        assert tree(ours) == tree(theirs), f"{form_name}.{name}\n{ours}\n{theirs}"


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("data", [None, {}, "filled"])
def test_every_field_is_written_as_crispy_writes_it(technician, other_technician, data, language):
    filled = {
        "caller_name": 'Mme <b>Dupont</b> & "fils"',
        "object": "Écran noir\nligne 2 <script>",
        "priority": "3",
        "technician": str(technician.pk),
        "to_technician": str(other_technician.pk),
        "note": "Voir <avec> le client",
        "reason": "Doublon & erreur",
        "q": '"&" <b>',
        "status": "open",
        "scheduled_start": "2026-13-45T99:00",
    }
    given = filled if data == "filled" else data
    with translation.override(language):
        names = [name for name, _form in every_form(given)]
        assert len(names) >= 30, names  # the forms of the application, not a handful
        for index, name in enumerate(names):

            def make_form(index=index):
                return list(every_form(given))[index][1]

            same_as_crispy(name, make_form)


def test_plain_widgets_are_written_here_and_others_by_crispy(technician):
    form = intervention_forms.IntakeForm()
    assert "asteriskField" in str(crispy_field(form["object"]))  # required: the star
    refused = intervention_forms.CancelForm({})
    assert not refused.is_valid()
    # A field with errors goes through crispy itself: its error block is crispy's.
    assert "invalid-feedback" in str(crispy_field(refused["reason"]))
