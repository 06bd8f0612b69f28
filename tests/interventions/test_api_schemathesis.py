"""schemathesis against the live test server (PostgreSQL): the schema of /api/schema/, every
operation, each case sent with the token of a dispatcher and of a technician. 0 server errors,
every status, content type and body as documented. Small hypothesis budgets: about a minute
(README, « API REST »)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from interventions import roles
from tests.factories import ClientFactory, EquipmentFactory, UserFactory, make_intervention
from tests.interventions.tablet_helpers import assigned_job, signed_job

pytestmark = pytest.mark.postgres

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 5


@pytest.fixture
def tokens(transactional_db, rates):
    """A small world: a client and their equipment, a new job, a job assigned to the
    technician, a signed one (its PDF stored)."""
    dispatcher = UserFactory(username="api-dispatcher", role=roles.DISPATCHER)
    technician = UserFactory(username="api-technician", role=roles.TECHNICIAN)
    customer = ClientFactory()
    EquipmentFactory(client=customer)
    make_intervention(client=customer)
    assigned_job(technician)
    signed_job(technician)
    return [Token.objects.create(user=user).key for user in (dispatcher, technician)]


@pytest.fixture
def api_schema(live_server, tokens):
    return schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/", headers={"Authorization": f"Token {tokens[0]}"}
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, tokens):
    for token in tokens:
        case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
