"""One small, complete world in which every URL with parameters reaches a real object.

Built once per test module (`conftest.world`), shared by the authorisation matrix and the
hostile-input tests; each request of those tests runs in a savepoint that is rolled back, so
the world reads the same for every case.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from interventions import roles, services
from interventions.calendar import calendar_feed_regenerate
from interventions.models import BillingRates, OutgoingEmail, ReportAmendment
from procedures import services as procedure_services
from procedures.models import Kind, Step
from tests.factories import (
    ClientFactory,
    ContractFactory,
    EquipmentFactory,
    PartFactory,
    SiteFactory,
    UserFactory,
    make_intervention,
)
from tests.interventions.billing_helpers import signed_intervention
from tests.interventions.tablet_helpers import finished_job, signed_job
from tests.procedures.conftest import build_printer_tree

PASSWORD = "secret-pass-123"


@dataclass
class World:
    users: dict  # role name of the matrix -> user (anonymous: None)
    client: object
    site: object
    equipment_a: object  # on technician A's jobs
    equipment_b: object  # only on technician B's job
    contract: object  # with annual visits
    part: object
    job_new: object  # unassigned, no equipment
    job_open: object  # assigned to A, visited, a part, texts, a checklist, a diagnostic run
    job_finished: object  # assigned to A, awaiting signature
    job_signed: object  # signed (PDF stored)
    job_amended: object  # signed, an amendment awaiting the customer's signature
    job_b: object  # assigned to B
    visit: object  # of job_open
    part_used: object  # on job_open
    run: object  # diagnostic run in progress on job_open
    procedure_published: object
    procedure_draft: object
    draft_step: object
    draft_answer: object
    lockout: object  # technician B locked out of the login page (django-axes)
    email: object  # the e-mail of job_signed's report, failed (the e-mails page, resend)
    calendar_token: str = ""  # technician A's private calendar address

    def url_kwargs(self, name: str, keywords) -> dict:
        """Values for the URL keywords of the route `name`, each reaching a real object that
        the route acts on (the job that is at the right stage for it)."""
        pk = {
            "interventions-sign": self.job_finished.pk,
            "interventions-sign-technician": self.job_finished.pk,
            "interventions-sign-customer": self.job_finished.pk,
            "interventions-amendment-sign": self.job_amended.pk,
            "interventions-report-pdf": self.job_signed.pk,
            "interventions-report-version-pdf": self.job_signed.pk,
            "interventions-billing-override": self.job_signed.pk,
            "interventions-unbill": self.job_signed.pk,
            "interventions-amendment-request": self.job_signed.pk,
            "interventions-assign": self.job_new.pk,
            "interventions-contract": self.job_new.pk,
            "interventions-cancel": self.job_new.pk,
            "interventions-equipment-history": self.equipment_a.pk,
            "interventions-change-log": self.client.pk,
            "interventions-email-resend": self.email.pk,
            "interventions-report-resend": self.job_signed.pk,
            "api:client-detail": self.client.pk,
            "api:site-detail": self.site.pk,
            "api:contract-detail": self.contract.pk,
            "api:equipment-detail": self.equipment_a.pk,
            "api:intervention-report-pdf": self.job_signed.pk,
            "api:intervention-verification": self.job_signed.pk,
            "api:intervention-assignment": self.job_new.pk,
            "procedures-detail": self.procedure_published.pk,
            "procedures-edit": self.procedure_published.pk,
            "procedures-draft": self.procedure_draft.pk,
            "procedures-settings": self.procedure_draft.pk,
            "procedures-step-add": self.procedure_draft.pk,
            "procedures-publish": self.procedure_draft.pk,
            "procedures-archive": self.procedure_published.pk,
            "procedures-step-edit": self.draft_step.pk,
            "procedures-step-delete": self.draft_step.pk,
            "procedures-step-move": self.draft_step.pk,
            "procedures-answer-add": self.draft_step.pk,
            "procedures-answer-edit": self.draft_answer.pk,
            "procedures-answer-delete": self.draft_answer.pk,
            "procedures-diagnostic-answer": self.run.pk,
            "procedures-diagnostic-back": self.run.pk,
            "procedures-diagnostic-abandon": self.run.pk,
        }.get(name, self.job_open.pk)
        values = {
            "pk": pk,
            "visit_pk": self.visit.pk,
            "part_pk": self.part_used.pk,
            "contract_pk": self.contract.pk,
            "version": 1,
            "number": self.job_signed.number,
            "fmt": "csv",
            "direction": "up",
            "kind": "client",
            "token": self.calendar_token,
        }
        return {key: values[key] for key in keywords}


def build_world() -> World:
    BillingRates.objects.update_or_create(
        pk=1,
        defaults={
            "hourly_rate": Decimal("60"),
            "travel_per_km": Decimal("0.50"),
            "travel_flat_fee": Decimal("15"),
            "vat_rate": Decimal("20"),
            "internal_hourly_cost": Decimal("30"),
            "vehicle_cost_per_km": Decimal("0.40"),
        },
    )
    tech_a = UserFactory(username="tech-a", role=roles.TECHNICIAN)
    tech_b = UserFactory(username="tech-b", role=roles.TECHNICIAN)
    dispatcher = UserFactory(username="dispatch", role=roles.DISPATCHER)
    manager = UserFactory(username="boss", role=roles.MANAGER)
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    # Technician A's token of the REST API: the admin's token pages reach a real one.
    Token.objects.create(user=tech_a)
    users = {
        "anonymous": None,
        "tech_a": tech_a,
        "tech_b": tech_b,
        "dispatcher": dispatcher,
        "manager": manager,
        "superuser": superuser,
    }

    client = ClientFactory(name="Cabinet Durand")
    site = SiteFactory(client=client)
    contract = ContractFactory(client=client, annual_visits=2, covers_labour=True)
    equipment_a = EquipmentFactory(client=client, site=site, contract=contract)
    equipment_b = EquipmentFactory(serial_number="SN-OF-B")
    part = PartFactory(reference="TONER-1", unit_price=Decimal("80.00"))

    job_new = make_intervention(client=client, object="Poste lent", actor=dispatcher)

    job_open = make_intervention(equipment=equipment_a, object="Taches", actor=dispatcher)
    services.intervention_assign(intervention=job_open, technician=tech_a, actor=dispatcher)
    now = timezone.now()
    visit = services.visit_record(
        intervention=job_open,
        technician=tech_a,
        arrived_at=now - datetime.timedelta(hours=2),
        left_at=now - datetime.timedelta(hours=1),
        travel_km=Decimal("12"),
        travel_minutes=20,
    )
    part_used = services.part_add(
        intervention=job_open, part=part, quantity=Decimal("1"), actor=tech_a
    )
    services.report_update(intervention=job_open, work_done="Nettoyage.", actor=tech_a)

    tree = build_printer_tree(manager)
    procedure_services.run_attach(
        intervention=job_open,
        procedure=_checklist(manager),
        actor=tech_a,
    )
    run = procedure_services.diagnostic_start(intervention=job_open, procedure=tree, actor=tech_a)

    draft_procedure = build_printer_tree(manager, publish=False)
    draft = draft_procedure.draft_version()
    draft_step = draft.steps.filter(kind=Step.Kind.QUESTION).order_by("position").last()
    draft_answer = draft_step.answers.order_by("pk").first()

    job_finished = finished_job(tech_a)
    job_signed = signed_job(tech_a)
    job_amended = signed_intervention(tech_a, equipment=equipment_a)
    services.amendment_request(
        intervention=job_amended,
        actor=manager,
        changes={"labour": True},
        reason="Main-d'œuvre hors contrat",
    )
    job_b = make_intervention(equipment=equipment_b, object="Écran noir", actor=dispatcher)
    services.intervention_assign(intervention=job_b, technician=tech_b, actor=dispatcher)
    services.report_update(intervention=job_b, diagnostics="Dalle HS chez B.", actor=tech_b)

    login = {"username": "tech-b", "ip_address": "10.0.0.7", "user_agent": "Tablette"}
    login |= {"http_accept": "text/html", "path_info": "/accounts/login/"}
    lockout = AccessAttempt.objects.create(
        **login, get_data="", post_data="", failures_since_start=settings.AXES_FAILURE_LIMIT
    )
    AccessFailureLog.objects.create(**login, locked_out=True)

    # Its client has a billing address: « Renvoyer » queues a real e-mail (never sent: the
    # cases run in a transaction rolled back, and on_commit never fires).
    job_signed.client.billing_email = "compta@durand.example"
    job_signed.client.save()
    email = OutgoingEmail.objects.create(
        kind=OutgoingEmail.Kind.SIGNED_REPORT,
        intervention=job_signed,
        recipients=["compta@durand.example"],
        subject=f"Rapport d'intervention n° {job_signed.number} signé",
        body="…",
        state=OutgoingEmail.State.FAILED,
        attempts=6,
        last_error="Le serveur de messagerie a refusé la connexion (127.0.0.1:25).",
    )

    assert ReportAmendment.objects.filter(intervention=job_amended, signed_at=None).exists()
    for job in (job_open, job_finished, job_signed, job_amended, job_b, job_new):
        job.refresh_from_db()
    return World(
        users=users,
        client=client,
        site=site,
        equipment_a=equipment_a,
        equipment_b=equipment_b,
        contract=contract,
        part=part,
        job_new=job_new,
        job_open=job_open,
        job_finished=job_finished,
        job_signed=job_signed,
        job_amended=job_amended,
        job_b=job_b,
        visit=visit,
        part_used=part_used,
        run=run,
        procedure_published=tree,
        procedure_draft=draft_procedure,
        draft_step=draft_step,
        draft_answer=draft_answer,
        lockout=lockout,
        calendar_token=calendar_feed_regenerate(user=tech_a).token,
        email=email,
    )


def _checklist(manager):
    procedure = procedure_services.procedure_create(
        kind=Kind.INTERVENTION, title="Contrôle imprimante", actor=manager
    )
    draft = procedure.draft_version()
    procedure_services.step_add(version=draft, label="Vitre nettoyée", required=True)
    procedure_services.step_add(version=draft, label="Page de test imprimée")
    procedure_services.version_publish(version=draft, actor=manager)
    return procedure
