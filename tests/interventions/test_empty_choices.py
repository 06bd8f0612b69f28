"""No select in the application offers Django's bare "---------" as its empty choice: each
says what choosing nothing means (« Tous les clients », « Tous les contrats »…)."""

import inspect

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from interventions import billing_forms, filters, tablet_forms
from interventions import forms as intervention_forms
from procedures import forms as procedure_forms

FORM_MODULES = [billing_forms, intervention_forms, tablet_forms, procedure_forms]


def _form_classes():
    for module in FORM_MODULES:
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", list(_form_classes()), ids=lambda cls: cls.__name__)
def test_no_form_offers_a_bare_dashes_choice(form_class):
    try:
        form = form_class()
    except TypeError:
        pytest.skip("needs arguments")
    with translation.override("fr"):
        html = str(form)
    assert "---------" not in html


@pytest.mark.django_db
def test_intervention_filters_offer_no_bare_dashes_choice():
    with translation.override("fr"):
        html = str(filters.InterventionFilter({}).form)
    assert "---------" not in html


@pytest.mark.django_db
def test_billing_filters_say_all_clients_and_all_contracts(client, manager):
    client.force_login(manager)
    html = client.get(reverse("interventions-billing")).content.decode()
    assert "---------" not in html
    assert "Tous les clients" in html
    assert "Tous les contrats" in html
