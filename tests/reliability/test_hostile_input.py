"""Every form and JSON endpoint driven by hypothesis with random and hostile values.

Per case: no exception and no status >= 500; when the answer is a refusal (status >= 400, an
error message, or a form shown again with errors), or for any GET, the database reads exactly
as before (every row of every table of the apps and of the users). Each case runs in a
savepoint rolled back afterwards, so the world is the same for all.

Figures and how to run: docs/reliability.md, « Entrées hostiles (hypothesis) ».
"""

import datetime
import hashlib
import json
import os
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib import messages
from django.db import connection, transaction
from django.forms import BaseForm
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interventions import services

from . import hostile
from .routes import all_routes

# `HYPOTHESIS_PROFILE=dev` (or FUZZ_SCALE=10) for a longer, non-derandomised search.
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=list(HealthCheck),
)
settings.register_profile(
    "dev", deadline=None, print_blob=True, suppress_health_check=list(HealthCheck)
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
SCALE = float(os.environ.get("FUZZ_SCALE", "10" if settings().derandomize is False else "1"))

EXAMPLES = 20  # per endpoint in CI; EXAMPLES_WITHOUT_INPUT for those that read no field
EXAMPLES_WITHOUT_INPUT = 8


# The dashboard's monthly summary, filled when a period is read.
STATS_SUMMARY_TABLES = [
    "interventions_statsmonth",
    "interventions_statsmonthtotals",
    "interventions_statsmonthclient",
    "interventions_statsmonthkind",
    "interventions_statsmonthpart",
    "interventions_statsmonthtechnician",
]


@dataclass
class Spec:
    user: str  # role of tests/reliability/world.py
    method: str = "POST"
    fields: object = None  # world -> {name: strategy}
    path: object = None  # world -> strategy of URL kwargs (the hostile part of a URL)
    examples: int = EXAMPLES
    htmx: bool = False  # also sent as htmx requests
    # world -> {header: strategy}: headers sent (each one or not), e.g. the offline replay's
    headers: object = None
    # Tables a refusal is meant to write: a failed login is counted (django-axes' lockout).
    refusal_writes: frozenset = frozenset()
    marks: list = field(default_factory=list)
    json: bool = False  # the REST API: the payload sent as a JSON body


def _segment(size: int) -> st.SearchStrategy:
    """A hostile URL path segment (no slash: the converter would not match)."""
    return st.from_regex(rf"[^/\s]{{1,{size}}}", fullmatch=True)


def _period(w):
    today = timezone.localdate()
    return {"date_from": hostile.dates_around(today), "date_to": hostile.dates_around(today)}


def _billing_filters(w):
    return _period(w) | {
        "client": hostile.ids([w.client.pk]),
        "client_search": hostile.choices([w.client.number, "Durand", "CLI-", ""]),
        "contract": hostile.ids([w.contract.pk]),
        "contract_search": hostile.choices([w.contract.number, "Durand", ""]),
        "status": hostile.choices(["", "signed", "billed", "all"]),
        "page": hostile.numbers,
        "date_basis": hostile.choices(["signed", "requested", "nope"]),
    }


def _intake_context(w):
    now = timezone.localtime()
    return {
        "requested_at": hostile.datetimes_around(now),
        "contract": hostile.ids([w.contract.pk]) | hostile.choices(["none", "", "0"]),
    }


def _step_fields(prefix, w):
    return {
        f"{prefix}-kind": hostile.choices(["step", "question", "conclusion"]),
        f"{prefix}-label": hostile.choices(["Vérifier le câble"]),
        f"{prefix}-details": st.just("Détails"),
        f"{prefix}-required": hostile.choices(["on", "1"]),
        f"{prefix}-cause": st.just("Cause"),
        f"{prefix}-action": st.just("Action"),
        f"{prefix}-escalation": hostile.choices(["", "send_technician", "nope"]),
    }


def _procedure_fields(prefix, w):
    p = f"{prefix}-" if prefix else ""
    return {
        f"{p}kind": hostile.choices(["diagnostic", "intervention", "acceptance", "nope"]),
        f"{p}title": hostile.choices(["Contrôle réseau"]),
        f"{p}summary": st.just("Résumé"),
        f"{p}equipment_kinds": hostile.choices(["printer", "computer", "nope"]),
        f"{p}contract_kinds": hostile.choices(["maintenance", "nope"]),
        f"{p}planned_only": hostile.choices(["on"]),
    }


def _checklist_fields(w):
    fields = {"saved_from": hostile.ids([w.job_open.pk])}
    for run in w.job_open.procedure_runs.all():
        for step in run.version.steps.all():
            fields[f"result-{step.pk}"] = hostile.choices(["ok", "nok", "na", "done", ""])
            fields[f"comment-{step.pk}"] = st.just("RAS")
    return fields


def _technicians(w):
    return hostile.ids([w.users["tech_a"].pk, w.users["tech_b"].pk])


def _answers(w):
    from procedures.models import Answer

    return hostile.ids(list(Answer.objects.values_list("pk", flat=True)))


def _procedures(w):
    return hostile.ids([w.procedure_published.pk, w.procedure_draft.pk])


def _shown(w):
    return st.sampled_from([services.report_content(w.job_finished)[1], "0" * 64])


def _picker_query(w, name):
    """The picker's htmx request: the text is read from the parameter `field` names."""
    search = f"{name}_search"
    return {
        "field": hostile.choices([search, "q", "nope"]),
        search: hostile.choices([w.client.number, "Durand", "CLI-", "a"]),
        "q": hostile.choices(["Durand", w.contract.number]),
        "list": hostile.choices([f"{name}-list"]),
    }


def _email_filters(w):
    return {
        "state": hostile.choices(["queued", "retrying", "sent", "failed"]),
        "kind": hostile.choices(["signed_report", "unsigned_reminder"]),
        "intervention": hostile.ids([w.job_signed.pk]),
        "page": hostile.numbers,
    }


def _change_log_path(w):
    from interventions.changelog import TRACKED

    real = [("client", w.client.pk), ("site", w.site.pk), ("contract", w.contract.pk)]
    real += [("equipment", w.equipment_a.pk), ("part", w.part.pk), ("billing-rates", 1)]
    return st.one_of(
        st.sampled_from([{"kind": kind, "pk": pk} for kind, pk in real]),
        st.fixed_dictionaries(
            {
                # What the slug converter lets through to the view.
                "kind": st.one_of(
                    st.sampled_from(sorted(TRACKED)),
                    st.from_regex(r"[-a-zA-Z0-9_]{1,20}", fullmatch=True),
                ),
                "pk": st.integers(min_value=0, max_value=2**70),
            }
        ),
    )


def _replay_headers() -> dict:
    return {
        "X-Offline-Replay": st.sampled_from(["1", "0", ""]),
        "Idempotency-Key": hostile.idempotency_keys,
        "X-Device-Time": hostile.device_times(timezone.now()),
    }


OFFLINE_REFUSAL_WRITES = frozenset(
    {"interventions_replayedaction", "interventions_interventionevent"}
)

SPECS = {
    # The REST API (interventions/api/): JSON bodies through the pages' forms and services;
    # its lists' filters as query strings. schemathesis drives every operation too
    # (tests/interventions/test_api_schemathesis.py).
    "api:client-list": Spec(
        "dispatcher",
        fields=lambda w: {
            "name": hostile.choices(["Garage Martin"]),
            "email": hostile.choices(["atelier@example.fr", "pas-un-mail"]),
            "phone": hostile.choices(["04 78 00 00 00"]),
            "postal_code": hostile.choices(["69003"]),
            "city": hostile.choices(["Lyon"]),
        },
        json=True,
    ),
    "api:site-list": Spec(
        "dispatcher",
        fields=lambda w: {
            "client": hostile.ids([w.client.pk]),
            "label": hostile.choices(["Atelier"]),
            "contact_phone": hostile.choices(["06 00 00 00 00"]),
        },
        json=True,
    ),
    "api:intervention-list": Spec(
        "dispatcher",
        fields=lambda w: {
            "client": hostile.ids([w.client.pk]),
            "site": hostile.ids([w.site.pk]),
            "equipment": hostile.ids([w.equipment_a.pk, w.equipment_b.pk]),
            "object": hostile.choices(["Écran noir"]),
            "caller_name": hostile.choices(["Mme Roux"]),
            "channel": hostile.choices(["phone", "email", "planned", "fax"]),
            "priority": hostile.choices(["1", "2", "3", "9"]),
            "requested_at": hostile.datetimes_around(timezone.localtime()),
            "contract": hostile.choices(["none", str(w.contract.pk), ""]),
        },
        json=True,
    ),
    "api:intervention-report": Spec(
        "tech_a",
        "PATCH",
        fields=lambda w: {
            "diagnostics": hostile.choices(["Tambour usé."]),
            "work_done": hostile.choices(["Nettoyage."]),
            "remarks": hostile.choices([""]),
            "version": hostile.versions(w.job_open.texts_version),
        },
        json=True,
    ),
    "api:intervention-assignment": Spec(
        "dispatcher",
        fields=lambda w: {
            "technician": hostile.ids([w.users["tech_a"].pk, w.users["tech_b"].pk]),
            "scheduled_start": hostile.datetimes_around(timezone.localtime()),
            "scheduled_end": hostile.datetimes_around(timezone.localtime()),
            "version": hostile.versions(w.job_new.assignment_version),
        },
        json=True,
    ),
    "api:contract-list": Spec(
        "dispatcher",
        "GET",
        lambda w: {
            "client": hostile.ids([w.client.pk]),
            "kind": hostile.choices(["maintenance", "assistance", "x"]),
            "active_on": hostile.dates_around(timezone.localdate()),
            "page": hostile.numbers,
            "page_size": hostile.numbers,
        },
    ),
    "api:equipment-list": Spec(
        "dispatcher",
        "GET",
        lambda w: {
            "client": hostile.ids([w.client.pk]),
            "site": hostile.ids([w.site.pk]),
            "contract": hostile.ids([w.contract.pk]),
            "serial_number": hostile.choices(["SN-OF-B"]),
            "page": hostile.numbers,
        },
    ),
    "api:billing-rows": Spec(
        "manager",
        "GET",
        lambda w: (
            _period(w)
            | {
                "client": hostile.ids([w.client.pk]),
                "contract": hostile.ids([w.contract.pk]),
                "status": hostile.choices(["to_bill", "billed", "all", "x"]),
                "date_basis": hostile.choices(["signed", "billed", "x"]),
                "page": hostile.numbers,
                "page_size": hostile.numbers,
            }
        ),
    ),
    "interventions-api-token": Spec("tech_a", examples=EXAMPLES_WITHOUT_INPUT),
    # Django's own
    "login": Spec(
        "anonymous",
        fields=lambda w: {"username": st.just("tech-a"), "password": st.just("x")},
        refusal_writes=frozenset({"axes_accessattempt", "axes_accessfailurelog"}),
    ),
    "set_language": Spec(
        "tech_a",
        fields=lambda w: {
            "language": hostile.choices(["fr", "en", "de"]),
            "next": hostile.choices(["/interventions/mine/", "https://evil.example/", "//x"]),
        },
    ),
    # Lists and filters (GET)
    "interventions-list": Spec(
        "dispatcher",
        "GET",
        lambda w: {
            "q": hostile.choices(["Durand"]),
            "status": hostile.choices(["new", "assigned", "signed"]),
            "technician": _technicians(w),
            "client": hostile.choices(["Durand"]),
            "priority": hostile.choices(["1", "2", "3"]),
            "deadline": hostile.choices(["late", "soon", "none"]),
            "requested_after": hostile.dates_around(timezone.localdate()),
            "requested_before": hostile.dates_around(timezone.localdate()),
            "page": hostile.numbers,
        },
    ),
    "interventions-planning": Spec(
        "dispatcher",
        "GET",
        lambda w: {
            "day": hostile.dates_around(timezone.localdate()),
            "view": hostile.choices(["day", "week"]),
        },
    ),
    "interventions-dashboard": Spec(
        "manager",
        "GET",
        lambda w: _period(w) | {"csv": hostile.choices(["technicians", "clients", "nope"])},
        # Reading a period computes the monthly summary of its closed months if missing
        # (interventions/stats_summary.py): a cache of figures, never user input.
        refusal_writes=frozenset(STATS_SUMMARY_TABLES),
    ),
    "interventions-dashboard-visits": Spec(
        "manager", "GET", lambda w: {"page": hostile.numbers}, examples=EXAMPLES_WITHOUT_INPUT
    ),
    "interventions-billing": Spec("manager", "GET", _billing_filters),
    "interventions-pick-client": Spec("manager", "GET", lambda w: _picker_query(w, "client")),
    "interventions-pick-contract": Spec("manager", "GET", lambda w: _picker_query(w, "contract")),
    "interventions-change-log": Spec(
        "manager",
        "GET",
        lambda w: {},
        path=_change_log_path,
        examples=EXAMPLES_WITHOUT_INPUT,
    ),
    "interventions-emails": Spec("manager", "GET", lambda w: _email_filters(w)),
    "interventions-login-lockouts": Spec(
        "manager", "GET", lambda w: {}, examples=EXAMPLES_WITHOUT_INPUT
    ),
    "interventions-login-unlock": Spec(
        "manager", fields=lambda w: {"attempt": hostile.ids([w.lockout.pk])}
    ),
    "interventions-billing-export": Spec(
        "manager",
        "GET",
        _billing_filters,
        path=lambda w: st.fixed_dictionaries(
            {
                "fmt": st.one_of(
                    st.sampled_from(["csv", "xlsx", "pdf"]),
                    _segment(9),
                )
            }
        ),
    ),
    "interventions-intake-search": Spec(
        "dispatcher", "GET", lambda w: {"q": hostile.choices(["Dur", "CLI-"])}
    ),
    "interventions-intake-client": Spec(
        "dispatcher",
        "GET",
        lambda w: (
            {
                "client": hostile.ids([w.client.pk]),
                "site": hostile.ids([w.site.pk]),
                "equipment": hostile.ids([w.equipment_a.pk, w.equipment_b.pk]),
            }
            | _intake_context(w)
        ),
    ),
    "interventions-intake-entitlement": Spec(
        "dispatcher",
        "GET",
        lambda w: (
            {
                "client": hostile.ids([w.client.pk]),
                "equipment": hostile.ids([w.equipment_a.pk, w.equipment_b.pk]),
            }
            | _intake_context(w)
        ),
    ),
    "interventions-work-part-search": Spec(
        "tech_a", "GET", lambda w: {"q": hostile.choices(["TONER", "REF"])}
    ),
    "procedures-list": Spec(
        "manager",
        "GET",
        lambda w: {
            "q": hostile.choices(["imprimante"]),
            "kind": hostile.choices(["diagnostic", "intervention"]),
            "archived": hostile.choices(["1", "0"]),
        },
    ),
    "procedures-detail": Spec(
        "manager", "GET", lambda w: {"version": hostile.choices(["1", "2", "draft"])}
    ),
    "reports-verify": Spec(
        "anonymous",
        "GET",
        lambda w: {},
        path=lambda w: st.fixed_dictionaries(
            {"number": st.one_of(st.just(w.job_signed.number), _segment(40))}
        ),
    ),
    # Intake
    "interventions-intake": Spec(
        "dispatcher",
        fields=lambda w: (
            {
                "client": hostile.ids([w.client.pk]),
                "site": hostile.ids([w.site.pk]),
                "equipment": hostile.ids([w.equipment_a.pk, w.equipment_b.pk]),
                "caller_name": hostile.choices(["Mme Durand"]),
                "caller_phone": hostile.choices(["04 78 00 00 00"]),
                "channel": hostile.choices(["phone", "email", "planned"]),
                "priority": hostile.choices(["1", "2", "3"]),
                "object": hostile.choices(["Imprimante en panne"]),
            }
            | _intake_context(w)
        ),
    ),
    "interventions-intake-client-create": Spec(
        "dispatcher",
        fields=lambda w: (
            {
                "nc-name": hostile.choices(["Boulangerie Roux"]),
                "nc-phone": hostile.choices(["04 78 11 22 33"]),
                "nc-email": hostile.choices(["a@b.fr", "pas un mail"]),
                "nc-address": st.just("1 rue de la Paix"),
                "nc-postal_code": hostile.choices(["69003"]),
                "nc-city": st.just("Lyon"),
                "nc-site_label": hostile.choices(["Atelier"]),
            }
            | _intake_context(w)
        ),
        htmx=True,
    ),
    "interventions-intake-site-create": Spec(
        "dispatcher",
        fields=lambda w: (
            {
                "client": hostile.ids([w.client.pk]),
                "ns-label": hostile.choices(["Entrepôt"]),
                "ns-address": st.just("2 rue Neuve"),
                "ns-postal_code": hostile.choices(["69001"]),
                "ns-city": st.just("Lyon"),
                "ns-contact_name": st.just("M. Roux"),
                "ns-contact_phone": st.just("06 00 00 00 00"),
                "ns-contact_email": hostile.choices(["accueil@durand.example", "accueil@"]),
                "equipment": hostile.ids([w.equipment_a.pk]),
            }
            | _intake_context(w)
        ),
        htmx=True,
    ),
    # Dispatch
    "interventions-assign": Spec(
        "dispatcher",
        fields=lambda w: {
            "technician": _technicians(w),
            "scheduled_start": hostile.datetimes_around(timezone.localtime()),
            "scheduled_end": hostile.datetimes_around(timezone.localtime()),
            "version": hostile.versions(w.job_new.assignment_version),
        },
    ),
    "interventions-contract": Spec(
        "dispatcher",
        fields=lambda w: {"contract": hostile.ids([w.contract.pk]) | hostile.choices(["none"])},
    ),
    "interventions-handover": Spec(
        "dispatcher",
        fields=lambda w: {
            "to_technician": _technicians(w),
            "note": hostile.choices(["Congés"]),
            "next": hostile.choices(["/interventions/", "https://evil.example/"]),
            "version": hostile.versions(w.job_open.assignment_version),
        },
    ),
    "interventions-cancel": Spec(
        "dispatcher", fields=lambda w: {"reason": hostile.choices(["Doublon"])}
    ),
    "interventions-visits-create": Spec("dispatcher", examples=EXAMPLES_WITHOUT_INPUT),
    # Tablet
    # The arrival, departure and customer's signature are also replayed from the offline
    # queue (docs/offline.md): hostile idempotency keys, device times, references to objects
    # created offline. A refused replay stores its answer with its key (ReplayedAction) and a
    # refused offline signature tells the dispatcher (an event): the writes of a refusal.
    "interventions-work-arrive": Spec(
        "tech_a",
        headers=lambda w: _replay_headers(),
        refusal_writes=OFFLINE_REFUSAL_WRITES,
    ),
    "interventions-work-depart": Spec(
        "tech_a",
        fields=lambda w: {
            "travel_km": hostile.numbers,
            "travel_minutes": hostile.numbers,
            "created_by_key": hostile.idempotency_keys,
        },
        path=lambda w: st.fixed_dictionaries({"visit_pk": st.sampled_from([w.visit.pk, 0])}),
        headers=lambda w: _replay_headers(),
        refusal_writes=OFFLINE_REFUSAL_WRITES,
    ),
    "interventions-work-visit": Spec(
        "tech_a",
        fields=lambda w: {
            "arrived_at": hostile.datetimes_around(timezone.localtime()),
            "left_at": hostile.datetimes_around(timezone.localtime()),
            "travel_km": hostile.numbers,
            "travel_minutes": hostile.numbers,
            "version": hostile.versions(w.visit.version),
        },
    ),
    "interventions-work-report": Spec(
        "tech_a",
        fields=lambda w: {
            "diagnostics": hostile.choices(["Fusible"]),
            "work_done": hostile.choices(["Remplacé"]),
            "remarks": hostile.choices(["RAS"]),
            "version": hostile.versions(w.job_open.texts_version),
            "page": hostile.choices(["p-1a2b3c", "p-other"]),
        },
    ),
    "interventions-work-part-add": Spec(
        "tech_a",
        fields=lambda w: {
            "part": hostile.ids([w.part.pk]),
            "description": hostile.choices(["Câble"]),
            "quantity": hostile.numbers,
            "unit_price": hostile.numbers,
            "version": hostile.versions(w.job_open.parts_version),
        },
        htmx=True,
    ),
    "interventions-work-part-remove": Spec(
        "tech_a",
        fields=lambda w: {"version": hostile.versions(w.job_open.parts_version)},
        examples=EXAMPLES_WITHOUT_INPUT,
        htmx=True,
    ),
    "interventions-work-other-request": Spec(
        "tech_a", fields=lambda w: {"object": hostile.choices(["Le scanner aussi"])}
    ),
    "interventions-work-resolve": Spec("tech_a", examples=EXAMPLES_WITHOUT_INPUT),
    "interventions-work-follow-up": Spec(
        "tech_a", fields=lambda w: {"reason": hostile.choices(["Pièce à commander"])}
    ),
    "interventions-work-handover": Spec(
        "tech_a",
        fields=lambda w: {
            "to_technician": _technicians(w),
            "note": hostile.choices(["Relais"]),
            "version": hostile.versions(w.job_open.assignment_version),
        },
    ),
    "interventions-work-submit": Spec("tech_a", examples=EXAMPLES_WITHOUT_INPUT),
    "interventions-work-reopen": Spec("tech_a", examples=EXAMPLES_WITHOUT_INPUT),
    "interventions-out-of-conditions": Spec(
        "tech_a",
        fields=lambda w: {
            "out_of_conditions": hostile.choices(["on", "1"]),
            "note": hostile.choices(["Client absent"]),
            "from": hostile.choices(["work"]),
        },
    ),
    # Signing
    "interventions-sign-technician": Spec(
        "tech_a",
        fields=lambda w: {
            "shown_sha256": _shown(w),
            "signature": hostile.signatures(allow_ink=True),
        },
    ),
    "interventions-sign-customer": Spec(
        "tech_a",
        fields=lambda w: {
            "shown_sha256": _shown(w),
            "signatory_name": hostile.choices(["Mme Roux"]),
            "signatory_email": hostile.choices(["m.roux@exemple.fr", "m.roux@", ""]),
            # A valid customer signature renders the PDF (seconds): the signing tests do that.
            "signature": hostile.signatures(allow_ink=False),
            "stamp": hostile.files,
            "summary_fingerprint": hostile.choices(["0" * 64, "F" * 64]),
            "summary_json": hostile.choices(['{"number": "x"}', "null"]),
            "signed_on_device_at": hostile.device_times(timezone.now()),
        },
        headers=lambda w: _replay_headers(),
        refusal_writes=OFFLINE_REFUSAL_WRITES,
    ),
    "interventions-amendment-sign": Spec(
        "tech_a",
        fields=lambda w: {
            "signatory_name": hostile.choices(["Mme Roux"]),
            "signature": hostile.signatures(allow_ink=False),
        },
    ),
    # Billing
    "interventions-billing-mark": Spec(
        "manager",
        fields=lambda w: {
            "pk": hostile.ids([w.job_signed.pk, w.job_amended.pk]),
            "query": hostile.choices(["status=signed"]),
        },
    ),
    "interventions-billing-rates": Spec(
        "manager",
        fields=lambda w: {
            "rates-hourly_rate": hostile.numbers,
            "rates-travel_per_km": hostile.numbers,
            "rates-travel_flat_fee": hostile.numbers,
            "rates-vat_rate": hostile.numbers,
            "rates-internal_hourly_cost": hostile.numbers,
            "rates-vehicle_cost_per_km": hostile.numbers,
            "contract-contract": hostile.ids([w.contract.pk]),
            "contract-contract_search": hostile.choices([w.contract.number, "Durand", ""]),
            "contract-hourly_rate": hostile.numbers,
            "contract-travel_per_km": hostile.numbers,
            "contract-travel_flat_fee": hostile.numbers,
        },
    ),
    "interventions-billing-override": Spec(
        "manager",
        fields=lambda w: {
            "flag": hostile.choices(["travel", "labour", "parts"]),
            "billable": hostile.choices(["0", "1"]),
            "reason": hostile.choices(["Geste commercial"]),
        },
    ),
    "interventions-unbill": Spec(
        "superuser", fields=lambda w: {"reason": hostile.choices(["Erreur"])}
    ),
    # E-mails: « Renvoyer » (the list's filters are posted back to return to them)
    "interventions-email-resend": Spec("manager", fields=lambda w: _email_filters(w)),
    "interventions-report-resend": Spec("dispatcher", examples=EXAMPLES_WITHOUT_INPUT),
    "interventions-amendment-request": Spec(
        "manager",
        fields=lambda w: {
            "items": hostile.choices(["travel", "labour", "parts"]),
            "reason": hostile.choices(["Oubli"]),
        },
    ),
    # Procedures: the editor
    "procedures-create": Spec("manager", fields=lambda w: _procedure_fields("", w)),
    "procedures-edit": Spec("manager", examples=EXAMPLES_WITHOUT_INPUT),
    "procedures-settings": Spec("manager", fields=lambda w: _procedure_fields("p", w)),
    "procedures-step-add": Spec("manager", fields=lambda w: _step_fields("new", w)),
    "procedures-step-edit": Spec(
        "manager", fields=lambda w: _step_fields(f"s{w.draft_step.pk}", w)
    ),
    "procedures-step-delete": Spec("manager", examples=EXAMPLES_WITHOUT_INPUT),
    "procedures-step-move": Spec(
        "manager",
        fields=lambda w: {},
        path=lambda w: st.fixed_dictionaries(
            {"direction": st.one_of(st.sampled_from(["up", "down"]), _segment(12))}
        ),
    ),
    "procedures-answer-add": Spec(
        "manager",
        fields=lambda w: {
            f"n{w.draft_step.pk}-label": hostile.choices(["Peut-être"]),
            f"n{w.draft_step.pk}-next_step": hostile.ids(
                list(w.draft_step.version.steps.values_list("pk", flat=True))
            ),
        },
    ),
    "procedures-answer-edit": Spec(
        "manager",
        fields=lambda w: {
            f"a{w.draft_answer.pk}-label": hostile.choices(["Oui"]),
            f"a{w.draft_answer.pk}-next_step": hostile.ids(
                list(w.draft_step.version.steps.values_list("pk", flat=True))
            ),
        },
    ),
    "procedures-answer-delete": Spec("manager", examples=EXAMPLES_WITHOUT_INPUT),
    "procedures-publish": Spec("manager", examples=EXAMPLES_WITHOUT_INPUT),
    "procedures-archive": Spec(
        "manager", fields=lambda w: {"archived": hostile.choices(["0", "1"])}
    ),
    # The tablet's offline bundle (docs/offline.md): reads no field; hostile query and headers
    "interventions-offline": Spec(
        "tech_a",
        method="GET",
        fields=lambda w: {"days": hostile.numbers},
        headers=lambda w: {"X-Offline-Replay": st.sampled_from(["1", ""])},
        examples=EXAMPLES_WITHOUT_INPUT,
    ),
    # Procedures on an intervention
    "procedures-attach": Spec("tech_a", fields=lambda w: {"attach-procedure": _procedures(w)}),
    "procedures-intervention-record": Spec("tech_a", fields=_checklist_fields),
    "procedures-diagnostic-start": Spec("tech_a", fields=lambda w: {"procedure": _procedures(w)}),
    "procedures-diagnostic-answer": Spec("tech_a", fields=lambda w: {"answer": _answers(w)}),
    "procedures-diagnostic-back": Spec("tech_a", examples=EXAMPLES_WITHOUT_INPUT),
    "procedures-diagnostic-abandon": Spec("tech_a", examples=EXAMPLES_WITHOUT_INPUT),
    # The calendar: a new private address (no field); the feed read with any token.
    "interventions-calendar-regenerate": Spec("tech_a", examples=EXAMPLES_WITHOUT_INPUT),
    "interventions-calendar-feed": Spec(
        "anonymous",
        "GET",
        lambda w: {},
        path=lambda w: st.fixed_dictionaries(
            {"token": st.one_of(st.just(w.calendar_token), _segment(80))}
        ),
    ),
    # Import (the manager's): the upload is a dry run (nothing written whatever the file);
    # the confirmation of an unknown or forged file, digest or kind is refused.
    "interventions-import": Spec(
        "manager",
        fields=lambda w: {
            "kind": hostile.choices(["clients", "sites", "equipment", "contracts", "nope"]),
            "fmt": hostile.choices(["app", "dolibarr", "glpi", "nope"]),
            "file": hostile.import_files,
        },
    ),
    "interventions-import-confirm": Spec(
        "manager",
        fields=lambda w: {
            "kind": hostile.choices(["clients", "equipment"]),
            "fmt": hostile.choices(["app", "glpi"]),
            "file_hash": hostile.choices(["0" * 64, "a" * 64, "../" * 20]),
            "digest": hostile.choices(["0" * 64]),
            "filename": hostile.choices(["clients.csv", "../../etc/passwd"]),
        },
    ),
}

# Routes that read no input from the request (pages, files) or are not this app's forms.
# The authorisation matrix requests each of them; a new route must be put in one of the two
# tables or this module fails.
WITHOUT_INPUT = {
    "admin:*": "Django's admin: its forms are Django's, reached by the superuser only",
    "logout": "no field (Django's LogoutView)",
    "favicon": "a redirect to a static file",
    "tablet-manifest": "a static description of the tablet app",
    "tablet-service-worker": "a static script",
    "interventions-offline-csrf": "a fresh CSRF token, reads nothing of the request",
    "home": "a redirect by role",
    "interventions-detail": "a page",
    "interventions-mine": "a page",
    "interventions-calendar": "a page",
    "interventions-visits": "a page",
    "interventions-equipment-history": "a page",
    "interventions-work": "a page",
    "interventions-sign": "a page",
    "interventions-report-pdf": "a stored file",
    "interventions-report-version-pdf": "a stored file",
    "interventions-report-preview": "a rendered file",
    "procedures-draft": "a page",
    "procedures-intervention": "a page",
    "procedures-diagnostic": "a page",
    "procedures-diagnostic-runner": "a page fragment",
    # The REST API's reads: an object by its id, whose hostile forms (not a number, huge, a
    # float) schemathesis sends (tests/interventions/test_api_schemathesis.py: a JSON 404).
    "api:client-detail": "one object by its id (hostile ids: schemathesis)",
    "api:site-detail": "one object by its id (hostile ids: schemathesis)",
    "api:contract-detail": "one object by its id (hostile ids: schemathesis)",
    "api:equipment-detail": "one object by its id (hostile ids: schemathesis)",
    "api:intervention-detail": "one object by its id (hostile ids: schemathesis)",
    "api:intervention-report-pdf": "a stored file",
    "api:intervention-verification": "a check of the stored file",
    "api:schema": "the generated OpenAPI schema (no input)",
    "api:docs": "a page (Swagger UI, static files)",
}


def _covered(name: str) -> bool:
    return name in SPECS or name in WITHOUT_INPUT or name.split(":")[0] + ":*" in WITHOUT_INPUT


def test_every_route_has_a_fuzz_strategy_or_a_reason():
    missing = [route.name for route in all_routes() if not _covered(route.name)]
    assert missing == [], f"routes without a hypothesis strategy (SPECS) or a reason: {missing}"
    stale = sorted(set(SPECS) - {route.name for route in all_routes()})
    assert stale == []


def test_at_least_a_thousand_cases_in_ci():
    assert sum(spec.examples for spec in SPECS.values()) >= 1000


# --- one case -------------------------------------------------------------------------------


def _app_models():
    return [
        model
        for model in apps.get_models()
        if model._meta.app_label in ("clients", "interventions", "procedures", "axes")
        or model._meta.label == "auth.User"
    ]


def database_state() -> dict:
    """A digest of every row of every table of the apps (and of the users). PostgreSQL: one
    query (each row as text, aggregated in order, hashed by the server); elsewhere per table."""
    tables = sorted(model._meta.db_table for model in _app_models())
    if connection.vendor == "postgresql":
        sql = " UNION ALL ".join(
            f"SELECT '{table}', count(*),"
            f" md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
            for table in tables
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return {table: (count, digest) for table, count, digest in cursor.fetchall()}
    state = {}
    for model in _app_models():
        rows = model.objects.order_by("pk").values_list()
        state[model._meta.db_table] = hashlib.sha256(repr(list(rows)).encode()).hexdigest()
    return state


def _forms_with_errors(response) -> bool:
    contexts = response.context
    if contexts is None:
        return False
    if not isinstance(contexts, list):
        contexts = [contexts]
    for context in contexts:
        for scope in context.dicts:
            values = list(scope.values())
            values += [v for d in values if isinstance(d, dict) for v in d.values()]
            for value in values:
                if isinstance(value, BaseForm) and value.is_bound and value.errors:
                    return True
    return False


def is_refusal(response) -> bool:
    if response.status_code >= 400:
        return True
    storage = getattr(response.wsgi_request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    if any(message.level >= messages.ERROR for message in queued):
        return True
    return _forms_with_errors(response)


# Sent by every page that draws its form, so always present here (a POST without it is the
# authorisation matrix's empty POST): optimistic locking's version (interventions/conflicts.py).
ALWAYS_SENT = {"version"}


def _payload(fields: dict) -> st.SearchStrategy:
    """Each field absent, typed as the kind expects, hostile, or sent twice."""
    values = {
        name: st.one_of(
            kind,
            hostile.hostile_text,
            st.lists(st.one_of(kind, hostile.hostile_text), min_size=2, max_size=3),
        )
        for name, kind in fields.items()
    }
    # Fields no form expects, as a forged request sends them.
    values["unexpected_field"] = hostile.hostile_text
    required = {name: values.pop(name) for name in ALWAYS_SENT & values.keys()}
    return st.fixed_dictionaries(required, optional=values)


def send(client, spec: Spec, url: str, data: dict, htmx: bool, extra_headers=None):
    headers = {"HX-Request": "true"} if htmx else {}
    headers.update(extra_headers or {})
    if spec.json and spec.method != "GET":
        body = json.dumps(data)
        return client.generic(
            spec.method, url, body, content_type="application/json", headers=headers
        )
    if spec.method == "GET":
        data = {k: v for k, v in data.items() if isinstance(v, str | list)}
        return client.get(url, data, headers=headers)
    return client.post(url, data, headers=headers)


def _url(world, route, path_kwargs):
    kwargs = world.url_kwargs(route.name, route.keywords) | path_kwargs
    return reverse(route.name, kwargs=kwargs)


ROUTES = {route.name: route for route in all_routes()}


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=spec.marks) for name, spec in sorted(SPECS.items())]
)
def test_endpoint_survives_hostile_input(world, db, name):
    spec = SPECS[name]
    route = ROUTES[name]
    client = Client()
    user = world.users[spec.user]
    if user is not None:
        client.force_login(user)
    fields = spec.fields(world) if spec.fields else {}
    path = spec.path(world) if spec.path else st.just({})
    count = 0
    wanted = max(1, round(spec.examples * SCALE))

    @settings(max_examples=wanted)
    @given(
        data=_payload(fields),
        path_kwargs=path,
        htmx=st.booleans() if spec.htmx else st.just(False),
        headers=st.fixed_dictionaries({}, optional=spec.headers(world))
        if spec.headers
        else st.just({}),
    )
    def case(data, path_kwargs, htmx, headers):
        nonlocal count
        count += 1
        url = _url(world, route, path_kwargs)
        with transaction.atomic():
            before = database_state()
            response = send(client, spec, url, data, htmx, headers)
            if response.streaming:
                b"".join(response.streaming_content)
            assert response.status_code < 500, (url, data)
            if spec.method == "GET" or is_refusal(response):
                after = database_state()
                changed = [
                    table
                    for table in after
                    if after[table] != before[table] and table not in spec.refusal_writes
                ]
                assert changed == [], ("refused, yet saved", url, data)
            transaction.set_rollback(True)

    case()
    assert count >= wanted


def test_a_refused_form_is_detected_and_its_database_unchanged(world, db):
    """The two checks of every case, on cases whose answer is known: a visit that ends before
    it starts is refused, and so is a correction read at a stale version (someone else saved
    the visit in between); the row is the same after both. The same correction at the
    current version is saved."""
    client = Client()
    client.force_login(world.users["tech_a"])
    url = reverse("interventions-work-visit", args=[world.job_open.pk, world.visit.pk])
    now = timezone.localtime()
    earlier = (now - datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    later = (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    current = world.visit.version
    before = database_state()
    for arrived, left, version in ((later, earlier, current), (earlier, later, current + 1)):
        response = client.post(
            url,
            {
                "arrived_at": arrived,
                "left_at": left,
                "travel_km": "3",
                "travel_minutes": "5",
                "version": str(version),
            },
        )
        assert response.status_code in (200, 400)
        assert is_refusal(response)
        assert database_state() == before
    response = client.post(
        url,
        {
            "arrived_at": earlier,
            "left_at": later,
            "travel_km": "3",
            "travel_minutes": "5",
            "version": str(current),
        },
    )
    assert not is_refusal(response)
    assert database_state() != before


def test_a_refusal_said_by_a_message_on_a_redirect_is_detected(world, db):
    """The other kind of refusal: a redirect carrying an error message (reopening a report
    that was never submitted)."""
    client = Client()
    client.force_login(world.users["tech_a"])
    before = database_state()
    response = client.post(reverse("interventions-work-reopen", args=[world.job_open.pk]))
    assert response.status_code == 302
    assert is_refusal(response)
    assert database_state() == before
