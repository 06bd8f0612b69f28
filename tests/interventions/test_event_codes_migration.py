"""Migration 0016: the sentences events stored before the codes become codes and facts.

The sentences are written out as the services generated them, in English and in French (with a
non-breaking space before the colon, or an ordinary one as in older catalogues).
"""

import importlib
import re
from html import unescape
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from clients.models import Contract
from interventions.models import InterventionEvent
from interventions.people import user_language_set
from tests.factories import ContractFactory, make_intervention

migration = importlib.import_module("interventions.migrations.0016_event_codes_from_sentences")

NBSP = "\u00a0"
CORRECTION = {
    "visit": 7,
    "before": {"arrived_at": "2025-03-03T08:00:00+00:00", "left_at": None},
    "after": {"arrived_at": "2025-03-03T08:15:00+00:00", "left_at": "2025-03-03T09:45:00+00:00"},
}
CHANGES = {"travel": {"from": False, "to": True}}

# kind, note as stored, data as stored, to_status → code, note kept, data added
CASES = [
    ("status", "Facturée", {}, "billed", "status", "", {}),
    ("status", "Billed", {}, "billed", "status", "", {}),
    ("status", "Doublon", {}, "cancelled", "status", "Doublon", None),
    ("status", "", {}, "scheduled", "status", "", None),
    (
        "note",
        f"Contrat retenu{NBSP}: CLE-1 (Clé en main).",
        {"from": None, "contract": "CLE-1"},
        "",
        "contract_chosen",
        "",
        {},
    ),
    (
        "note",
        "Contract chosen: CLE-1 (Turnkey service).",
        {"from": None, "contract": "CLE-1"},
        "",
        "contract_chosen",
        "",
        {},
    ),
    (
        "note",
        f"Aucun contrat{NBSP}: tout sera facturé.",
        {"from": "CLE-1", "contract": None},
        "",
        "contract_none",
        "",
        {},
    ),
    (
        "note",
        "No contract: everything will be billed.",
        {"from": "CLE-1", "contract": None},
        "",
        "contract_none",
        "",
        {},
    ),
    (
        "note",
        "Pièce retirée : 1.50 × Toner XL-59",
        {},
        "",
        "part_removed",
        "",
        {"quantity": "1.50", "description": "Toner XL-59", "reference": ""},
    ),
    (
        "note",
        f"Pièce retirée{NBSP}: 2 × Câble RJ45",
        {},
        "",
        "part_removed",
        "",
        {"quantity": "2", "description": "Câble RJ45", "reference": ""},
    ),
    (
        "note",
        "Part removed: 1.00 × Drum",
        {},
        "",
        "part_removed",
        "",
        {"quantity": "1.00", "description": "Drum", "reference": ""},
    ),
    ("note", "Appeler avant de passer", {}, "", "note", "Appeler avant de passer", None),
    ("visit", "Passage corrigé", CORRECTION, "", "visit_corrected", "", {}),
    ("visit", "Visit corrected", CORRECTION, "", "visit_corrected", "", {}),
    (
        "visit",
        "",
        {"visit": 7, "arrived_at": "2025-03-03T08:00:00+00:00"},
        "",
        "visit_arrived",
        "",
        None,
    ),
    (
        "visit",
        "",
        {"visit": 7, "left_at": "2025-03-03T09:00:00+00:00"},
        "",
        "visit_departed",
        "",
        None,
    ),
    ("report", "Résolu", {"outcome": "resolved"}, "", "resolved", "", {}),
    ("report", "Resolved", {"outcome": "resolved"}, "", "resolved", "", {}),
    (
        "report",
        "Hors conditions du contrat : Papier inadapté\nBac 2",
        {"out_of_conditions": True},
        "",
        "out_of_conditions",
        "Papier inadapté\nBac 2",
        {},
    ),
    (
        "report",
        "Outside the contract's conditions: Wrong paper",
        {"out_of_conditions": True},
        "",
        "out_of_conditions",
        "Wrong paper",
        {},
    ),
    (
        "report",
        "Dans les conditions du contrat.",
        {"out_of_conditions": False},
        "",
        "within_conditions",
        "",
        {},
    ),
    (
        "report",
        "Within the contract's conditions.",
        {"out_of_conditions": False},
        "",
        "within_conditions",
        "",
        {},
    ),
    ("billing", "Marquée comme facturée.", {"billed": True}, "", "billed", "", {}),
    ("billing", "Marked as billed.", {"billed": True}, "", "billed", "", {}),
    ("billing", "Facture annulée", {"billed": False}, "", "unbilled", "Facture annulée", None),
    (
        "billing",
        "Geste commercial",
        {"flag": "labour", "from": True, "to": False},
        "",
        "billing_override",
        "Geste commercial",
        None,
    ),
    (
        "billing",
        f"Avenant n°{NBSP}2 demandé{NBSP}: Oubli du déplacement",
        {"amendment": 2, "changes": CHANGES},
        "",
        "amendment_requested",
        "Oubli du déplacement",
        {},
    ),
    (
        "billing",
        "Amendment no. 3 requested: Travel forgotten",
        {"changes": CHANGES},
        "",
        "amendment_requested",
        "Travel forgotten",
        {"amendment": 3},
    ),
    ("signature", "Signature du technicien", {}, "", "technician_signed", "", {}),
    ("signature", "Technician's signature", {}, "", "technician_signed", "", {}),
    (
        "signature",
        "Signé par le client : Mme Roux",
        {"sha256": "ab"},
        "",
        "customer_signed",
        "",
        {"name": "Mme Roux"},
    ),
    (
        "signature",
        "Signed by the customer: A. Roux",
        {"sha256": "ab"},
        "",
        "customer_signed",
        "",
        {"name": "A. Roux"},
    ),
    (
        "signature",
        f"Avenant n°{NBSP}2 signé par le client{NBSP}: Mme Roux",
        {"amendment": 2, "sha256": "cd"},
        "",
        "amendment_signed",
        "",
        {"name": "Mme Roux"},
    ),
    (
        "signature",
        "Amendment no. 2 signed by the customer: A. Roux",
        {"amendment": 2, "sha256": "cd"},
        "",
        "amendment_signed",
        "",
        {"name": "A. Roux"},
    ),
    (
        "linked",
        "Wi-Fi",
        {"child": "2026-00002", "relation": "additional_request"},
        "",
        "additional_request",
        "Wi-Fi",
        None,
    ),
    (
        "linked",
        "Reste le tambour",
        {"child": "2026-00003", "relation": "follow_up"},
        "",
        "follow_up",
        "Reste le tambour",
        None,
    ),
    ("created", "Imprimante HS", {}, "new", "created", "Imprimante HS", None),
    ("assigned", "", {"from": None, "to": "karim"}, "", "assigned", "", None),
    (
        "handover",
        "Toner changé",
        {"from": "karim", "to": "julie"},
        "",
        "handover",
        "Toner changé",
        None,
    ),
]


@pytest.mark.parametrize(
    "kind, note, data, to_status, code, kept, added", CASES, ids=[c[1][:30] for c in CASES]
)
def test_each_sentence_of_either_language_becomes_its_code(
    kind, note, data, to_status, code, kept, added
):
    """`added` None: the note was typed by a person, nothing is taken from it (no "sentence")."""
    expected = dict(data) if added is None else {**data, **added, "sentence": note}
    assert migration.convert(kind, note, data, to_status) == (code, kept, expected)


def run_migration(function=migration.events_to_codes):
    function(apps, SimpleNamespace(connection=connection))


def history(client, user, job, language) -> list[str]:
    user_language_set(user=user, language=language)
    client.force_login(user)
    html = client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
    block = html[html.index('data-testid="history"') :]
    block = block[: block.index("</ul>")]
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", "", item)).split()).split(" · ", 1)[1]
        for item in re.findall(r"<li[^>]*>(.*?)</li>", block, re.S)
    ]


@pytest.fixture
def old_events(db):
    """A job whose events were written the old way, by a French and an English speaker."""
    ContractFactory(number="CLE-1", kind=Contract.Kind.TURNKEY)
    job = make_intervention(object="HP LaserJet M404")
    old = [
        ("note", f"Contrat retenu{NBSP}: CLE-1 (Clé en main).", {"contract": "CLE-1"}),
        ("note", "Part removed: 1.50 × Toner XL-59", {}),
        ("report", "Hors conditions du contrat : XL-59 (x3)", {"out_of_conditions": True}),
        ("signature", "Signed by the customer: A. Roux", {"sha256": "ab"}),
        ("billing", "Marquée comme facturée.", {"billed": True, "total_excl_vat": "1260.00"}),
        ("note", "Rappeler M. Roux", {}),
    ]
    for kind, note, data in old:
        InterventionEvent.objects.create(intervention=job, kind=kind, note=note, data=data)
    return job


def test_old_events_are_converted_and_read_in_the_readers_language(client, manager, old_events):
    job = old_events
    run_migration()
    assert list(job.events.values_list("code", "note")) == [
        ("created", "HP LaserJet M404"),
        ("contract_chosen", ""),
        ("part_removed", ""),
        ("out_of_conditions", "XL-59 (x3)"),
        ("customer_signed", ""),
        ("billed", ""),
        ("note", "Rappeler M. Roux"),
    ]
    chosen = job.events.get(code="contract_chosen")
    assert chosen.data == {
        "contract": "CLE-1",
        "contract_kind": "turnkey",
        "sentence": f"Contrat retenu{NBSP}: CLE-1 (Clé en main).",
    }
    assert history(client, manager, job, "en") == [
        "system Created: New HP LaserJet M404",
        "system Note: contract chosen: CLE-1 (Turnkey service)",
        "system Note: part removed: 1.50 × Toner XL-59",
        "system Report updated: outside the contract's conditions XL-59 (x3)",
        "system Signature: signed by the customer, A. Roux",
        "system Billing: marked as billed, 1,260.00 € excl. VAT",
        "system Note Rappeler M. Roux",
    ]
    assert history(client, manager, job, "fr") == [
        "système Création : Nouvelle HP LaserJet M404",
        "système Note : contrat retenu : CLE-1 (Clé en main)",
        "système Note : pièce retirée : 1,50 × Toner XL-59",
        "système Rapport mis à jour : hors conditions du contrat XL-59 (x3)",
        "système Signature : signée par le client, A. Roux",
        "système Facturation : marquée comme facturée, 1 260,00 € HT",
        "système Note Rappeler M. Roux",
    ]


def test_the_conversion_runs_once_and_the_history_stays_append_only(old_events):
    job = old_events
    run_migration()
    converted = list(job.events.values_list("pk", "code", "note", "data"))
    run_migration()
    assert list(job.events.values_list("pk", "code", "note", "data")) == converted
    with pytest.raises(IntegrityError, match="historique non modifiable"), transaction.atomic():
        InterventionEvent.objects.filter(intervention=job).update(note="réécrit")


def test_going_back_restores_the_sentences(old_events):
    job = old_events
    before = list(job.events.values_list("note", flat=True))
    run_migration()
    run_migration(migration.sentences_back)
    assert list(job.events.values_list("note", flat=True)) == before
    assert not job.events.filter(data__has_key="sentence").exists()
