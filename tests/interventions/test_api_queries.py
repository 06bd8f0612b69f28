"""The API's lists run as many SQL queries at 3 rows as at 30 (no query per row): each list is
read at two sizes of the same shape, with django_assert_max_num_queries at the small size's
count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import ContractFactory, EquipmentFactory, SiteFactory
from tests.interventions.tablet_helpers import assigned_job

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 30
LISTS = [
    "/api/v1/clients/",
    "/api/v1/sites/",
    "/api/v1/contracts/",
    "/api/v1/equipment/",
    "/api/v1/interventions/",
]


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def add_rows(n: int, technician, dispatcher):
    """n of each: a client with a site, a contract, a piece of equipment under it, and a job on
    it assigned to the technician."""
    for _ in range(n):
        contract = ContractFactory()
        site = SiteFactory(client=contract.client)
        equipment = EquipmentFactory(client=contract.client, site=site, contract=contract)
        assigned_job(technician, dispatcher, equipment=equipment)


def count(client, url) -> int:
    client.get(url, {"page_size": 100})
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


@pytest.mark.parametrize("who", ["dispatcher", "technician"])
def test_lists_run_the_same_queries_at_3_and_30_rows(
    who, dispatcher, technician, django_assert_max_num_queries
):
    user = {"dispatcher": dispatcher, "technician": technician}[who]
    client = api(user)
    urls = LISTS if who == "dispatcher" else ["/api/v1/interventions/"]
    add_rows(SMALL, technician, dispatcher)
    small = {url: count(client, url) for url in urls}
    add_rows(LARGE - SMALL, technician, dispatcher)
    for url in urls:
        with django_assert_max_num_queries(small[url]):
            response = client.get(url, {"page_size": 100})
        assert response.json()["count"] == LARGE
    # What a list costs, written out: token, (role,) count, page (the role is read once).
    assert small["/api/v1/interventions/"] <= 5
