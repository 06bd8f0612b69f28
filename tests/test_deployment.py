"""Production settings secure by default, and media never served by URL (issue 15, part C).

docs/reliability.md, « Réglages de production » and « Fichiers »."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]
# What a production machine sets: nothing else (every security switch at its default).
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3-!x" * 12,  # 60 characters, 50+ unique enough for check --deploy (W009)
    "ALLOWED_HOSTS": "interventions.example.fr",
}
SWITCHES = (
    "HTTPS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_AGE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
)


def run_manage(*args, env=None):
    """`manage.py` in a fresh process: settings are read from this environment only."""
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in SWITCHES
        and k
        not in ("DEBUG", "SECURE_COOKIES", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **PRODUCTION_ENV, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRINT_SETTINGS = (
    "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) "
    "for k in ('SESSION_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', 'CSRF_COOKIE_SECURE', "
    "'CSRF_COOKIE_HTTPONLY', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', "
    "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SECURE_PROXY_SSL_HEADER', 'SESSION_COOKIE_AGE', "
    "'SESSION_EXPIRE_AT_BROWSER_CLOSE')}))"
)


def production_settings(**env):
    result = run_manage("shell", "-v", "0", "-c", PRINT_SETTINGS, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_has_no_warning_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_production_defaults_are_secure_without_any_switch():
    values = production_settings()
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    # A proxy's header is trusted only when the README's variable says so.
    assert values["SECURE_PROXY_SSL_HEADER"] is None
    # Shared tablets: half a day at most, and gone when the browser closes.
    assert values["SESSION_COOKIE_AGE"] == 12 * 3600
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True


def test_plain_http_intranet_turns_every_https_setting_off_with_one_switch():
    values = production_settings(HTTPS="0")
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    # Not a transport setting: JavaScript never reads the session cookie, HTTP or HTTPS.
    assert values["SESSION_COOKIE_HTTPONLY"] is True


def test_each_switch_on_its_own_and_the_proxy_header():
    values = production_settings(
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="3600",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO",
        SESSION_COOKIE_AGE="28800",
        SESSION_EXPIRE_AT_BROWSER_CLOSE="0",
    )
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] == 3600
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SESSION_COOKIE_AGE"] == 28800
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is False


def test_login_sets_secure_httponly_session_and_csrf_cookies(client, technician):
    technician.set_password("pass-1234-secret")
    technician.save()
    client.get(reverse("login"))
    response = client.post(
        reverse("login"), {"username": technician.username, "password": "pass-1234-secret"}
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]
    assert session["max-age"] == ""  # a browser-session cookie (expires when it closes)
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"]


def test_hsts_and_redirect_on_a_request_behind_the_proxy(client, settings):
    """HSTS on HTTPS answers; plain HTTP is redirected (the suite turns the redirect off for
    its plain-HTTP test server, tests/conftest.py: here it is on again)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = client.get(reverse("login"))
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    secure = client.get(reverse("login"), HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert "max-age=31536000" in secure["Strict-Transport-Security"]


def test_plain_http_intranet_is_reported_by_check_deploy_for_exactly_the_switches_it_turns_off():
    """What the README says an intranet in plain HTTP gets from `check --deploy`."""
    result = run_manage("check", "--deploy", env={"HTTPS": "0"})
    found = sorted(set(re.findall(r"security\.W\d+", result.stdout + result.stderr)))
    assert found == ["security.W004", "security.W008", "security.W012", "security.W016"]
