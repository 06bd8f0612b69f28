"""Files are never served by URL, DEBUG included: every file goes through a view that checks
who asks (issue 15, part C; docs/reliability.md, « Fichiers »)."""

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.db.models import FileField
from django.urls import clear_url_caches, reverse

from interventions.models import SignedReport

from .billing_helpers import signed_intervention

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def debug_urls(settings):
    """The URLconf as `make run` builds it (DEBUG on)."""
    import config.urls

    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.fixture
def signed_pdf(technician, rates):
    job = signed_intervention(technician)
    report = SignedReport.objects.get(intervention=job)
    assert Path(report.pdf.path).is_file()
    return job, report


@pytest.mark.django_db
def test_signed_pdf_is_not_served_from_media_url_even_with_debug(
    client, debug_urls, signed_pdf, manager
):
    _job, report = signed_pdf
    path = "/media/" + report.pdf.name
    assert client.get(path).status_code == 404
    client.force_login(manager)
    assert client.get(path).status_code == 404


@pytest.mark.django_db
def test_signed_pdf_through_the_checked_view_for_the_right_roles_only(
    client, signed_pdf, technician, other_technician, dispatcher, manager, nobody
):
    job, report = signed_pdf
    url = reverse("interventions-report-pdf", args=[job.pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    expected = {technician: 200, dispatcher: 200, manager: 200, other_technician: 404, nobody: 403}
    for user, status in expected.items():
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user.username
        if status == 200:
            assert b"".join(response.streaming_content) == Path(report.pdf.path).read_bytes()


def test_no_template_links_to_a_file_field_url():
    """Files go through checked views: a template never prints `<file field>.url`. The file
    fields are read from the models, so a new one is covered; other `.url`s in templates are
    view addresses built in Python (a picker's endpoint, a planning slot's link)."""
    names = {
        field.name
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, FileField)
    }
    assert "pdf" in names
    pattern = re.compile(r"\b(?:" + "|".join(sorted(names)) + r")\.url\b")
    offenders = []
    for template in (ROOT / "templates").rglob("*.html"):
        for number, line in enumerate(template.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{template.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_no_media_route_in_any_urlconf():
    for source in (ROOT / "config" / "urls.py", *ROOT.glob("*/urls.py")):
        text = source.read_text()
        assert "MEDIA_URL" not in text and "MEDIA_ROOT" not in text, source
