"""One guard for every write on what the report shows: each write service × each status.

The table below is written out by hand. It is the rule as users know it, not a copy of
`interventions.guards`: the report is open from intake to "report finished"; it is closed while
the customer reads it on the tablet (awaiting signature) and for good once signed or cancelled;
billing decisions stay open until the intervention is billed.
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from interventions import roles, services, workflow
from interventions.models import Intervention, InterventionEvent, PartUsed, Status, Visit
from procedures import selectors
from procedures import services as procedure_services
from procedures.models import Kind, ProcedureRun, Result, RunEntry
from tests.factories import EquipmentFactory, UserFactory, make_intervention
from tests.procedures.conftest import build_list, build_printer_tree

STATUSES = (
    "new",
    "scheduled",
    "in_progress",
    "awaiting_signature",
    "signed",
    "billed",
    "cancelled",
)

# fmt: off
OK, NO = "ok", "refused"
EXPECTED = {
    #                                  new  sch  prog wait sign bill canc
    "report_update":                   (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "visit_record":                    (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "visit_arrive":                    (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "visit_depart":                    (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "visit_update":                    (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "part_add":                        (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "part_remove":                     (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "intervention_resolve":            (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "intervention_follow_up":          (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "intervention_additional_request": (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "out_of_conditions_record":        (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "run_attach":                      (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "run_record":                      (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "diagnostic_start":                (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "diagnostic_answer":               (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "diagnostic_back":                 (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "diagnostic_abandon":              (OK,  OK,  OK,  NO,  NO,  NO,  NO),
    "intervention_handover":           (OK,  OK,  OK,  OK,  NO,  NO,  NO),
    "billing_override":                (OK,  OK,  OK,  OK,  OK,  NO,  NO),
}
# fmt: on

# How the test brings a job to each status (workflow transitions only: the guard looks at status).
PATH_TO = {
    "new": [],
    "scheduled": ["scheduled"],
    "in_progress": ["in_progress"],
    "awaiting_signature": ["in_progress", "awaiting_signature"],
    "signed": ["in_progress", "awaiting_signature", "signed"],
    "billed": ["in_progress", "awaiting_signature", "signed", "billed"],
    "cancelled": ["cancelled"],
}


class Job:
    """An intervention holding one of everything a write service may touch."""

    def __init__(self, status: str):
        self.technician = UserFactory(username="tech", role=roles.TECHNICIAN)
        self.other_technician = UserFactory(username="tech2", role=roles.TECHNICIAN)
        self.dispatcher = UserFactory(username="disp", role=roles.DISPATCHER)
        self.manager = UserFactory(username="mgr", role=roles.MANAGER)
        self.tree = build_printer_tree(self.manager)
        self.checklist = build_list(Kind.INTERVENTION, "Contrôle imprimante", ["Vitre nettoyée"])
        self.acceptance = build_list(Kind.ACCEPTANCE, "Recette", ["Impression test"])
        self.intervention = make_intervention(equipment=EquipmentFactory())
        now = timezone.now()
        # Set up with the ORM, not the services: the services under test must not run here.
        Intervention.objects.filter(pk=self.intervention.pk).update(technician=self.technician)
        self.visit = Visit.objects.create(
            intervention=self.intervention,
            technician=self.technician,
            arrived_at=now - datetime.timedelta(hours=2),
        )
        self.part = PartUsed.objects.create(
            intervention=self.intervention,
            description="Tambour",
            quantity=Decimal("1"),
            unit_price=Decimal("80.00"),
        )
        self.checklist_run = ProcedureRun.objects.create(
            intervention=self.intervention, version=self.checklist.published_version()
        )
        self.diagnostic_run = ProcedureRun.objects.create(
            intervention=self.intervention, version=self.tree.published_version()
        )
        first = selectors.diagnostic_current_step(self.diagnostic_run)
        RunEntry.objects.create(
            run=self.diagnostic_run, step=first, position=1, answer=first.answers.get(label="Non")
        )
        for step in PATH_TO[status]:
            workflow.transition(self.intervention, step, actor=self.manager, note="raison")
        self.intervention.refresh_from_db()
        assert self.intervention.status == status


def call(service: str, job: Job) -> None:
    i, tech, now = job.intervention, job.technician, timezone.now()
    if service == "report_update":
        services.report_update(intervention=i, actor=tech, diagnostics="Tambour rayé.")
    elif service == "visit_record":
        services.visit_record(
            intervention=i,
            technician=job.other_technician,
            arrived_at=now - datetime.timedelta(minutes=30),
            left_at=now,
        )
    elif service == "visit_arrive":
        services.visit_arrive(intervention=i, technician=job.other_technician)
    elif service == "visit_depart":
        services.visit_depart(visit=job.visit, actor=tech, travel_km=Decimal("12.0"))
    elif service == "visit_update":
        services.visit_update(
            visit=job.visit,
            actor=tech,
            arrived_at=now - datetime.timedelta(hours=3),
            left_at=now - datetime.timedelta(hours=1),
            travel_km=Decimal("8.0"),
            travel_minutes=15,
        )
    elif service == "part_add":
        services.part_add(
            intervention=i, actor=tech, quantity=Decimal("1"), description="Câble USB"
        )
    elif service == "part_remove":
        services.part_remove(part_used=job.part, actor=tech)
    elif service == "intervention_resolve":
        services.intervention_resolve(intervention=i, actor=tech)
    elif service == "intervention_follow_up":
        services.intervention_follow_up(intervention=i, actor=tech, reason="Commander le tambour")
    elif service == "intervention_additional_request":
        services.intervention_additional_request(intervention=i, actor=tech, object="Le modem")
    elif service == "out_of_conditions_record":
        services.out_of_conditions_record(
            intervention=i, actor=tech, out_of_conditions=True, note="Papier inadapté"
        )
    elif service == "run_attach":
        procedure_services.run_attach(intervention=i, procedure=job.acceptance, actor=tech)
    elif service == "run_record":
        step = job.checklist_run.version.steps.get()
        procedure_services.run_record(
            run=job.checklist_run, results={step.pk: (Result.OK, "")}, actor=tech
        )
    elif service == "diagnostic_start":
        procedure_services.diagnostic_start(intervention=i, procedure=job.tree, actor=tech)
    elif service == "diagnostic_answer":
        question = selectors.diagnostic_current_step(job.diagnostic_run)
        procedure_services.diagnostic_answer(
            run=job.diagnostic_run, answer=question.answers.get(label="Oui"), actor=tech
        )
    elif service == "diagnostic_back":
        procedure_services.diagnostic_back(run=job.diagnostic_run, actor=tech)
    elif service == "diagnostic_abandon":
        procedure_services.diagnostic_abandon(run=job.diagnostic_run, actor=tech)
    elif service == "intervention_handover":
        services.intervention_handover(
            intervention=i,
            to_technician=job.other_technician,
            actor=job.dispatcher,
            note="Diagnostic fait, tambour à poser.",
        )
    elif service == "billing_override":
        services.billing_override(
            intervention=i, actor=job.manager, flag="travel", billable=False, reason="Geste"
        )
    else:
        raise AssertionError(f"no call written for {service}")


def state(intervention: Intervention) -> dict:
    """Everything of this job that a write service may change, as plain values."""
    return {
        "intervention": Intervention.objects.filter(pk=intervention.pk).values().get(),
        "visits": list(Visit.objects.filter(intervention=intervention).order_by("pk").values()),
        "parts": list(PartUsed.objects.filter(intervention=intervention).order_by("pk").values()),
        "runs": list(
            ProcedureRun.objects.filter(intervention=intervention).order_by("pk").values()
        ),
        "entries": list(
            RunEntry.objects.filter(run__intervention=intervention).order_by("pk").values()
        ),
        "events": list(
            InterventionEvent.objects.filter(intervention=intervention)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
        "children": list(intervention.children.values_list("pk", flat=True)),
    }


# What the French refusal must say (lower case), by status; billing decisions have their own.
REASON = {
    "awaiting_signature": "choisissez «\u00a0modifier le rapport\u00a0»",
    "signed": "est signée",
    "billed": "est signée",
    "cancelled": "est annulée",
}
REASON_BILLING = {"billed": "«\u00a0facturée\u00a0»", "cancelled": "«\u00a0annulée\u00a0»"}

CASES = [
    pytest.param(service, status, expected, id=f"{service}-{status}")
    for service, row in EXPECTED.items()
    for status, expected in zip(STATUSES, row, strict=True)
]


def test_the_table_has_one_column_per_status():
    assert set(STATUSES) == set(Status.values)
    assert set(PATH_TO) == set(STATUSES)


@pytest.mark.django_db
@pytest.mark.parametrize(("service", "status", "expected"), CASES)
def test_write_service_by_status(service, status, expected):
    job = Job(status)
    before = state(job.intervention)
    if expected == "refused":
        with pytest.raises(services.ReportLocked) as excinfo:
            call(service, job)
        reasons = REASON_BILLING if service == "billing_override" else REASON
        assert reasons[status] in " ".join(excinfo.value.messages).lower()
        assert state(job.intervention) == before
    else:
        call(service, job)
        assert state(job.intervention) != before


def test_dispatcher_cannot_run_a_diagnostic_into_a_report_awaiting_signature(
    dispatcher, technician
):
    """Observation 8: the path must not be appended after the technician has signed."""
    tree = build_printer_tree(dispatcher)
    job = make_intervention(equipment=EquipmentFactory(), actor=dispatcher)
    run = procedure_services.diagnostic_start(intervention=job, procedure=tree, actor=dispatcher)
    first = selectors.diagnostic_current_step(run)
    procedure_services.diagnostic_answer(
        run=run, answer=first.answers.get(label="Non"), actor=dispatcher
    )
    services.intervention_assign(intervention=job, technician=technician, actor=dispatcher)
    now = timezone.now()
    services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=now - datetime.timedelta(hours=1),
        left_at=now,
    )
    services.report_update(intervention=job, actor=technician, work_done="Tambour remplacé.")
    services.report_submit(intervention=job, actor=technician)

    second = selectors.diagnostic_current_step(run)
    with pytest.raises(services.ReportLocked, match="Modifier le rapport"):
        procedure_services.diagnostic_answer(
            run=run, answer=second.answers.get(label="Oui"), actor=dispatcher
        )
    job.refresh_from_db()
    assert job.diagnostics == ""
    run.refresh_from_db()
    assert run.finished_at is None
    assert run.entries.count() == 1
