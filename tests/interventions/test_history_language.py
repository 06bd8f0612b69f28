"""The history reads in the reader's language, whoever wrote it in whichever language.

Events store a code and its facts; the words (labels, dates, numbers) are made when the page is
read. A French dispatcher and manager, an English technician and manager work on the same job:
the French page is all French, the English page all English. Only what people typed (object,
reasons, notes, names) is shown as typed: the scenario types neutral references.
"""

import csv
import datetime
import io
import re
import subprocess
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from clients.models import Contract
from interventions import roles, services
from interventions.models import InterventionEvent, Status
from interventions.people import user_language_set
from interventions.services import amendments
from tests.factories import ContractFactory, UserFactory, make_intervention
from tests.interventions import billing_helpers
from tests.interventions.tablet_helpers import drawn_signature, shown

PARIS = ZoneInfo("Europe/Paris")


def at(hour, minute=0):
    return datetime.datetime(2025, 3, 3, hour, minute, tzinfo=PARIS)


def person(username, first, last, language, **kwargs):
    user = UserFactory(username=username, first_name=first, last_name=last, **kwargs)
    user.language = language  # what the request would activate for them
    return user


@pytest.fixture
def people(db, django_user_model):
    paul = django_user_model.objects.create_superuser(
        "paul", "paul@example.com", "x", first_name="Paul", last_name="Girard"
    )
    paul.language = "fr"
    return {
        "sophie": person("sophie", "Sophie", "Lambert", "fr", role=roles.DISPATCHER),
        "luc": person("luc", "Luc", "Moreau", "fr", role=roles.MANAGER),
        "karim": person("karim", "Karim", "Haddad", "fr", role=roles.TECHNICIAN),
        "paul": paul,
        "john": person("john", "John", "Smith", "en", role=roles.TECHNICIAN),
        "mary": person("mary", "Mary", "Jones", "en", role=roles.MANAGER),
        "emma": person("emma", "Emma", "Brown", "en", role=roles.DISPATCHER),
    }


def as_(user, service, **kwargs):
    """Call a service as the request of `user` would: in their language."""
    with translation.override(user.language):
        return service(actor=user, **kwargs)


def read(client, reader, job, language) -> list[str]:
    """The history lines as `reader` reads them in `language`, as plain text (tags removed
    where they stand, so that "<strong>Created</strong>: New" reads "Created: New"), without
    the time stamp."""
    user_language_set(user=reader, language=language)
    client.force_login(reader)
    html = client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
    assert f'<html lang="{language}"' in html
    block = html[html.index('data-testid="history"') :]
    block = block[: block.index("</ul>")]
    lines = []
    for item in re.findall(r"<li[^>]*>(.*?)</li>", block, re.S):
        text = " ".join(unescape(re.sub(r"<[^>]+>", "", item)).split())
        lines.append(text.split(" · ", 1)[1])
    return lines


@pytest.fixture
def billed_then_unbilled(people):
    """One job from the call to a billing mistake taken back, by people of both languages."""
    p = people
    contract = ContractFactory(
        number="CLE-1",
        kind=Contract.Kind.TURNKEY,
        covers_labour=True,
        covers_travel=True,
        start_date=datetime.date(2025, 1, 1),
        end_date=datetime.date(2025, 12, 31),
    )
    job = as_(
        p["sophie"],
        services.intervention_create,
        client=contract.client,
        object="HP LaserJet M404",
        requested_at=at(8),
    )
    as_(p["sophie"], services.intervention_contract_choose, intervention=job, contract=contract)
    as_(p["sophie"], services.intervention_assign, intervention=job, technician=p["john"])
    john = {"actor": p["john"]}
    with translation.override("en"):
        visit = services.visit_arrive(intervention=job, technician=p["john"], at=at(9))
        services.visit_depart(visit=visit, left_at=at(10, 30), **john)
        services.visit_update(
            visit=visit,
            arrived_at=at(9, 15),
            left_at=at(10, 45),
            travel_km=Decimal("2100"),
            travel_minutes=30,
            **john,
        )
        part = services.part_add(
            intervention=job, description="Toner XL-59", quantity=Decimal("1.5"), **john
        )
        services.part_remove(part_used=part, **john)
        services.out_of_conditions_record(
            intervention=job, out_of_conditions=True, note="XL-59 (x3)", **john
        )
        services.out_of_conditions_record(intervention=job, out_of_conditions=False, **john)
        child = services.intervention_additional_request(intervention=job, object="Wi-Fi", **john)
        services.intervention_resolve(intervention=job, **john)
        services.report_update(intervention=job, work_done="OK", **john)
        services.report_submit(intervention=job, **john)
        services.report_sign_technician(
            intervention=job, shown_sha256=shown(job), image=drawn_signature(), **john
        )
        services.report_sign_customer(
            intervention=job,
            shown_sha256=shown(job),
            signatory_name="A. Roux",
            image=drawn_signature(),
            **john,
        )
    as_(
        p["mary"],
        services.billing_override,
        intervention=job,
        flag="parts",
        billable=False,
        reason="X-42",
    )
    amendment = as_(
        p["luc"],
        amendments.amendment_request,
        intervention=job,
        changes={"travel": True},
        reason="R-7",
    )
    as_(
        p["john"],
        amendments.amendment_sign,
        amendment=amendment,
        signatory_name="A. Roux",
        image=drawn_signature(),
    )
    as_(p["mary"], services.interventions_mark_billed, pks=[job.pk])
    as_(p["paul"], services.intervention_unbill, intervention=job, reason="F-118")
    job.refresh_from_db()
    assert job.status == Status.SIGNED
    return job, child


def test_one_history_reads_in_french_for_a_french_reader(client, people, billed_then_unbilled):
    job, child = billed_then_unbilled
    assert read(client, people["luc"], job, "fr") == [
        "Sophie Lambert Création : Nouvelle HP LaserJet M404",
        "Sophie Lambert Note : contrat retenu : CLE-1 (Clé en main)",
        "Sophie Lambert Affectation : — → John Smith",
        "Sophie Lambert Changement de statut : Nouvelle → Planifiée",
        "John Smith Passage : arrivée 03/03/2025 09:00",
        "John Smith Changement de statut : Planifiée → En cours",
        "John Smith Passage : départ 03/03/2025 10:30",
        "John Smith Passage : corrigé 03/03/2025 09:00 – 03/03/2025 10:30 "
        "→ 03/03/2025 09:15 – 03/03/2025 10:45",
        "John Smith Note : pièce ajoutée : 1,50 × Toner XL-59",
        "John Smith Note : pièce retirée : 1,50 × Toner XL-59",
        "John Smith Rapport mis à jour : hors conditions du contrat XL-59 (x3)",
        "John Smith Rapport mis à jour : dans les conditions du contrat",
        f"John Smith Intervention liée : {child.number} (Autre demande du client) Wi-Fi",
        "John Smith Rapport mis à jour : Résolu",
        "John Smith Rapport mis à jour : travaux réalisés, — → « OK »",
        "John Smith Changement de statut : En cours → En attente de signature",
        "John Smith Signature : signée par le technicien",
        "John Smith Changement de statut : En attente de signature → Signée",
        "John Smith Signature : signée par le client, A. Roux",
        "Mary Jones Facturation : Pièces : facturable → non facturable "
        "(proposition : facturable) Motif : X-42",
        "Luc Moreau Facturation : avenant n° 2 demandé "
        "(Déplacement : non facturable → facturable) Motif : R-7",
        "John Smith Signature : avenant n° 2 signé par le client, A. Roux",
        "Mary Jones Changement de statut : Signée → Facturée",
        "Mary Jones Facturation : marquée comme facturée, 1 260,00 € HT",
        "Paul Girard Changement de statut : Facturée → Signée Motif : F-118",
        "Paul Girard Facturation : marquée comme non facturée Motif : F-118",
    ]


def test_one_history_reads_in_english_for_an_english_reader(client, people, billed_then_unbilled):
    job, child = billed_then_unbilled
    assert read(client, people["mary"], job, "en") == [
        "Sophie Lambert Created: New HP LaserJet M404",
        "Sophie Lambert Note: contract chosen: CLE-1 (Turnkey service)",
        "Sophie Lambert Assignment: — → John Smith",
        "Sophie Lambert Status change: New → Scheduled",
        "John Smith Visit: arrival 03/03/2025 09:00",
        "John Smith Status change: Scheduled → In progress",
        "John Smith Visit: departure 03/03/2025 10:30",
        "John Smith Visit: corrected 03/03/2025 09:00 – 03/03/2025 10:30 "
        "→ 03/03/2025 09:15 – 03/03/2025 10:45",
        "John Smith Note: part added: 1.50 × Toner XL-59",
        "John Smith Note: part removed: 1.50 × Toner XL-59",
        "John Smith Report updated: outside the contract's conditions XL-59 (x3)",
        "John Smith Report updated: within the contract's conditions",
        f"John Smith Linked intervention: {child.number} (Other request from the customer) Wi-Fi",
        "John Smith Report updated: Resolved",
        "John Smith Report updated: work done, — → “OK”",
        "John Smith Status change: In progress → Awaiting signature",
        "John Smith Signature: signed by the technician",
        "John Smith Status change: Awaiting signature → Signed",
        "John Smith Signature: signed by the customer, A. Roux",
        "Mary Jones Billing: Parts: billable → not billable (proposed: billable) Reason: X-42",
        "Luc Moreau Billing: amendment no. 2 requested (Travel: not billable → billable) "
        "Reason: R-7",
        "John Smith Signature: amendment no. 2 signed by the customer, A. Roux",
        "Mary Jones Status change: Signed → Billed",
        "Mary Jones Billing: marked as billed, 1,260.00 € excl. VAT",
        "Paul Girard Status change: Billed → Signed Reason: F-118",
        "Paul Girard Billing: marked as not billed Reason: F-118",
    ]


def test_events_store_codes_and_only_what_people_typed(billed_then_unbilled):
    job, child = billed_then_unbilled
    assert list(job.events.values_list("code", "note")) == [
        ("created", "HP LaserJet M404"),
        ("contract_chosen", ""),
        ("assigned", ""),
        ("status", ""),
        ("visit_arrived", ""),
        ("status", ""),
        ("visit_departed", ""),
        ("visit_corrected", ""),
        ("part_added", ""),
        ("part_removed", ""),
        ("out_of_conditions", "XL-59 (x3)"),
        ("within_conditions", ""),
        ("additional_request", "Wi-Fi"),
        ("resolved", ""),
        ("report_text", ""),
        ("status", ""),
        ("technician_signed", ""),
        ("status", ""),
        ("customer_signed", ""),
        ("billing_override", "X-42"),
        ("amendment_requested", "R-7"),
        ("amendment_signed", ""),
        ("status", ""),
        ("billed", ""),
        ("status", "F-118"),
        ("unbilled", "F-118"),
    ]
    removed = job.events.get(code="part_removed")
    assert (removed.data["quantity"], removed.data["description"]) == ("1.5", "Toner XL-59")
    signed = job.events.get(code="customer_signed")
    assert signed.data["name"] == "A. Roux"


def test_handover_follow_up_and_cancellation_read_in_each_language(client, people):
    p = people
    job = as_(p["sophie"], make_intervention, object="Switch 24p")
    as_(p["sophie"], services.intervention_assign, intervention=job, technician=p["john"])
    as_(
        p["john"],
        services.intervention_handover,
        intervention=job,
        to_technician=p["karim"],
        note="N-1",
    )
    child = as_(p["karim"], services.intervention_follow_up, intervention=job, reason="R-2")
    as_(p["emma"], services.intervention_cancel, intervention=job, reason="D-3")
    assert read(client, p["sophie"], job, "fr") == [
        "Sophie Lambert Création : Nouvelle Switch 24p",
        "Sophie Lambert Affectation : — → John Smith",
        "Sophie Lambert Changement de statut : Nouvelle → Planifiée",
        "John Smith Transmission : John Smith → Karim Haddad N-1",
        f"Karim Haddad Intervention liée : {child.number} (Suite d'intervention) R-2",
        "Emma Brown Changement de statut : Planifiée → Annulée Motif : D-3",
    ]
    assert read(client, p["emma"], job, "en") == [
        "Sophie Lambert Created: New Switch 24p",
        "Sophie Lambert Assignment: — → John Smith",
        "Sophie Lambert Status change: New → Scheduled",
        "John Smith Handover: John Smith → Karim Haddad N-1",
        f"Karim Haddad Linked intervention: {child.number} (Follow-up) R-2",
        "Emma Brown Status change: Scheduled → Cancelled Reason: D-3",
    ]


def test_the_history_of_a_linked_job_says_where_it_comes_from(client, people):
    p = people
    job = as_(p["sophie"], make_intervention, object="Switch 24p")
    child = as_(p["john"], services.intervention_follow_up, intervention=job, reason="R-2")
    created = child.events.get(code="created")
    assert created.data == {"parent": job.number, "relation": "follow_up"}
    assert read(client, p["sophie"], child, "fr")[0].startswith(
        f"John Smith Création : Nouvelle, liée à {job.number} (Suite d'intervention) "
    )
    assert read(client, p["emma"], child, "en")[0].startswith(
        f"John Smith Created: New, linked to {job.number} (Follow-up) "
    )


def test_no_event_code_is_left_without_words():
    """Every code the services write has its words in both languages."""
    from interventions.history import MESSAGES

    assert set(MESSAGES) == set(InterventionEvent.Code.values)


def test_the_admin_says_what_happened_in_its_readers_language(client, people):
    p = people
    job = as_(p["sophie"], make_intervention, object="Switch 24p")
    as_(p["mary"], services.intervention_cancel, intervention=job, reason="D-3")
    event = job.events.get(code="status")
    client.force_login(p["paul"])
    for language, words in (("fr", "Nouvelle → Annulée"), ("en", "New → Cancelled")):
        user_language_set(user=p["paul"], language=language)
        listed = client.get(reverse("admin:interventions_interventionevent_changelist"))
        shown = client.get(reverse("admin:interventions_interventionevent_change", args=[event.pk]))
        inline = client.get(reverse("admin:interventions_intervention_change", args=[job.pk]))
        for response in (listed, shown, inline):
            assert words in response.content.decode()


# --- what is issued or exported stays French, whoever asks ---------------------------------


def test_the_signed_pdf_is_french_when_an_english_speaker_signs(billed_then_unbilled, tmp_path):
    job, _child = billed_then_unbilled
    path = tmp_path / "report.pdf"
    path.write_bytes(job.signed_report.pdf.read())
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True)
    text = " ".join(out.stdout.split())
    assert "Nom du technicien : John Smith" in text
    assert "Technician" not in text and "Customer" not in text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_billing_export_is_french_for_an_english_reader(client, people, fmt):
    job = billing_helpers.signed_intervention(people["john"])
    client.force_login(people["mary"])
    user_language_set(user=people["mary"], language="en")
    assert 'lang="en"' in client.get(reverse("interventions-billing")).content.decode()
    response = client.get(reverse("interventions-billing-export", args=[fmt]))
    content = b"".join(response.streaming_content)
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    else:
        book = load_workbook(io.BytesIO(content), read_only=True)
        rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    header, row = rows[0], rows[1]
    assert header[:3] == ["Numéro", "Signée le", "Facturée le"]
    assert header[-2:] == ["Prix de revient", "Marge"]
    assert row[0] == job.number
    assert (row[12], row[13], row[14]) == ("oui", "oui", "oui")
