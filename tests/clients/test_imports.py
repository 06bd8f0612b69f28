"""Import of clients, sites, equipment and contracts: dry run, errors in French per row and
column, confirmation all or nothing, idempotence, encodings, XLSX, Dolibarr and GLPI samples,
refused files, who may import (README, « Import de données »)."""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as HttpClient
from django.urls import reverse
from openpyxl import Workbook

from clients.imports import services as import_services
from clients.imports.formats import ImportFileError
from clients.imports.services import ImportRefused, import_confirm, import_preview
from clients.models import Client, Contract, Equipment, Site
from interventions.import_forms import ImportUploadForm

NBSP = "\u00a0"


def fr(text: str) -> str:
    """French typography of the expected messages: no-break spaces before « : » and inside
    the guillemets."""
    return text.replace("« ", f"«{NBSP}").replace(" »", f"{NBSP}»").replace(" :", f"{NBSP}:")


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"

CLIENTS_OK = (
    "Numéro client;Nom;Adresse;Code postal;Ville;Téléphone;E-mail\n"
    "CLI-02001;Boulangerie Émile Fournier;14 rue de la Charité;69002;Lyon;04 78 42 17 63;"
    "contact@fournier.fr\n"
    "CLI-02002;Crèche Les Petits Loups;9 rue Garibaldi;69006;Lyon;+33 4 72 83 45 12;\n"
)


@pytest.fixture(autouse=True)
def _import_dir(settings, tmp_path):
    settings.IMPORT_DIR = tmp_path / "imports"


def _counts():
    return {
        model.__name__: (model.objects.count(), model.history.count())
        for model in (Client, Site, Equipment, Contract)
    }


def _preview_and_confirm(content: bytes, *, kind="clients", fmt="app", name="f.csv"):
    report = import_preview(content=content, filename=name, kind=kind, fmt=fmt)
    assert report.errors == []
    return import_confirm(
        file_hash=report.file_hash, filename=name, kind=kind, fmt=fmt, digest=report.digest
    )


@pytest.fixture
def lyon_clients(db):
    _preview_and_confirm(
        FIXTURES.joinpath("clients_application.csv").read_bytes()[:0]
        + (
            "Numéro client;Nom;Adresse;Code postal;Ville\n"
            "CLI-01001;Boulangerie Émile Fournier;14 rue de la Charité;69002;Lyon\n"
            "CLI-01003;Mairie de Saint-Genis-Laval;Place Joannès Masset;69230;Saint-Genis-Laval\n"
            "CLI-01004;Pharmacie du Marché;2 avenue Jean-Jaurès;69007;Lyon\n"
        ).encode()
    )


# --- dry run ---------------------------------------------------------------------------------


def test_dry_run_writes_nothing_and_counts_what_would_be_done(db):
    Client.objects.create(number="CLI-02002", name="Crèche Les Petits Loups", city="Lyon")
    before = _counts()
    report = import_preview(
        content=CLIENTS_OK.encode(), filename="c.csv", kind="clients", fmt="app"
    )
    assert (report.created, report.updated, report.unchanged, report.invalid) == (1, 1, 0, 0)
    assert _counts() == before
    assert not Client.objects.filter(number="CLI-02001").exists()


def test_sample_clients_file_errors_in_french_per_row_and_column(db):
    content = FIXTURES.joinpath("clients_application.csv").read_bytes()
    before = _counts()
    report = import_preview(content=content, filename="c.csv", kind="clients", fmt="app")
    assert _counts() == before
    assert report.errors == [
        fr("Ligne 6, colonne « Code postal » : 5 chiffres attendus"),
        fr("Ligne 7, colonne « Nom » : Cette valeur est obligatoire."),
        fr("Ligne 8, colonne « Téléphone » : numéro de téléphone invalide"),
        fr("Ligne 8, colonne « E-mail » : Saisissez une adresse e-mail valide."),
    ]
    assert (report.created, report.invalid) == (4, 3)


def test_a_file_with_errors_cannot_be_confirmed(db):
    content = FIXTURES.joinpath("clients_application.csv").read_bytes()
    report = import_preview(content=content, filename="c.csv", kind="clients", fmt="app")
    before = _counts()
    with pytest.raises(ImportRefused, match="erreurs"):
        import_confirm(
            file_hash=report.file_hash,
            filename="c.csv",
            kind="clients",
            fmt="app",
            digest=report.digest,
        )
    assert _counts() == before


# --- confirmation, idempotence, changes -----------------------------------------------------


def test_confirm_creates_with_search_text_phone_key_and_history(db):
    report = _preview_and_confirm(CLIENTS_OK.encode())
    assert report.summary == "2 créés, 0 modifié, 0 inchangé"
    creche = Client.objects.get(number="CLI-02002")
    assert creche.phone_digits == "0472834512"
    assert "petits loups" in creche.search_text
    record = creche.history.get()
    assert record.history_type == "+"
    assert record.history_change_reason == "Import (f.csv)"


def test_reimporting_the_same_file_changes_nothing(db):
    _preview_and_confirm(CLIENTS_OK.encode())
    before = _counts()
    report = import_preview(
        content=CLIENTS_OK.encode(), filename="f.csv", kind="clients", fmt="app"
    )
    assert report.summary == "0 créé, 0 modifié, 2 inchangés"
    report = import_confirm(
        file_hash=report.file_hash,
        filename="f.csv",
        kind="clients",
        fmt="app",
        digest=report.digest,
    )
    assert report.summary == "0 créé, 0 modifié, 2 inchangés"
    assert _counts() == before


def test_a_changed_row_updates_the_client_with_its_history(db):
    _preview_and_confirm(CLIENTS_OK.encode())
    changed = CLIENTS_OK.replace("9 rue Garibaldi;69006", "11 rue Garibaldi;69003")
    report = _preview_and_confirm(changed.encode())
    assert report.summary == "0 créé, 1 modifié, 1 inchangé"
    assert [row.changes for row in report.rows] == [
        [],
        [
            fr("Adresse : 9 rue Garibaldi → 11 rue Garibaldi"),
            fr("Code postal : 69006 → 69003"),
        ],
    ]
    creche = Client.objects.get(number="CLI-02002")
    assert (creche.address, creche.postal_code) == ("11 rue Garibaldi", "69003")
    assert "69003" in creche.search_text
    assert [r.history_type for r in creche.history.order_by("history_id")] == ["+", "~"]
    assert creche.history.latest().prev_record.postal_code == "69006"


def test_confirm_refuses_when_the_database_changed_since_the_dry_run(db):
    report = import_preview(
        content=CLIENTS_OK.encode(), filename="f.csv", kind="clients", fmt="app"
    )
    Client.objects.create(number="CLI-02001", name="Quelqu'un d'autre")
    before = _counts()
    with pytest.raises(ImportRefused, match="aperçu|dry run|essai"):
        import_confirm(
            file_hash=report.file_hash,
            filename="f.csv",
            kind="clients",
            fmt="app",
            digest=report.digest,
        )
    assert _counts() == before


def test_confirm_refuses_a_stored_file_that_changed(db, settings):
    report = import_preview(
        content=CLIENTS_OK.encode(), filename="f.csv", kind="clients", fmt="app"
    )
    stored = Path(settings.IMPORT_DIR) / f"{report.file_hash}.upload"
    stored.write_bytes(CLIENTS_OK.replace("Lyon", "Bron").encode())
    with pytest.raises(ImportRefused, match="modifié"):
        import_confirm(
            file_hash=report.file_hash,
            filename="f.csv",
            kind="clients",
            fmt="app",
            digest=report.digest,
        )
    assert not Client.objects.exists()


def test_a_failure_midway_writes_nothing(db, monkeypatch):
    """All or nothing: the second row's save fails, the first row is not kept."""
    from clients.imports import resources

    report = import_preview(
        content=CLIENTS_OK.encode(), filename="f.csv", kind="clients", fmt="app"
    )
    saved = []

    def save_then_fail(self, instance, is_create):
        if saved:
            raise RuntimeError("disque plein")
        saved.append(instance)
        instance.save()

    monkeypatch.setattr(resources.ClientResource, "do_instance_save", save_then_fail)
    with pytest.raises(ImportRefused):
        import_confirm(
            file_hash=report.file_hash,
            filename="f.csv",
            kind="clients",
            fmt="app",
            digest=report.digest,
        )
    assert saved and not Client.objects.exists()


def test_a_number_given_twice_in_the_file_is_an_error(db):
    twice = CLIENTS_OK + "CLI-02001;Autre nom;;69001;Lyon;;\n"
    report = import_preview(content=twice.encode(), filename="f.csv", kind="clients", fmt="app")
    assert report.errors == [
        fr("Ligne 4, colonne « Numéro client » : déjà donné ligne 2 du fichier"),
    ]


def test_confirm_refuses_another_kind_or_format_than_the_dry_run(db):
    report = import_preview(
        content=CLIENTS_OK.encode(), filename="f.csv", kind="clients", fmt="app"
    )
    for kind, fmt in (("sites", "app"), ("clients", "dolibarr")):
        with pytest.raises(ImportRefused):
            import_confirm(
                file_hash=report.file_hash,
                filename="f.csv",
                kind=kind,
                fmt=fmt,
                digest=report.digest,
            )
    assert not Client.objects.exists()


# --- encodings, separators, XLSX, refused files ----------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("cp1252", ";"), ("utf-8-sig", ";"), ("utf-8", ","), ("utf-8-sig", "\t")],
)
def test_encodings_and_separators(db, encoding, delimiter):
    text = CLIENTS_OK.replace(";", delimiter).replace("\n", "\r\n")
    report = import_preview(
        content=text.encode(encoding), filename="c.csv", kind="clients", fmt="app"
    )
    assert report.errors == []
    assert (report.encoding, report.delimiter) == (encoding, delimiter)
    assert "CLI-02001 — Boulangerie Émile Fournier" in [row.label for row in report.rows]


def test_xlsx_sample_equipment(db, lyon_clients):
    content = FIXTURES.joinpath("sites_application.csv").read_bytes()
    report = import_preview(content=content, filename="s.csv", kind="sites", fmt="app")
    assert report.errors == [
        fr("Ligne 5, colonne « Numéro client » : client inconnu « CLI-09999 »"),
        fr("Ligne 6, colonne « Site » : Cette valeur est obligatoire."),
    ]
    good = b"\n".join(content.splitlines()[:4])
    _preview_and_confirm(good, kind="sites")
    # A site's words are part of its client's search text (the sites' signals ran).
    assert "croix rousse" in Client.objects.get(number="CLI-01001").search_text
    Contract.objects.create(
        client=Client.objects.get(number="CLI-01001"),
        number="MAINT-2026-101",
        kind="maintenance",
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 12, 31),
    )
    content = FIXTURES.joinpath("equipment_application.xlsx").read_bytes()
    report = import_preview(content=content, filename="m.xlsx", kind="equipment", fmt="app")
    assert report.errors == [
        fr(
            "Ligne 4, colonne « Garantie jusqu'au » : La garantie ne peut pas se terminer avant "
            "la date d'installation."
        ),
        fr(
            "Ligne 5, colonne « Type » : type inconnu « Photocopieur » (attendu : Poste de "
            "travail, Ordinateur portable, Imprimante, Serveur, Équipement réseau, Téléphonie, "
            "Caisse enregistreuse, Autre)"
        ),
    ]
    assert report.created == 2


def test_xlsx_written_by_a_spreadsheet_is_imported(db, lyon_clients):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Numéro client", "Nom", "Code postal", "Téléphone"])
    sheet.append(["CLI-01004", "Pharmacie du Marché", 69008, "04 78 72 33 10"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = _preview_and_confirm(buffer.getvalue(), name="p.xlsx")
    assert report.summary == "0 créé, 1 modifié, 0 inchangé"
    assert Client.objects.get(number="CLI-01004").postal_code == "69008"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "ni un fichier CSV ni un classeur XLSX"),
        (b"PK\x03\x04not really a workbook", "ni un fichier CSV ni un classeur XLSX"),
        (b"", "vide"),
        (b"Nom;Ville\nDurand;Lyon\n", fr("La colonne « Numéro client » manque")),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_in_french(db, content, message):
    with pytest.raises(ImportFileError, match=message):
        import_preview(content=content, filename="x.csv", kind="clients", fmt="app")


def test_a_file_too_big_is_refused(db, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ImportFileError, match="trop volumineux"):
        import_preview(content=CLIENTS_OK.encode() * 3, filename="c.csv", kind="clients", fmt="app")


def test_a_file_with_too_many_rows_is_refused(db, settings):
    settings.IMPORT_MAX_ROWS = 3
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Numéro client", "Nom"])
    for n in range(10):
        sheet.append([f"CLI-0300{n}", f"Client {n}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    for content in (buffer.getvalue(), (CLIENTS_OK * 2).encode()):
        with pytest.raises(ImportFileError, match="trop de lignes"):
            import_preview(content=content, filename="c", kind="clients", fmt="app")


# --- Dolibarr and GLPI -----------------------------------------------------------------------


def test_dolibarr_sample(db):
    content = FIXTURES.joinpath("dolibarr_tiers.csv").read_bytes()
    content.decode("cp1252")  # the sample is what Dolibarr writes on Windows
    report = import_preview(content=content, filename="t.csv", kind="clients", fmt="dolibarr")
    assert report.encoding == "cp1252"
    assert report.ignored_columns == ["Id tiers", "Pays", "Nature du tiers"]
    assert report.errors == [
        fr("Ligne 5, colonne « Code postal » : 5 chiffres attendus"),
        fr("Ligne 6, colonne « Email » : Saisissez une adresse e-mail valide."),
    ]
    good = b"\r\n".join(content.split(b"\r\n")[:4])
    _preview_and_confirm(good, fmt="dolibarr")
    creche = Client.objects.get(number="CU2601-0015")
    assert (creche.name, creche.city, creche.notes) == (
        "Crèche Les Petits Loups",
        "Lyon",
        fr("SIRET : 80012345600027"),
    )
    again = import_preview(content=good, filename="t.csv", kind="clients", fmt="dolibarr")
    assert again.summary == "0 créé, 0 modifié, 3 inchangés"


def test_glpi_sample(db, lyon_clients):
    fournier = Client.objects.get(number="CLI-01001")
    Site.objects.create(client=fournier, label="Fournil")
    mairie = Client.objects.get(number="CLI-01003")
    Site.objects.create(client=mairie, label="Hôtel de ville")
    content = FIXTURES.joinpath("glpi_ordinateurs.csv").read_bytes()
    report = import_preview(content=content, filename="g.csv", kind="equipment", fmt="glpi")
    assert report.errors == [
        fr("Ligne 5, colonne « Entité » : client inconnu « Pharmacie Inconnue »"),
        fr("Ligne 6, colonne « Numéro de série » : Cette valeur est obligatoire."),
        fr(
            "Ligne 7, colonne « Lieu » : site inconnu « Annexe du Vallon » pour le client CLI-01003"
        ),
    ]
    good = b"\n".join(content.splitlines()[:4])
    _preview_and_confirm(good, kind="equipment", fmt="glpi")
    laptop = Equipment.objects.get(serial_number="PF3ABCD1")
    assert (laptop.client, laptop.site, laptop.kind, laptop.brand, laptop.model) == (
        fournier,
        None,
        "laptop",
        "Lenovo",
        "ThinkPad T14 Gen 3",
    )
    server = Equipment.objects.get(serial_number="CZJ2470ABC")
    assert (server.site.label, server.kind) == ("Hôtel de ville", "server")
    assert (
        import_preview(content=good, filename="g.csv", kind="equipment", fmt="glpi").summary
        == "0 créé, 0 modifié, 3 inchangés"
    )


def test_glpi_export_without_the_type_column_keeps_the_type(db, lyon_clients):
    fournier = Client.objects.get(number="CLI-01001")
    Equipment.objects.create(client=fournier, kind="printer", serial_number="SN-1")
    content = (
        "Nom;Entité;Numéro de série;Fabricant\n"
        "IMP-1;Boulangerie Émile Fournier;SN-1;Brother\n"
        "PC-2;Boulangerie Émile Fournier;SN-2;Dell\n"
    ).encode()
    report = _preview_and_confirm(content, kind="equipment", fmt="glpi")
    assert report.summary == "1 créé, 1 modifié, 0 inchangé"
    kinds = dict(Equipment.objects.values_list("serial_number", "kind"))
    assert kinds == {"SN-1": "printer", "SN-2": "workstation"}


def test_contracts_sample(db, lyon_clients):
    content = FIXTURES.joinpath("contracts_application.csv").read_bytes()
    report = import_preview(content=content, filename="k.csv", kind="contracts", fmt="app")
    assert report.errors == [
        fr("Ligne 4, colonne « Fin » : Un contrat doit se terminer après sa date de début."),
        fr("Ligne 5, colonne « Numéro client » : client inconnu « CLI-01002 »"),
        fr(
            "Ligne 5, colonne « Type » : type inconnu « Entretien » (attendu : Maintenance, "
            "Assistance, Mise en service, Clé en main)"
        ),
        fr("Ligne 5, colonne « Main-d'œuvre couverte » : « oui » ou « non » attendu"),
    ]
    good = b"\n".join(content.splitlines()[:3])
    _preview_and_confirm(good, kind="contracts")
    contract = Contract.objects.get(number="MAINT-2026-101")
    assert (contract.client.number, contract.kind, contract.end_date) == (
        "CLI-01001",
        "maintenance",
        datetime.date(2026, 12, 31),
    )
    assert (contract.covers_labour, contract.covers_travel, contract.covers_parts) == (
        True,
        True,
        False,
    )
    assert (contract.response_time_hours, contract.annual_visits) == (8, 2)


# --- the pages -------------------------------------------------------------------------------


def test_manager_dry_run_page_then_confirm(manager):
    http = HttpClient()
    http.force_login(manager)
    upload = io.BytesIO(CLIENTS_OK.encode("cp1252"))
    upload.name = "clients.csv"
    page = http.post(
        reverse("interventions-import"), {"kind": "clients", "fmt": "app", "file": upload}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Confirmer l’import" in html or "Confirmer l'import" in html
    assert "2 créés, 0 modifié, 0 inchangé" in html
    assert not Client.objects.exists()
    fields = dict(re.findall(r'name="(kind|fmt|file_hash|digest|filename)" value="([^"]*)"', html))
    done = http.post(reverse("interventions-import-confirm"), fields, follow=True)
    assert fr("Import terminé : 2 créés, 0 modifié, 0 inchangé.") in done.content.decode()
    assert Client.objects.count() == 2
    record = Client.objects.get(number="CLI-02001").history.get()
    assert record.history_user == manager


def test_the_page_shows_a_french_error_for_a_file_that_is_not_csv(manager):
    http = HttpClient()
    http.force_login(manager)
    upload = io.BytesIO(b"%PDF-1.7\n\x00\x01binary")
    upload.name = "rapport.pdf"
    page = http.post(
        reverse("interventions-import"), {"kind": "clients", "fmt": "app", "file": upload}
    )
    assert page.status_code == 400
    assert "ni un fichier CSV ni un classeur XLSX" in page.content.decode()


def test_the_page_refuses_a_file_too_big_keeping_the_choices(manager, settings):
    settings.IMPORT_MAX_BYTES = 50
    http = HttpClient()
    http.force_login(manager)
    upload = io.BytesIO(CLIENTS_OK.encode())
    upload.name = "c.csv"
    page = http.post(
        reverse("interventions-import"), {"kind": "contracts", "fmt": "app", "file": upload}
    )
    assert page.status_code == 400
    html = page.content.decode()
    assert "Le fichier est trop volumineux" in html
    assert '<option value="contracts" selected>' in html


def test_the_page_refuses_a_format_that_cannot_import_the_kind(manager):
    http = HttpClient()
    http.force_login(manager)
    upload = io.BytesIO(CLIENTS_OK.encode())
    upload.name = "c.csv"
    page = http.post(
        reverse("interventions-import"), {"kind": "sites", "fmt": "glpi", "file": upload}
    )
    assert page.status_code == 400
    assert "Ce format ne peut pas importer ce type de données." in page.content.decode()


def test_which_format_imports_which_kind_is_said_once(monkeypatch):
    """The rule lives in the import service (`check_choice`); the upload form asks it and shows
    its French message under « Format »."""
    assert import_services.check_choice("clients", "dolibarr") is None
    with pytest.raises(ImportFileError, match="Ce format ne peut pas importer ce type de données"):
        import_services.check_choice("sites", "glpi")
    with pytest.raises(ImportFileError):
        import_services.check_choice("clients", "unknown")

    asked = []

    def refuse(kind, fmt):
        asked.append((kind, fmt))
        raise ImportFileError("Refusé par le service.")

    monkeypatch.setattr(import_services, "check_choice", refuse)
    upload = SimpleUploadedFile("c.csv", CLIENTS_OK.encode())
    form = ImportUploadForm(data={"kind": "clients", "fmt": "app"}, files={"file": upload})
    assert not form.is_valid()
    assert asked == [("clients", "app")]
    assert form.errors == {"fmt": ["Refusé par le service."]}


def test_only_a_manager_imports(dispatcher, technician):
    for user in (dispatcher, technician):
        http = HttpClient()
        http.force_login(user)
        assert http.get(reverse("interventions-import")).status_code == 403
        assert http.post(reverse("interventions-import-confirm"), {}).status_code == 403
