import io

from django.core.management import call_command

from clients.models import Client, Contract, Equipment, Site
from clients.selectors import client_search
from interventions.models import Intervention, InterventionEvent, Part, Status


def counts():
    return [
        m.objects.count()
        for m in (Client, Site, Contract, Equipment, Part, Intervention, InterventionEvent)
    ]


def test_demo_data_is_idempotent_and_covers_every_status(db, django_user_model):
    call_command("demo_data", stdout=io.StringIO())
    first = counts()
    call_command("demo_data", stdout=io.StringIO())
    assert counts() == first
    assert set(Intervention.objects.values_list("status", flat=True)) == set(Status.values)
    assert set(Contract.objects.values_list("kind", flat=True)) == set(Contract.Kind.values)
    assert Equipment.objects.filter(warranty_until__isnull=True).exists()
    for username in ("sophie", "karim", "julie", "claire", "admin"):
        assert django_user_model.objects.filter(username=username).exists()


def test_demo_logins_work(client, db):
    call_command("demo_data", stdout=io.StringIO())
    assert client.login(username="karim", password="demo1234")
    assert client.get("/", follow=True).redirect_chain[-1][0] == "/interventions/mine/"


def test_demo_clients_are_found_without_accents_or_by_any_phone_form(db):
    call_command("demo_data", stdout=io.StringIO())
    for query, number in (
        ("emilie", "CLI-00006"),
        ("04 78 12 34 56", "CLI-00006"),
        ("ecole jaures", "CLI-00003"),
        ("lefevre", "CLI-00004"),
        ("+33 4 78 24 55 81", "CLI-00005"),
    ):
        assert [c.number for c in client_search(query)] == [number], query
