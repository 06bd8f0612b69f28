import pytest
from django.urls import reverse

from interventions import services
from tests.factories import make_intervention


@pytest.mark.parametrize(
    ("role_fixture", "home"),
    [
        ("dispatcher", "interventions-list"),
        ("technician", "interventions-mine"),
        ("manager", "interventions-dashboard"),
        ("admin_user", "interventions-dashboard"),
    ],
)
def test_each_role_lands_on_its_home(client, request, role_fixture, home):
    client.force_login(request.getfixturevalue(role_fixture))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(home)
    assert client.get(response.url).status_code == 200


def test_user_without_role_is_told_so(client, nobody):
    client.force_login(nobody)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "aucun rôle" in response.content.decode()


def test_login_page_is_in_french(client, db):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'lang="fr"' in body
    assert "Se connecter" in body
    assert "Mot de passe" in body


def test_anonymous_is_sent_to_login(client, db):
    for name in ("interventions-list", "interventions-mine", "interventions-dashboard"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role_fixture", "page", "status"),
    [
        ("technician", "interventions-list", 403),
        ("technician", "interventions-dashboard", 403),
        ("dispatcher", "interventions-dashboard", 403),
        ("dispatcher", "interventions-mine", 403),
        ("manager", "interventions-list", 200),
        ("nobody", "interventions-list", 403),
    ],
)
def test_pages_are_limited_to_their_roles(client, request, role_fixture, page, status):
    client.force_login(request.getfixturevalue(role_fixture))
    assert client.get(reverse(page)).status_code == status


def test_technician_sees_only_assigned_interventions(
    client, technician, other_technician, dispatcher
):
    mine = make_intervention(object="Imprimante HS")
    theirs = make_intervention(object="Poste lent")
    services.intervention_assign(intervention=mine, technician=technician, actor=dispatcher)
    services.intervention_assign(intervention=theirs, technician=other_technician, actor=dispatcher)
    client.force_login(technician)
    page = client.get(reverse("interventions-mine")).content.decode()
    assert mine.number in page and theirs.number not in page
    assert client.get(reverse("interventions-detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("interventions-detail", args=[theirs.pk])).status_code == 404


def test_dispatcher_and_manager_see_every_intervention(client, dispatcher, manager):
    job = make_intervention()
    for user in (dispatcher, manager):
        client.force_login(user)
        assert client.get(reverse("interventions-detail", args=[job.pk])).status_code == 200
        assert job.number in client.get(reverse("interventions-list")).content.decode()


def test_admin_is_reserved_to_staff(client, dispatcher, admin_user):
    client.force_login(dispatcher)
    assert client.get("/admin/").status_code == 302
    client.force_login(admin_user)
    for model in (
        "clients/client",
        "clients/site",
        "clients/contract",
        "clients/equipment",
        "interventions/part",
    ):
        assert client.get(f"/admin/{model}/?q=a").status_code == 200
