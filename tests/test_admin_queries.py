"""The admin's list pages and change forms cost the same number of queries at 3 rows as at 30,
for every model registered (a model added later is covered without touching this file), and no
change form lists a whole table in a <select> (issue 14: 5,000 clients, 20,000 equipment)."""

import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interventions.models import OutgoingEmail
from procedures import services as procedure_services
from procedures.models import Kind, Step
from tests.factories import ContractFactory
from tests.interventions.test_query_counts import LARGE, SMALL, Shop

# Our apps: each of their admin lists must really grow between the two sizes (else the
# comparison proves nothing); third-party models (auth groups…) are only compared.
OUR_APPS = {"clients", "interventions", "procedures"}


class AdminShop(Shop):
    """The interventions of the page tests, plus a contract and a published diagnostic
    procedure (question, answer, conclusion) run on each."""

    def add(self, n: int) -> None:
        super().add(n)
        job = self.last_job
        ContractFactory(client=job.client, number=f"MAINT-{n:04d}")
        procedure = procedure_services.procedure_create(
            kind=Kind.DIAGNOSTIC, title=f"Imprimante muette {n}", actor=self.dispatcher
        )
        draft = procedure.draft_version()
        question = procedure_services.step_add(
            version=draft, label="Le voyant est-il allumé ?", kind=Step.Kind.QUESTION
        )
        conclusion = procedure_services.step_add(
            version=draft, label="Bloc d'alimentation", kind=Step.Kind.CONCLUSION, cause="Panne"
        )
        procedure_services.answer_add(step=question, label="Non", next_step=conclusion)
        OutgoingEmail.objects.create(
            kind=OutgoingEmail.Kind.SIGNED_REPORT,
            intervention=job,
            recipients=[f"compta{n}@exemple.fr"],
            subject=f"Rapport d'intervention n° {job.number} signé",
            body="…",
        )
        procedure_services.version_publish(version=draft, actor=self.dispatcher)
        if not job.is_closed:
            procedure_services.run_attach(
                intervention=job, procedure=procedure, actor=self.dispatcher
            )


def changelist_urls() -> dict:
    return {
        model: reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    }


def read(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), response


def result_count(response) -> int:
    return response.context["cl"].result_count


@pytest.fixture
def shop(db, dispatcher):
    return AdminShop(dispatcher)


def test_admin_changelists_queries_do_not_grow(client, admin_user, shop):
    client.force_login(admin_user)
    urls = changelist_urls()
    seen = {}
    for size in (SMALL, LARGE):
        shop.grow_to(size)
        for model, url in urls.items():
            n, response = read(client, url)
            seen.setdefault(model, []).append((n, result_count(response)))
    faults = []
    for model, ((small, rows_small), (large, rows_large)) in seen.items():
        if model._meta.app_label in OUR_APPS and rows_large <= rows_small:
            faults.append(f"{model.__name__}: no more rows at {LARGE}")
        if small != large:
            faults.append(f"{model.__name__}: {small} queries at {SMALL}, {large} at {LARGE}")
    assert not faults, faults


def test_admin_change_forms_queries_and_options_do_not_grow(client, admin_user, shop):
    """The change form of each model's first row: same queries, and no <select> that grows
    with a table (autocomplete or raw id instead)."""
    client.force_login(admin_user)
    seen = {}
    for size in (SMALL, LARGE):
        shop.grow_to(size)
        for model in admin.site._registry:
            obj = model._default_manager.order_by("pk").first()
            if obj is None:
                continue
            url = reverse(
                f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk]
            )
            n, response = read(client, url)
            options = len(re.findall(r"<option\b", response.content.decode()))
            seen.setdefault(model, []).append((n, options))
    faults = []
    for model, runs in seen.items():
        if len(runs) < 2:
            continue
        (small, options_small), (large, options_large) = runs
        if small != large:
            faults.append(f"{model.__name__}: {small} queries at {SMALL}, {large} at {LARGE}")
        if options_small != options_large:
            faults.append(f"{model.__name__}: {options_small} then {options_large} <option>s")
    assert not faults, faults
