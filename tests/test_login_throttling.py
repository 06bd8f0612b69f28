"""Login throttling (django-axes): 5 failures for one username from one IP lock that pair for
15 minutes, with a French message on the login page; a manager unlocks it."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.test import Client, override_settings
from django.urls import reverse

from interventions import roles
from tests.factories import UserFactory

PASSWORD = "right-pass-123"
LOCKED = "Trop de tentatives de connexion"


@pytest.fixture
def victim(db):
    user = UserFactory(username="victim", role=roles.TECHNICIAN)
    user.set_password(PASSWORD)
    user.save()
    return user


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def fail_five_times(client, username="victim", ip="10.0.0.1"):
    for _ in range(5):
        attempt(client, username, "wrong", ip)


def test_settings_lock_username_and_ip_for_15_minutes():
    from django.conf import settings

    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert datetime.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME


def test_four_failures_then_the_right_password_logs_in(victim):
    client = Client()
    for _ in range(4):
        assert attempt(client, "victim", "wrong").status_code == 200
    assert attempt(client, "victim", PASSWORD).status_code == 302


def test_five_failures_then_the_right_password_is_refused_in_french(victim):
    client = Client()
    fail_five_times(client)
    response = attempt(client, "victim", PASSWORD)
    body = response.content.decode()
    assert response.status_code == 429
    assert LOCKED in body and "15 minutes" in body
    # The login page, with the typed username kept, not a bare 403.
    assert 'name="username"' in body and 'value="victim"' in body
    assert "_auth_user_id" not in client.session


def test_another_user_from_the_same_ip_is_not_locked(victim):
    other = UserFactory(username="colleague", role=roles.TECHNICIAN)
    other.set_password(PASSWORD)
    other.save()
    client = Client()
    fail_five_times(client)
    assert attempt(client, "colleague", PASSWORD).status_code == 302


def test_the_same_user_from_another_ip_is_not_locked(victim):
    client = Client()
    fail_five_times(client, ip="10.0.0.1")
    assert attempt(client, "victim", PASSWORD, ip="10.0.0.2").status_code == 302


def test_after_the_cool_off_the_user_logs_in(victim):
    client = Client()
    fail_five_times(client)
    assert attempt(client, "victim", PASSWORD).status_code == 429
    # The failures are 15 minutes old.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - datetime.timedelta(minutes=16)
    )
    assert attempt(client, "victim", PASSWORD).status_code == 302


@override_settings(AXES_COOLOFF_TIME=datetime.timedelta(seconds=0.01))
def test_cool_off_can_be_shortened(victim):
    import time

    client = Client()
    fail_five_times(client)
    time.sleep(0.05)
    assert attempt(client, "victim", PASSWORD).status_code == 302


def test_manager_sees_the_locked_account_and_unlocks_it(client, victim, manager):
    fail_five_times(Client())
    client.force_login(manager)
    page = client.get(reverse("interventions-login-lockouts"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "victim" in body and "10.0.0.1" in body and "Débloquer" in body
    attempt_row = AccessAttempt.objects.get()
    response = client.post(
        reverse("interventions-login-unlock"), {"attempt": attempt_row.pk}, follow=True
    )
    assert "débloqué" in response.content.decode()
    assert not AccessAttempt.objects.exists()
    assert attempt(Client(), "victim", PASSWORD).status_code == 302


@pytest.mark.parametrize("role", [roles.TECHNICIAN, roles.DISPATCHER])
def test_only_managers_reach_the_lockouts(client, role, victim):
    user = UserFactory(username=f"u-{role}", role=role)
    client.force_login(user)
    assert client.get(reverse("interventions-login-lockouts")).status_code == 403
    fail_five_times(Client())
    client.post(reverse("interventions-login-unlock"), {"attempt": AccessAttempt.objects.get().pk})
    assert AccessAttempt.objects.exists()


def test_unlocking_an_unknown_attempt_is_a_404(client, manager):
    client.force_login(manager)
    response = client.post(reverse("interventions-login-unlock"), {"attempt": "999999"})
    assert response.status_code == 404
    response = client.post(reverse("interventions-login-unlock"), {"attempt": "abc"})
    assert response.status_code == 404
