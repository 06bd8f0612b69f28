"""Every route of the URL conf × (anonymous, technician A, technician B, dispatcher, manager,
superuser): GET, and an empty POST, with the expected answer written out below.

Cells: a status code; "login" is a redirect to a login page. The world (tests/reliability/
world.py): the pk of a route is the object it acts on — job_open assigned to technician A for
the work pages, job_finished for signing, job_signed for PDFs and billing, job_new (unassigned)
for dispatch, the equipment of A's job for the equipment history (decision in the README,
« Rôles »). Technician B is assigned another job only. Each cell runs in a savepoint rolled back.

A route added to the URL conf without its row here fails `test_every_route_has_its_row`.
Django's admin follows one rule (only a superuser gets in), with the listed exceptions.
Figures and how to run: docs/reliability.md, « Matrice des autorisations ».
"""

import time

import pytest
from django.test import Client

from .matrix_support import ROLES, clients_by_role, request_cell, route_url
from .routes import all_routes

#            anonymous tech_a tech_b dispatcher manager superuser
#  name:     (GET,                                 empty POST)
MATRIX = {
    # The REST API (interventions/api/, README « API REST »), here with the session (the
    # browsable API); `test_api_with_a_token_answers_as_with_the_session` asks again with a
    # token. Anonymous: 401. An empty POST is a form, not JSON: 415 once the role passes.
    "api:billing-rows": (
        "401 403 403 403 200 200",
        "401 403 403 403 405 405",
    ),
    "api:client-detail": (
        "401 403 403 200 200 200",
        "401 403 403 405 405 405",
    ),
    "api:client-list": (
        "401 403 403 200 200 200",
        "401 403 403 415 415 415",
    ),
    "api:site-detail": (
        "401 403 403 200 200 200",
        "401 403 403 405 405 405",
    ),
    "api:site-list": (
        "401 403 403 200 200 200",
        "401 403 403 415 415 415",
    ),
    "api:contract-detail": (
        "401 403 403 200 200 200",
        "401 403 403 405 405 405",
    ),
    "api:contract-list": (
        "401 403 403 200 200 200",
        "401 403 403 405 405 405",
    ),
    "api:docs": (
        "login 200 200 200 200 200",
        "405 405 405 405 405 405",
    ),
    "api:equipment-detail": (
        "401 403 403 200 200 200",
        "401 403 403 405 405 405",
    ),
    "api:equipment-list": (
        "401 403 403 200 200 200",
        "401 403 403 405 405 405",
    ),
    "api:intervention-assignment": (
        "401 403 403 405 405 405",
        "401 403 403 415 415 415",
    ),
    "api:intervention-detail": (
        "401 200 404 200 200 200",
        "401 403 403 405 405 405",
    ),
    "api:intervention-list": (
        "401 200 200 200 200 200",
        "401 403 403 415 415 415",
    ),
    # PATCH only, by the technician the job is assigned to (the tablet's autosave).
    "api:intervention-report": (
        "401 405 405 403 403 403",
        "401 405 405 403 403 403",
    ),
    "api:intervention-report-pdf": (
        "401 200 404 200 200 200",
        "401 405 405 405 405 405",
    ),
    "api:intervention-verification": (
        "401 200 404 200 200 200",
        "401 405 405 405 405 405",
    ),
    "api:schema": (
        "401 200 200 200 200 200",
        "401 405 405 405 405 405",
    ),
    "favicon": (
        "302 302 302 302 302 302",
        "302 302 302 302 302 302",
    ),
    "tablet-manifest": (
        "200 200 200 200 200 200",
        "405 405 405 405 405 405",
    ),
    "tablet-service-worker": (
        "200 200 200 200 200 200",
        "405 405 405 405 405 405",
    ),
    "home": (
        "login 302 302 302 302 302",
        "login 302 302 302 302 302",
    ),
    "interventions-amendment-request": (
        "405 405 405 405 405 405",
        "login 403 403 403 400 400",
    ),
    "interventions-amendment-sign": (
        "login 200 404 403 200 200",
        "login 400 404 403 400 400",
    ),
    # « Mon jeton d'API »: every logged-in user; POST makes a new token (then the page again).
    "interventions-api-token": (
        "login 200 200 200 200 200",
        "login 302 302 302 302 302",
    ),
    "interventions-assign": (
        "405 405 405 405 405 405",
        "login 403 403 400 400 400",
    ),
    "interventions-billing": (
        "login 403 403 403 200 200",
        "login 403 403 403 200 200",
    ),
    "interventions-billing-export": (
        "login 403 403 403 200 200",
        "login 403 403 403 200 200",
    ),
    "interventions-billing-mark": (
        "405 405 405 405 405 405",
        "login 403 403 403 302 302",
    ),
    "interventions-billing-override": (
        "405 405 405 405 405 405",
        "login 403 403 403 400 400",
    ),
    "interventions-billing-rates": (
        "login 403 403 403 200 200",
        "login 403 403 403 400 400",
    ),
    # Manager's page (and the superuser's, who counts as a manager): reference data history.
    "interventions-change-log": (
        "login 403 403 403 200 200",
        "login 403 403 403 200 200",
    ),
    # « Mon agenda » (the technician's); the feed needs no login, only technician A's token
    # (a wrong token is 404: tests/interventions/test_calendar.py).
    "interventions-calendar": (
        "login 200 200 403 403 403",
        "405 405 405 405 405 405",
    ),
    "interventions-calendar-feed": (
        "200 200 200 200 200 200",
        "405 405 405 405 405 405",
    ),
    "interventions-calendar-regenerate": (
        "405 405 405 405 405 405",
        "login 302 302 403 403 403",
    ),
    "interventions-cancel": (
        "405 405 405 405 405 405",
        "login 403 403 400 400 400",
    ),
    "interventions-contract": (
        "405 405 405 405 405 405",
        "login 403 403 400 400 400",
    ),
    "interventions-dashboard": (
        "login 403 403 403 200 200",
        "login 403 403 403 200 200",
    ),
    "interventions-dashboard-visits": (
        "login 403 403 403 200 200",
        "login 403 403 403 200 200",
    ),
    "interventions-detail": (
        "login 200 404 200 200 200",
        "login 200 404 200 200 200",
    ),
    # The e-mails page (manager's): state, attempts, reason; « Renvoyer » one e-mail (POST).
    "interventions-emails": (
        "login 403 403 403 200 200",
        "login 403 403 403 200 200",
    ),
    "interventions-email-resend": (
        "405 405 405 405 405 405",
        "login 403 403 403 302 302",
    ),
    "interventions-equipment-history": (
        "login 200 404 200 200 200",
        "login 200 404 200 200 200",
    ),
    "interventions-handover": (
        "405 405 405 405 405 405",
        "login 400 404 400 400 400",
    ),
    "interventions-intake": (
        "login 403 403 200 200 200",
        "login 403 403 200 200 200",
    ),
    "interventions-intake-client": (
        "login 403 403 404 404 404",
        "login 403 403 404 404 404",
    ),
    "interventions-intake-client-create": (
        "405 405 405 405 405 405",
        "login 403 403 200 200 200",
    ),
    "interventions-intake-entitlement": (
        "login 403 403 204 204 204",
        "login 403 403 204 204 204",
    ),
    "interventions-intake-search": (
        "login 403 403 200 200 200",
        "login 403 403 200 200 200",
    ),
    "interventions-intake-site-create": (
        "405 405 405 405 405 405",
        "login 403 403 404 404 404",
    ),
    # The manager's import (README, « Import de données »): an empty POST is a form with
    # errors (400); the confirmation is POST only, an empty one names no import (302 with an
    # error message).
    "interventions-import": (
        "login 403 403 403 200 200",
        "login 403 403 403 400 400",
    ),
    "interventions-import-confirm": (
        "405 405 405 405 405 405",
        "login 403 403 403 302 302",
    ),
    "interventions-list": (
        "login 403 403 200 200 200",
        "login 403 403 200 200 200",
    ),
    "interventions-login-lockouts": (
        "login 403 403 403 200 200",
        "login 403 403 403 200 200",
    ),
    # POST only; an empty POST names no locked login: 404 for those allowed to unlock.
    "interventions-login-unlock": (
        "405 405 405 405 405 405",
        "login 403 403 403 404 404",
    ),
    # The tablet's offline bundle and a fresh CSRF token: technicians only (their own jobs).
    "interventions-offline": (
        "login 200 200 403 403 403",
        "405 405 405 405 405 405",
    ),
    "interventions-offline-csrf": (
        "401 200 200 403 403 403",
        "405 405 405 405 405 405",
    ),
    "interventions-mine": (
        "login 200 200 403 403 403",
        "login 200 200 403 403 403",
    ),
    "interventions-out-of-conditions": (
        "405 405 405 405 405 405",
        "login 302 404 403 403 403",
    ),
    "interventions-planning": (
        "login 403 403 200 200 200",
        "login 403 403 200 200 200",
    ),
    # The billing list's client and contract pickers: the manager's (billing) only.
    "interventions-pick-client": (
        "login 403 403 403 200 200",
        "login 403 403 403 200 200",
    ),
    "interventions-pick-contract": (
        "login 403 403 403 200 200",
        "login 403 403 403 200 200",
    ),
    "interventions-report-pdf": (
        "login 200 404 200 200 200",
        "login 200 404 200 200 200",
    ),
    "interventions-report-preview": (
        "login 200 404 200 200 200",
        "login 200 404 200 200 200",
    ),
    # « Renvoyer le rapport » from the intervention page: the office (dispatcher, manager).
    "interventions-report-resend": (
        "405 405 405 405 405 405",
        "login 403 403 302 302 302",
    ),
    "interventions-report-version-pdf": (
        "login 200 404 200 200 200",
        "login 200 404 200 200 200",
    ),
    "interventions-sign": (
        "login 200 404 403 403 403",
        "login 200 404 403 403 403",
    ),
    "interventions-sign-customer": (
        "405 405 405 405 405 405",
        "login 400 404 403 403 403",
    ),
    "interventions-sign-technician": (
        "405 405 405 405 405 405",
        "login 400 404 403 403 403",
    ),
    "interventions-unbill": (
        "405 405 405 405 405 405",
        "login 403 403 403 403 400",
    ),
    "interventions-visits": (
        "login 403 403 200 200 200",
        "login 403 403 200 200 200",
    ),
    "interventions-visits-create": (
        "405 405 405 405 405 405",
        "login 403 403 302 302 302",
    ),
    "interventions-work": (
        "login 200 404 403 403 403",
        "login 200 404 403 403 403",
    ),
    "interventions-work-arrive": (
        "405 405 405 405 405 405",
        "login 302 404 403 403 403",
    ),
    "interventions-work-depart": (
        "405 405 405 405 405 405",
        "login 302 404 403 403 403",
    ),
    "interventions-work-follow-up": (
        "405 405 405 405 405 405",
        "login 400 404 403 403 403",
    ),
    "interventions-work-handover": (
        "login 200 404 403 403 403",
        "login 200 404 403 403 403",
    ),
    "interventions-work-other-request": (
        "405 405 405 405 405 405",
        "login 400 404 403 403 403",
    ),
    "interventions-work-part-add": (
        "405 405 405 405 405 405",
        "login 302 404 403 403 403",
    ),
    "interventions-work-part-remove": (
        "405 405 405 405 405 405",
        "login 302 404 403 403 403",
    ),
    "interventions-work-part-search": (
        "login 200 404 403 403 403",
        "login 200 404 403 403 403",
    ),
    "interventions-work-reopen": (
        "405 405 405 405 405 405",
        "login 302 404 403 403 403",
    ),
    # The autosave: an empty POST carries no version (a page read before the version was
    # known): refused as out of date, nothing saved.
    "interventions-work-report": (
        "405 405 405 405 405 405",
        "login 400 404 403 403 403",
    ),
    "interventions-work-resolve": (
        "405 405 405 405 405 405",
        "login 302 404 403 403 403",
    ),
    "interventions-work-submit": (
        "405 405 405 405 405 405",
        "login 302 404 403 403 403",
    ),
    "interventions-work-visit": (
        "login 200 404 403 403 403",
        "login 200 404 403 403 403",
    ),
    "login": (
        "200 302 302 302 302 302",
        "200 302 302 302 302 302",
    ),
    "logout": (
        "405 405 405 405 405 405",
        "login login login login login login",
    ),
    "procedures-answer-add": (
        "405 405 405 405 405 405",
        "login 403 403 403 400 400",
    ),
    "procedures-answer-delete": (
        "405 405 405 405 405 405",
        "login 403 403 403 302 302",
    ),
    "procedures-answer-edit": (
        "405 405 405 405 405 405",
        "login 403 403 403 400 400",
    ),
    "procedures-archive": (
        "405 405 405 405 405 405",
        "login 403 403 403 302 302",
    ),
    "procedures-attach": (
        "405 405 405 405 405 405",
        "login 302 404 302 302 302",
    ),
    "procedures-create": (
        "login 403 403 403 200 200",
        "login 403 403 403 200 200",
    ),
    "procedures-detail": (
        "login 200 200 200 200 200",
        "login 200 200 200 200 200",
    ),
    "procedures-diagnostic": (
        "login 200 404 200 200 200",
        "login 200 404 200 200 200",
    ),
    "procedures-diagnostic-abandon": (
        "405 405 405 405 405 405",
        "login 302 404 302 302 302",
    ),
    "procedures-diagnostic-answer": (
        "405 405 405 405 405 405",
        "login 404 404 404 404 404",
    ),
    "procedures-diagnostic-back": (
        "405 405 405 405 405 405",
        "login 302 404 302 302 302",
    ),
    "procedures-diagnostic-runner": (
        "login 200 404 200 200 200",
        "login 200 404 200 200 200",
    ),
    "procedures-diagnostic-start": (
        "405 405 405 405 405 405",
        "login 302 404 302 302 302",
    ),
    "procedures-draft": (
        "login 403 403 403 200 200",
        "login 403 403 403 200 200",
    ),
    "procedures-edit": (
        "405 405 405 405 405 405",
        "login 403 403 403 302 302",
    ),
    "procedures-intervention": (
        "login 200 404 200 200 200",
        "login 200 404 200 200 200",
    ),
    "procedures-intervention-record": (
        "405 405 405 405 405 405",
        "login 302 404 302 302 302",
    ),
    "procedures-list": (
        "login 200 200 200 200 200",
        "login 200 200 200 200 200",
    ),
    "procedures-publish": (
        "405 405 405 405 405 405",
        "login 403 403 403 302 302",
    ),
    "procedures-settings": (
        "405 405 405 405 405 405",
        "login 403 403 403 400 400",
    ),
    "procedures-step-add": (
        "405 405 405 405 405 405",
        "login 403 403 403 400 400",
    ),
    "procedures-step-delete": (
        "405 405 405 405 405 405",
        "login 403 403 403 302 302",
    ),
    "procedures-step-edit": (
        "405 405 405 405 405 405",
        "login 403 403 403 400 400",
    ),
    "procedures-step-move": (
        "405 405 405 405 405 405",
        "login 403 403 403 302 302",
    ),
    "reports-verify": (
        "200 200 200 200 200 200",
        "200 200 200 200 200 200",
    ),
    "set_language": (
        "405 405 405 405 405 405",
        "login 302 302 302 302 302",
    ),
}

# Django's admin: nobody but the superuser (is_staff) gets in.
ADMIN_RULE = ("login login login login login 200", "login login login login login 200")
ADMIN_EXCEPTIONS = {
    "admin:autocomplete": (
        "login login login login login 403",
        "login login login login login 405",
    ),
    # django-axes' logs are read-only by design: no add page, even for the superuser; every
    # field of the change page is read-only, so an empty POST is a valid no-op save (302).
    "admin:axes_accessattempt_add": (
        "login login login login login 403",
        "login login login login login 403",
    ),
    "admin:axes_accessattempt_change": (
        "login login login login login 200",
        "login login login login login 302",
    ),
    "admin:axes_accessfailurelog_add": (
        "login login login login login 403",
        "login login login login login 403",
    ),
    "admin:axes_accessfailurelog_change": (
        "login login login login login 200",
        "login login login login login 302",
    ),
    "admin:axes_accesslog_add": (
        "login login login login login 403",
        "login login login login login 403",
    ),
    "admin:axes_accesslog_change": (
        "login login login login login 200",
        "login login login login login 302",
    ),
    "admin:interventions_intervention_add": (
        "login login login login login 403",
        "login login login login login 403",
    ),
    "admin:interventions_intervention_delete": (
        "login login login login login 403",
        "login login login login login 403",
    ),
    "admin:interventions_interventionevent_add": (
        "login login login login login 403",
        "login login login login login 403",
    ),
    "admin:interventions_interventionevent_change": (
        "login login login login login 200",
        "login login login login login 403",
    ),
    "admin:interventions_interventionevent_delete": (
        "login login login login login 403",
        "login login login login login 403",
    ),
    # Written by the e-mail services and their task only: read, never added or edited here.
    "admin:interventions_outgoingemail_add": (
        "login login login login login 403",
        "login login login login login 403",
    ),
    "admin:interventions_outgoingemail_change": (
        "login login login login login 200",
        "login login login login login 403",
    ),
    "admin:jsi18n": (
        "login login login login login 200",
        "login login login login login 405",
    ),
    "admin:login": (
        "200 200 200 200 200 302",
        "200 200 200 200 200 200",
    ),
    "admin:logout": (
        "302 302 302 302 302 405",
        "302 302 302 302 302 login",
    ),
    "admin:password_change_done": (
        "login login login login login 200",
        "login login login login login 405",
    ),
    "admin:procedures_answer_add": (
        "login login login login login 403",
        "login login login login login 403",
    ),
    "admin:procedures_answer_change": (
        "login login login login login 200",
        "login login login login login 403",
    ),
    "admin:procedures_procedurerun_add": (
        "login login login login login 403",
        "login login login login login 403",
    ),
    "admin:procedures_procedureversion_add": (
        "login login login login login 403",
        "login login login login login 403",
    ),
    "admin:procedures_procedureversion_change": (
        "login login login login login 200",
        "login login login login login 403",
    ),
    "admin:view_on_site": (
        "login login login login login 404",
        "login login login login login 404",
    ),
}


def expected(name: str) -> tuple[str, str]:
    if name.startswith("admin:"):
        return ADMIN_EXCEPTIONS.get(name, ADMIN_RULE)
    return MATRIX[name]


def test_every_route_has_its_row():
    names = {route.name for route in all_routes()}
    missing = sorted(n for n in names if not n.startswith("admin:") and n not in MATRIX)
    assert missing == [], f"routes without a row in the authorisation matrix: {missing}"
    assert sorted(set(MATRIX) - names) == []
    assert sorted(set(ADMIN_EXCEPTIONS) - names) == []


@pytest.mark.parametrize("prefix", ["interventions", "procedures", "api", "other", "admin"])
def test_authorisation_matrix(world, db, prefix):
    """One test per part of the URL conf (so that a failure names its part), each cell
    compared with its row; every difference is listed at once."""
    clients = clients_by_role(world)
    routes = [r for r in all_routes() if _part(r.name) == prefix]
    differences, cells, started = [], 0, time.perf_counter()
    for route in routes:
        url = route_url(world, route)
        for method, row in zip(("GET", "POST"), expected(route.name), strict=True):
            wanted = row.split()
            for role, want in zip(ROLES, wanted, strict=True):
                got = request_cell(
                    clients[role], method, url, user=_fresh(route, world.users[role])
                )
                cells += 1
                if got != want:
                    differences.append(f"{route.name} {method} as {role}: {got}, expected {want}")
    print(
        f"\nauthorisation matrix [{prefix}]: {len(routes)} routes × {len(ROLES)} roles, "
        f"{cells} cells in {time.perf_counter() - started:.1f} s"
    )
    assert differences == [], "\n".join(differences)


def _part(name: str) -> str:
    for prefix in ("admin", "procedures", "interventions", "api"):
        if name.startswith(prefix):
            return prefix
    return "other"


def _fresh(route, user):
    """A logout logs its client out: it gets a client of its own."""
    return user if route.name.endswith("logout") and user is not None else None


def test_api_with_a_token_answers_as_with_the_session(world, db):
    """The API's rows again, each user now calling with their token (Authorization: Token …)
    and no session: the same cells. Not /api/docs/, a page of the site (session only)."""
    from rest_framework.authtoken.models import Token

    headers = {
        role: {"authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}
        for role, user in world.users.items()
        if user is not None
    }
    differences = []
    for route in all_routes():
        if not route.name.startswith("api:") or route.name == "api:docs":
            continue
        url = route_url(world, route)
        for method, row in zip(("GET", "POST"), expected(route.name), strict=True):
            for role, want in zip(ROLES, row.split(), strict=True):
                got = request_cell(Client(headers=headers.get(role, {})), method, url)
                if got != want:
                    differences.append(f"{route.name} {method} as {role}: {got}, expected {want}")
    assert differences == [], "\n".join(differences)


def test_the_matrix_catches_a_role_check_removed(world, db, monkeypatch):
    """The cells are real requests: a route opened to every role by mistake is caught."""
    client = Client()
    client.force_login(world.users["tech_b"])
    url = route_url(world, next(r for r in all_routes() if r.name == "interventions-work"))
    assert request_cell(client, "GET", url) == MATRIX["interventions-work"][0].split()[2]
    from interventions import selectors
    from interventions.models import Intervention

    monkeypatch.setattr(
        selectors, "get_assigned_intervention", lambda user, pk: Intervention.objects.get(pk=pk)
    )
    assert request_cell(client, "GET", url) == "200"
