"""The signed PDF report: read back with poppler (pdftotext, pdfinfo, pdffonts)."""

import datetime
import hashlib
import re
import subprocess
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from interventions import services, workflow
from interventions.demo.build import demo_signature
from interventions.models import SignedReport, Status
from interventions.pdf import content_fingerprint, render_report_pdf, split_text
from interventions.snapshot import report_snapshot
from tests.factories import (
    ClientFactory,
    ContractFactory,
    EquipmentFactory,
    PartFactory,
    SiteFactory,
    make_intervention,
)
from tests.interventions.integrity_helpers import triggers_off

LABELS = [
    "Rapport d'intervention",
    "N° intervention",
    "N° client",
    "Nom",
    "Adresse",
    "OBJET",
    "MATÉRIEL",
    "CONTRAT",
    "GARANTIE",
    "FACTURABLE",
    "DIAGNOSTICS / OBSERVATIONS",
    "TRAVAUX RÉALISÉS / PIÈCES FOURNIES",
    "Date de la demande",
    "Date et heure d'intervention",
    "Heure d'arrivée / de départ",
    "Durée d'intervention",
    "Déplacement (km)",
    "Temps de trajet",
    "Date de résolution",
    "Délai d'intervention respecté",
    "REMARQUE",
    "SIGNATURE DU TECHNICIEN",
    "Nom du technicien",
    "CACHET ET SIGNATURE CLIENT",
    "Nom du signataire",
    "La prestation faisant l'objet des présentes se trouve être régie par nos conditions "
    "générales que le souscripteur déclare expressément accepter.",
    "Empreinte SHA-256 du contenu signé",
]


def pdf_text(data: bytes, tmp_path, *, first=None, last=None) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    args = ["pdftotext"]
    if first:
        args += ["-f", str(first)]
    if last:
        args += ["-l", str(last)]
    out = subprocess.run([*args, str(path), "-"], check=True, capture_output=True, text=True)
    return " ".join(out.stdout.split())  # one line, single spaces: labels and values adjacent


def pdf_info(data: bytes, tmp_path, *extra) -> str:
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdfinfo", *extra, str(path)], check=True, capture_output=True, text=True
    ).stdout


def pdf_lines(data: bytes, tmp_path) -> str:
    """Physical layout, one printed line per line, spaces collapsed (for side-by-side cells)."""
    path = tmp_path / "layout.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return "\n".join(" ".join(line.split()) for line in out.splitlines())


def page_count(data, tmp_path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", pdf_info(data, tmp_path), re.M).group(1))


def signatures(tech_name="Karim Haddad", customer="Mme Françoise Lœuvre", at=None):
    at = (at or timezone.now()).isoformat()
    return {
        "technician": {"name": tech_name, "signed_at": at, "image": demo_signature(tech_name)},
        "customer": {
            "name": customer,
            "signed_at": at,
            "image": demo_signature(customer),
            "stamp": None,
        },
    }


def signed_job(technician, *, diagnostics=None, work_done=None, remarks="", parts=1, **extra):
    """A report signed through the real path (visit, texts, parts, transition, freeze)."""
    client = ClientFactory(
        name="Boulangerie Cœur de Blé", address="8 place de la Croix-Rousse", city="Lyon"
    )
    contract = ContractFactory(client=client, number="MAINT-2026-007", response_time_hours=8)
    equipment = EquipmentFactory(
        client=client,
        site=SiteFactory(client=client, label="Fournil", address="10 rue d'Austerlitz"),
        brand="Epson",
        model="TM-T20III",
        serial_number="EPS-T20-88412",
        contract=contract,
        warranty_until=timezone.localdate() + datetime.timedelta(days=100),
    )
    job = make_intervention(
        equipment=equipment,
        object="L'imprimante à tickets ne répond plus après la coupure électrique.",
        requested_at=timezone.now() - datetime.timedelta(hours=3),
    )
    arrived = timezone.now() - datetime.timedelta(hours=2)
    services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=arrived,
        left_at=arrived + datetime.timedelta(hours=1, minutes=15),
        travel_km=Decimal("12.5"),
        travel_minutes=25,
    )
    services.report_update(
        intervention=job,
        actor=technician,
        diagnostics=diagnostics
        if diagnostics is not None
        else "Carte d'interface grillée ; câble série à 90 °C, œillet arraché.",
        work_done=work_done
        if work_done is not None
        else "Remplacement de la carte et du câble ; reçu de test imprimé, façade nettoyée.",
        remarks=remarks,
    )
    for n in range(parts):
        services.part_add(
            intervention=job,
            part=PartFactory(reference=f"CART-{n:03d}", name=f"Carte d'interface série n°{n}"),
            quantity=Decimal("2") if n == 0 else Decimal("1"),
            actor=technician,
        )
    workflow.transition(job, Status.AWAITING_SIGNATURE, actor=technician)
    return services.report_freeze(
        intervention=job,
        signatures=signatures(tech_name=technician.get_full_name() or "Karim Haddad"),
        actor=technician,
        **extra,
    )


def stored_bytes(report) -> bytes:
    with report.pdf.open("rb") as f:
        return f.read()


@pytest.fixture
def report(technician):
    return signed_job(technician)


def test_typical_report_is_one_page_with_every_label_and_value(report, tmp_path):
    data = stored_bytes(report)
    assert page_count(data, tmp_path) == 1
    text = pdf_text(data, tmp_path)
    for label in LABELS:
        assert label in text, label
    number = report.intervention.number
    client = report.intervention.client
    assert f"N° intervention : {number}" in text
    assert f"N° client : {client.number}" in text
    assert "Nom : Boulangerie Cœur de Blé" in text
    assert "Adresse : 8 place de la Croix-Rousse, 69003 Lyon" in text
    assert "Site d'intervention : Fournil, 10 rue d'Austerlitz" in text
    assert "L'imprimante à tickets ne répond plus après la coupure électrique." in text
    assert "Epson TM-T20III" in text and "N° de série : EPS-T20-88412" in text
    lines = pdf_lines(data, tmp_path)
    assert re.search(r"CONTRAT ☒ OUI ☐ NON N° MAINT-2026-007$", lines, re.M)
    assert re.search(r"GARANTIE ☒ OUI ☐ NON jusqu'au \d\d/\d\d/\d{4}$", lines, re.M)
    assert re.search(r"FACTURABLE ☐ DÉPL ☐ MO ☐ PIÈCES$", lines, re.M)  # nothing billable yet
    assert "Carte d'interface grillée ; câble série à 90 °C, œillet arraché." in text
    assert "façade nettoyée" in text
    assert re.search(r"^CART-000 Carte d'interface série n°0 2$", lines, re.M)
    arrived = timezone.localtime(report.intervention.first_arrival_at)
    assert f"Date et heure d'intervention : {arrived:%d/%m/%Y %H:%M}" in text
    left = arrived + datetime.timedelta(hours=1, minutes=15)
    assert f"Heure d'arrivée / de départ : {arrived:%H:%M} / {left:%H:%M}" in text
    assert "Durée d'intervention : 1 h 15" in text
    assert "Déplacement (km) : 12,5 km Temps de trajet : 25 min" in text
    met = {None: "sans objet", True: "OUI", False: "NON"}[report.intervention.met_deadline]
    assert f"Délai d'intervention respecté : {met} (contrat : 8 heures)" in text
    assert "Nom du technicien :" in text
    assert "Nom du signataire : Mme Françoise Lœuvre" in text
    signed = timezone.localtime(report.signed_at)
    assert f"Signé le {signed:%d/%m/%Y} à {signed:%H:%M}" in text
    assert report.content_sha256 in text
    assert f"/verify/{number}/" in text
    assert "BROUILLON" not in text


def test_fingerprint_printed_is_the_canonical_snapshot_hash(report):
    stored = SignedReport.objects.get(pk=report.pk)
    assert stored.content_sha256 == content_fingerprint(stored.snapshot)
    assert stored.sha256 == hashlib.sha256(stored_bytes(stored)).hexdigest()


def test_pdf_is_pdfa3b_with_metadata_and_embedded_fonts(report, tmp_path):
    data = stored_bytes(report)
    info = pdf_info(data, tmp_path)
    assert f"Title:           Rapport d'intervention {report.intervention.number}" in info
    assert "Author:          InfoDépann Services" in info
    assert "Subject:         Boulangerie Cœur de Blé" in info
    meta = pdf_info(data, tmp_path, "-meta")
    assert 'pdfaid:part="3" pdfaid:conformance="B"' in meta
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all("DejaVu" in row for row in rows)
    assert all(row.split()[-5] == "yes" for row in rows), fonts  # emb column


def test_signatures_are_stored_trimmed_and_downscaled(report):
    import base64
    import io

    from PIL import Image

    for who in ("technician", "customer"):
        uri = report.snapshot["signatures"][who]["image"]
        image = Image.open(io.BytesIO(base64.b64decode(uri.partition(",")[2])))
        assert image.mode == "L"
        assert image.width <= 300 and image.height < 100  # ink bounding box, not the canvas


def test_long_report_keeps_page_one_complete_and_continues_in_annex(technician, tmp_path):
    diagnostics = ("Le disque présente des secteurs réalloués ; œuvre à reprendre. " * 90)[:5000]
    report = signed_job(
        technician, diagnostics=diagnostics, remarks="Remarque très détaillée. " * 40, parts=30
    )
    data = stored_bytes(report)
    assert page_count(data, tmp_path) >= 2
    page1 = pdf_text(data, tmp_path, first=1, last=1)
    for label in LABELS:
        assert label in page1, label
    assert "Nom du signataire : Mme Françoise Lœuvre" in page1
    assert "suite en annexe" in page1
    assert "CART-000" in page1 and "CART-029" not in page1
    annex = pdf_text(data, tmp_path, first=2)
    number = report.intervention.number
    assert f"Rapport d'intervention N° {number} — Annexe" in annex
    assert "Diagnostics / observations (suite)" in annex
    assert "CART-029" in annex
    # Nothing lost: page one + annex hold the whole text.
    whole = " ".join(pdf_text(data, tmp_path).split())
    assert whole.count("œuvre à reprendre") == diagnostics.count("œuvre à reprendre")


def test_fonts_never_shrink_on_a_long_report(technician, tmp_path):
    report = signed_job(technician, diagnostics="x" * 5000, parts=30)
    path = tmp_path / "long.pdf"
    path.write_bytes(stored_bytes(report))
    html = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-bbox", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    heights = [
        float(y2) - float(y1)
        for y1, y2 in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', html)
    ]
    assert heights and min(heights) >= 7.0  # pt: 7 pt glyph boxes at the smallest


def test_html_and_script_in_texts_are_printed_literally(technician, tmp_path):
    evil = "<script>alert('x')</script><b>gras</b> & <img src=http://evil.example/x.png>"
    report = signed_job(technician, diagnostics=evil, remarks="<i>R</i>")
    text = pdf_text(stored_bytes(report), tmp_path)
    assert "<script>alert('x')</script><b>gras</b> & <img src=http://evil.example/x.png>" in text
    assert "<i>R</i>" in text


def test_unsigned_preview_carries_the_draft_watermark(technician, tmp_path):
    job = make_intervention()
    data = render_report_pdf(report_snapshot(job), draft=True)
    text = pdf_text(data, tmp_path)
    assert "BROUILLON — non signé" in text
    assert "Empreinte SHA-256" not in text


def test_acceptance_results_are_printed_above_the_customer_signature(db, tmp_path):
    snapshot = {
        "number": "2026-00099",
        "client": {"number": "CLI-00001", "name": "Test", "address": "1 rue"},
        "site": {},
        "billable": {"travel": True, "labour": False, "parts": True},
        "extras": {
            "acceptance": [
                {
                    "title": "Recette connexion Internet",
                    "version": 2,
                    "steps": [
                        {"label": "Navigation vérifiée", "result": "passed", "comment": ""},
                        {"label": "Messagerie", "result": "failed", "comment": "mot de passe"},
                    ],
                }
            ]
        },
    }
    data = render_report_pdf(snapshot, draft=True)
    text = pdf_text(data, tmp_path)
    assert "Recette connexion Internet (v2) — 1/2 étapes réussies" in text
    assert "✘ échec — Messagerie : mot de passe" in text
    assert text.index("RÉSULTATS DE LA RECETTE") < text.index("CACHET ET SIGNATURE CLIENT")
    assert re.search(r"FACTURABLE ☒ DÉPL ☐ MO ☒ PIÈCES$", pdf_lines(data, tmp_path), re.M)


def test_remote_resources_are_never_fetched(tmp_path):
    from interventions.pdf import LocalOnlyFetcher

    fetcher = LocalOnlyFetcher([tmp_path])
    for url in ("http://example.com/x.png", "https://example.com/x.css", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_split_text_cuts_between_words_and_loses_nothing():
    text = "un deux trois quatre cinq six sept huit neuf dix"
    head, tail = split_text(text, width=10, max_lines=2)
    assert (head, tail) == ("un deux trois", "quatre cinq six sept huit neuf dix")
    head, tail = split_text("x" * 25, width=10, max_lines=2)  # no space: cut inside the word
    assert (head, tail) == ("x" * 20, "x" * 5)
    assert split_text("court", width=10, max_lines=2) == ("court", "")


# --- download, preview, verify ------------------------------------------------------------


def test_download_serves_the_stored_bytes(client, technician, report):
    client.force_login(technician)
    response = client.get(reverse("interventions-report-pdf", args=[report.intervention.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == stored_bytes(report)


def test_download_is_404_for_another_technician(client, other_technician, report):
    client.force_login(other_technician)
    url = reverse("interventions-report-pdf", args=[report.intervention.pk])
    assert client.get(url).status_code == 404


def test_download_needs_a_role(client, nobody, report):
    client.force_login(nobody)
    url = reverse("interventions-report-pdf", args=[report.intervention.pk])
    assert client.get(url).status_code == 403


def test_draft_preview_for_own_unsigned_job_only(client, technician, other_technician, tmp_path):
    job = make_intervention()
    services.intervention_assign(intervention=job, technician=technician)
    url = reverse("interventions-report-preview", args=[job.pk])
    client.force_login(technician)
    response = client.get(url)
    assert response.status_code == 200
    assert "BROUILLON — non signé" in pdf_text(response.content, tmp_path)
    client.force_login(other_technician)
    assert client.get(url).status_code == 404


def test_preview_of_a_signed_job_redirects_to_the_stored_pdf(client, manager, report):
    client.force_login(manager)
    response = client.get(reverse("interventions-report-preview", args=[report.intervention.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "interventions-report-pdf", args=[report.intervention.pk]
    )


def test_verify_page_needs_no_login_and_shows_only_number_date_status(client, report):
    response = client.get(reverse("reports-verify", args=[report.intervention.number]))
    assert response.status_code == 200
    html = response.content.decode()
    assert report.intervention.number in html
    assert "Intact." in html
    assert "Signée" in html
    assert report.intervention.client.name not in html
    assert report.snapshot["object"] not in html


def test_verify_page_is_404_for_an_unsigned_or_unknown_number(db, client):
    job = make_intervention()
    assert client.get(reverse("reports-verify", args=[job.number])).status_code == 404
    assert client.get(reverse("reports-verify", args=["1999-00001"])).status_code == 404


def tamper_one_byte(report):
    path = report.pdf.path
    with open(path, "r+b") as f:
        f.seek(400)
        byte = f.read(1)
        f.seek(400)
        f.write(bytes([byte[0] ^ 0x01]))


def test_one_byte_change_fails_the_verify_page(client, report):
    tamper_one_byte(report)
    response = client.get(reverse("reports-verify", args=[report.intervention.number]))
    html = response.content.decode()
    assert "Altéré\u00a0!" in html and "Intact." not in html


def test_verify_report_command_passes_then_fails_after_one_byte_change(report, capsys):
    call_command("verify_report", report.intervention.number)
    assert "INTACT" in capsys.readouterr().out
    tamper_one_byte(report)
    with pytest.raises(CommandError, match="ALTÉRÉ"):
        call_command("verify_report", report.intervention.number)


def test_verify_report_command_detects_a_changed_snapshot(report):
    from interventions.models import SignedReport as Model

    # Bypass the model's save-once guard and the database's triggers, as someone with direct
    # access to the database would.
    snapshot = dict(report.snapshot, remarks="ajouté après coup")
    with triggers_off():
        Model.objects.filter(pk=report.pk).update(snapshot=snapshot)
    with pytest.raises(CommandError, match="ALTÉRÉ"):
        call_command("verify_report", report.intervention.number)


def test_report_pdf_command_writes_stored_or_draft(report, technician, tmp_path):
    out = tmp_path / "signed.pdf"
    call_command("report_pdf", report.intervention.number, "-o", str(out))
    assert out.read_bytes() == stored_bytes(report)
    job = make_intervention()
    draft = tmp_path / "draft.pdf"
    call_command("report_pdf", job.number, "-o", str(draft))
    assert "BROUILLON — non signé" in pdf_text(draft.read_bytes(), tmp_path)
    with pytest.raises(CommandError):
        call_command("report_pdf", "1999-00001", "-o", str(tmp_path / "x.pdf"))


def test_verify_page_query_count(client, report, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        response = client.get(reverse("reports-verify", args=[report.intervention.number]))
    assert response.status_code == 200


def test_detail_page_links_to_the_signed_pdf_or_the_draft(client, manager, report):
    client.force_login(manager)
    html = client.get(reverse("interventions-detail", args=[report.intervention.pk])).content
    assert reverse("interventions-report-pdf", args=[report.intervention.pk]).encode() in html
    job = make_intervention()
    html = client.get(reverse("interventions-detail", args=[job.pk])).content
    assert reverse("interventions-report-preview", args=[job.pk]).encode() in html


def test_rendering_the_frozen_snapshot_again_gives_the_same_bytes(report):
    assert render_report_pdf(report.snapshot, draft=False) == stored_bytes(report)
