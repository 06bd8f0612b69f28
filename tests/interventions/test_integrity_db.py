"""Signed means signed, down to the database.

The database itself refuses to change a signed or billed report, whoever asks: raw SQL, a
queryset `.update()`/`.delete()`, `Model.save()`. Verification covers every figure billing
reads. The admin shows what only the services may change read-only.
"""

from contextlib import contextmanager
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from interventions import services
from interventions.models import (
    IntegrityPermit,
    Intervention,
    InterventionEvent,
    PartUsed,
    ReportFigures,
    SignedReport,
    Status,
    TechnicianSignature,
    Visit,
)
from interventions.verification import report_check

from .billing_helpers import signed_intervention
from .integrity_helpers import triggers_off
from .tablet_helpers import assigned_job, drawn_signature, finished_job, shown

FROZEN = "rapport signé figé"
APPEND_ONLY = "historique non modifiable"


@pytest.fixture
def job(technician):
    """A report signed through the services, with a visit, a part and both signatures."""
    return signed_intervention(technician)


@contextmanager
def refused(message):
    """The database refuses; the savepoint keeps the test's transaction usable."""
    with pytest.raises(IntegrityError, match=message), transaction.atomic():
        yield


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


# --- the signed intervention row ------------------------------------------------------------


def test_raw_sql_update_of_a_signed_reports_diagnostics_is_refused(job):
    with refused(FROZEN):
        sql(
            "UPDATE interventions_intervention SET diagnostics = %s WHERE id = %s",
            ["réécrit après signature", job.pk],
        )
    assert Intervention.objects.get(pk=job.pk).diagnostics == ""


def test_queryset_update_of_a_signed_reports_diagnostics_is_refused(job):
    with refused(FROZEN):
        Intervention.objects.filter(pk=job.pk).update(diagnostics="réécrit après signature")
    assert Intervention.objects.get(pk=job.pk).diagnostics == ""


def test_model_save_of_a_signed_report_is_refused(job):
    job.work_done = "Autre chose"
    with refused(FROZEN):
        job.save()
    assert Intervention.objects.get(pk=job.pk).work_done == "Remplacement du tambour"


@pytest.mark.parametrize(
    "column, value",
    [
        ("deadline_at", timezone.now()),
        ("billable_labour", False),
        ("billing_overrides", '{"labour": {"value": false, "reason": "x"}}'),
        ("status", "in_progress"),
        ("number", "1999-00001"),
    ],
)
def test_a_billed_report_is_frozen_too(job, manager, column, value):
    services.interventions_mark_billed(pks=[job.pk], actor=manager)
    with refused(FROZEN):
        sql(f"UPDATE interventions_intervention SET {column} = %s WHERE id = %s", [value, job.pk])
    assert Intervention.objects.get(pk=job.pk).status == Status.BILLED


def test_a_signed_report_goes_back_to_no_other_status(job):
    with refused(FROZEN):
        Intervention.objects.filter(pk=job.pk).update(status=Status.IN_PROGRESS)


# --- what hangs off it ----------------------------------------------------------------------


DELETIONS = {
    "intervention": lambda job: sql(
        "DELETE FROM interventions_intervention WHERE id = %s", [job.pk]
    ),
    "visit": lambda job: Visit.objects.filter(intervention=job).delete(),
    "part": lambda job: PartUsed.objects.filter(intervention=job).delete(),
    "technician signature": lambda job: sql(
        "DELETE FROM interventions_techniciansignature WHERE intervention_id = %s", [job.pk]
    ),
    "signed report": lambda job: SignedReport.objects.filter(intervention=job).delete(),
    "figures": lambda job: ReportFigures.objects.filter(intervention=job).delete(),
}


def tablet_signed_job(technician):
    """Signed on the tablet: the technician's signature row stays next to the frozen report."""
    job = assigned_job(technician)
    now = timezone.now()
    services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=now - timezone.timedelta(hours=1),
        left_at=now - timezone.timedelta(minutes=1),
    )
    services.part_add(intervention=job, description="Courroie", quantity=1, unit_price=10)
    services.report_update(intervention=job, work_done="Courroie changée.", actor=technician)
    services.report_submit(intervention=job, actor=technician)
    services.report_sign_technician(
        intervention=job, actor=technician, image=drawn_signature(), shown_sha256=shown(job)
    )
    services.report_sign_customer(
        intervention=job,
        actor=technician,
        signatory_name="Mme Roux",
        image=drawn_signature(),
        shown_sha256=shown(job),
    )
    return job


@pytest.mark.parametrize("what", DELETIONS)
def test_deleting_any_part_of_a_signed_report_is_refused(technician, what):
    job = tablet_signed_job(technician)
    counts = [m.objects.count() for m in (Visit, SignedReport, ReportFigures, TechnicianSignature)]
    with refused(FROZEN):
        DELETIONS[what](job)
    after = [m.objects.count() for m in (Visit, SignedReport, ReportFigures, TechnicianSignature)]
    assert after == counts == [1, 1, 1, 1]
    assert Intervention.objects.filter(pk=job.pk).exists()


UPDATES = {
    "figures": "UPDATE interventions_reportfigures SET km = 999, minutes = 600",
    "signed report": "UPDATE interventions_signedreport SET content_sha256 = 'x'",
    "visit": "UPDATE interventions_visit SET travel_km = 999",
    "part": "UPDATE interventions_partused SET unit_cost = 0",
}


@pytest.mark.parametrize("what", UPDATES)
def test_raw_updates_of_a_signed_reports_rows_are_refused(job, what):
    before = ReportFigures.objects.get(pk=job.pk).km
    with refused(FROZEN):
        sql(UPDATES[what] + " WHERE intervention_id = %s", [job.pk])
    assert ReportFigures.objects.get(pk=job.pk).km == before == Decimal("24.0")


def test_no_visit_or_part_is_added_to_a_signed_report(job, technician):
    with refused(FROZEN):
        Visit.objects.create(intervention=job, technician=technician, arrived_at=timezone.now())
    with refused(FROZEN):
        PartUsed.objects.create(intervention=job, description="Ajout", unit_price=1)
    assert (job.visits.count(), job.parts.count()) == (1, 1)


def test_events_are_never_changed_nor_deleted_whatever_the_status(technician):
    open_job = finished_job(technician)
    with refused(APPEND_ONLY):
        InterventionEvent.objects.filter(intervention=open_job).update(note="réécrit")
    with refused(APPEND_ONLY):
        InterventionEvent.objects.filter(intervention=open_job).delete()
    assert not InterventionEvent.objects.filter(note="réécrit").exists()


def test_an_open_report_is_not_frozen(technician):
    open_job = finished_job(technician)
    Intervention.objects.filter(pk=open_job.pk).update(diagnostics="Ajouté")
    Visit.objects.filter(intervention=open_job).update(travel_km=3)
    assert Intervention.objects.get(pk=open_job.pk).diagnostics == "Ajouté"
    assert Visit.objects.get(intervention=open_job).travel_km == 3


# --- what the services may still do ---------------------------------------------------------


def test_signed_billed_signed_still_works_through_the_services(job, manager, admin_user):
    services.interventions_mark_billed(pks=[job.pk], actor=manager)
    services.intervention_unbill(intervention=job, actor=admin_user, reason="Mauvais client")
    job.refresh_from_db()
    assert job.status == Status.SIGNED
    assert list(
        job.events.filter(kind=InterventionEvent.Kind.BILLING).values_list("data__billed")
    ) == [(True,), (False,)]
    assert report_check(job.signed_report).intact


def test_a_waiver_after_signature_goes_through_the_permit_only(job, manager):
    with refused(FROZEN):
        Intervention.objects.filter(pk=job.pk).update(billable_labour=False)
    services.billing_override(
        intervention=job, actor=manager, flag="labour", billable=False, reason="Geste commercial"
    )
    job.refresh_from_db()
    assert (job.billable_labour, job.billable_travel, job.billable_parts) == (False, True, True)
    assert job.billing_overrides["labour"]["reason"] == "Geste commercial"
    event = job.events.filter(kind=InterventionEvent.Kind.BILLING).get()
    assert (event.note, event.data["to"]) == ("Geste commercial", False)
    assert IntegrityPermit.objects.count() == 0
    with refused(FROZEN):
        Intervention.objects.filter(pk=job.pk).update(billable_labour=True)
    call_command("verify_report", job.number)


def test_the_permit_opens_the_billing_columns_only(job, manager):
    with refused(FROZEN), services.signed_billing_change(job, reason="test"):
        Intervention.objects.filter(pk=job.pk).update(billable_labour=False, remarks="Ajout")
    assert IntegrityPermit.objects.count() == 0


# --- verification covers what billing reads -------------------------------------------------


def assert_altered(client, job, problem):
    with pytest.raises(CommandError, match="ALTÉRÉ") as excinfo:
        call_command("verify_report", job.number)
    assert problem in str(excinfo.value)
    html = client.get(reverse("reports-verify", args=[job.number])).content.decode()
    assert "Altéré\u00a0!" in html and "Intact." not in html


def test_verify_sees_figures_changed_behind_the_triggers(client, job):
    call_command("verify_report", job.number)
    with triggers_off():
        sql(
            "UPDATE interventions_reportfigures SET km = 999, minutes = 600"
            " WHERE intervention_id = %s",
            [job.pk],
        )
    assert_altered(client, job, "chiffres")


def test_verify_sees_a_cost_price_changed_in_two_places(client, job):
    # The parts' unit cost is not printed on the report: changing it where billing reads it
    # and where it was copied from must still show.
    with triggers_off():
        sql("UPDATE interventions_partused SET unit_cost = 1 WHERE intervention_id = %s", [job.pk])
        sql(
            "UPDATE interventions_reportfigures SET parts_cost = 2 WHERE intervention_id = %s",
            [job.pk],
        )
    assert_altered(client, job, "chiffres")


def test_verify_sees_a_billable_flag_changed_without_a_decision(client, job):
    with triggers_off():
        Intervention.objects.filter(pk=job.pk).update(billable_labour=False)
    assert_altered(client, job, "facturable")


# --- the test database can still be emptied -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_signed_report_in_a_transactional_test_is_flushed_afterwards(technician):
    # pytest-django empties the database after this test: TRUNCATE on PostgreSQL, DELETE FROM
    # on SQLite, which the triggers would refuse without tests/conftest.py's maintenance row.
    job = signed_intervention(technician)
    with pytest.raises(IntegrityError, match=FROZEN):
        Intervention.objects.filter(pk=job.pk).update(diagnostics="x")


# --- the admin ------------------------------------------------------------------------------


class FormValues(HTMLParser):
    """The values a browser would submit from the admin's change form."""

    def __init__(self):
        super().__init__()
        self.data = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data[name] = attrs.get("value") or (
                "on" if attrs.get("type") == "checkbox" else ""
            )
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def test_admin_shows_billing_deadline_visits_and_parts_read_only(client, admin_user, technician):
    job = finished_job(technician)
    services.report_reopen(intervention=job, actor=technician)
    services.part_add(intervention=job, description="Courroie", quantity=1, unit_price=10)
    job.refresh_from_db()
    deadline, visit, part = job.deadline_at, job.visits.get(), job.parts.get()
    client.force_login(admin_user)
    url = reverse("admin:interventions_intervention_change", args=[job.pk])
    page = client.get(url)
    form = FormValues()
    form.feed(page.content.decode())
    data = dict(form.data)
    for name in (
        "billable_travel",
        "billable_labour",
        "billable_parts",
        "billing_overrides",
        "deadline_at_0",
        "visits-0-travel_km",
        "parts-0-unit_price",
    ):
        assert name not in data, name
    inlines = {i.opts.model: i for i in page.context["inline_admin_formsets"]}
    for model in (Visit, PartUsed):
        rights = inlines[model]
        assert (rights.has_add_permission, rights.has_change_permission) == (False, False)
        assert rights.has_delete_permission is False
    data.update(
        caller_name="M. Martin",
        billable_travel="on",
        billable_labour="on",
        billable_parts="on",
        billing_overrides='{"labour": {"value": true, "reason": "admin"}}',
        deadline_at_0="01/01/2030",
        deadline_at_1="12:00:00",
        **{
            "visits-TOTAL_FORMS": "2",
            "visits-INITIAL_FORMS": "1",
            "visits-0-id": str(visit.pk),
            "visits-0-intervention": str(job.pk),
            "visits-0-travel_km": "999",
            "visits-0-DELETE": "on",
            "parts-TOTAL_FORMS": "1",
            "parts-INITIAL_FORMS": "1",
            "parts-0-id": str(part.pk),
            "parts-0-intervention": str(job.pk),
            "parts-0-unit_price": "999",
            "parts-0-DELETE": "on",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    job.refresh_from_db()
    assert job.caller_name == "M. Martin"
    assert (job.billable_travel, job.billable_labour, job.billable_parts) == (False,) * 3
    assert (job.billing_overrides, job.deadline_at) == ({}, deadline)
    assert list(job.visits.values_list("pk", "travel_km")) == [(visit.pk, visit.travel_km)]
    assert list(job.parts.values_list("pk", "unit_price")) == [(part.pk, Decimal("10.00"))]


def test_admin_never_deletes_an_intervention(client, admin_user, technician):
    job = finished_job(technician)
    client.force_login(admin_user)
    url = reverse("admin:interventions_intervention_delete", args=[job.pk])
    assert client.get(url).status_code == 403
