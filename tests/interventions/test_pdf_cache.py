"""What the report renderer keeps between renders (stylesheets, fonts, the logo's image, the
draft PDFs) is never stale: a changed report, a logo replaced on disk, a user in another
language, another report's signatures all show in the next PDF."""

import os
import subprocess

import pytest
from django.urls import reverse
from PIL import Image

from interventions import people, services
from interventions.pdf import render_report_pdf
from interventions.pdf.resources import _load
from interventions.snapshot import report_snapshot
from tests.factories import make_intervention
from tests.interventions.test_report_pdf import pdf_text, signed_job, stored_bytes


def image_sizes(data: bytes, tmp_path) -> list[tuple[int, int]]:
    path = tmp_path / "images.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return [(int(line.split()[3]), int(line.split()[4])) for line in out.splitlines()[2:]]


def write_logo(path, size, mtime):
    Image.new("RGB", size, (200, 30, 30)).save(path)
    os.utime(path, (mtime, mtime))


@pytest.fixture
def logo(db, settings, tmp_path):
    path = tmp_path / "logo.png"
    write_logo(path, (120, 40), 1_700_000_000)
    settings.COMPANY = {**settings.COMPANY, "logo": str(path)}
    return path


def test_a_logo_replaced_on_disk_is_printed_on_the_next_draft(logo, tmp_path):
    job = make_intervention()
    assert image_sizes(render_report_pdf(report_snapshot(job), draft=True), tmp_path) == [(120, 40)]
    write_logo(logo, (90, 60), 1_700_000_100)
    assert image_sizes(render_report_pdf(report_snapshot(job), draft=True), tmp_path) == [(90, 60)]


def test_another_logo_setting_is_printed_on_the_next_draft(logo, settings, tmp_path):
    job = make_intervention()
    render_report_pdf(report_snapshot(job), draft=True)
    other = tmp_path / "other.png"
    write_logo(other, (30, 30), 1_700_000_000)
    settings.COMPANY = {**settings.COMPANY, "logo": str(other)}
    assert image_sizes(render_report_pdf(report_snapshot(job), draft=True), tmp_path) == [(30, 30)]


def test_an_edited_report_shows_its_new_text_in_the_next_preview(client, technician, tmp_path):
    job = make_intervention()
    services.intervention_assign(intervention=job, technician=technician)
    client.force_login(technician)
    url = reverse("interventions-report-preview", args=[job.pk])
    services.report_update(intervention=job, diagnostics="Fusible grillé", actor=technician)
    first = client.get(url).content
    assert client.get(url).content == first
    services.report_update(intervention=job, diagnostics="Carte mère HS", actor=technician)
    text = pdf_text(client.get(url).content, tmp_path)
    assert "Carte mère HS" in text and "Fusible grillé" not in text


def test_the_preview_is_french_for_an_english_user_and_the_same_for_everyone(
    client, technician, manager, tmp_path
):
    job = make_intervention()
    services.intervention_assign(intervention=job, technician=technician)
    people.user_language_set(user=technician, language="en")
    url = reverse("interventions-report-preview", args=[job.pk])
    client.force_login(technician)
    english = client.get(url).content
    assert "Rapport d'intervention" in pdf_text(english, tmp_path)
    assert "BROUILLON — non signé" in pdf_text(english, tmp_path)
    client.force_login(manager)
    assert client.get(url).content == english


def test_another_reports_signatures_never_come_from_the_previous_render(technician):
    report = signed_job(technician)
    first = report.snapshot
    signatures = first["signatures"]
    swapped = {
        "technician": {**signatures["technician"], "image": signatures["customer"]["image"]},
        "customer": {**signatures["customer"], "image": signatures["technician"]["image"]},
    }
    second = {**first, "signatures": swapped}
    assert render_report_pdf(first, draft=False) == stored_bytes(report)
    after_first = render_report_pdf(second, draft=False)
    _load.cache_clear()
    assert render_report_pdf(second, draft=False) == after_first
    assert after_first != stored_bytes(report)
