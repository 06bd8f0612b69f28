"""Data at scale (`manage.py load_data`): clients, sites, equipment, contracts, technicians and
N interventions in every status, with visits, parts, events and signed reports, dated relative
to today (old jobs signed or billed, recent ones open). bulk_create only, in batches.

What stays true of the real thing:
- numbers follow `InterventionCounter` per year (`YYYY-NNNNN`, oldest first), and the counters
  end at the last number given;
- `search_text` (clients, sites, interventions) is computed with `clients.search`, as save()
  would (bulk_create bypasses save());
- every signed or billed job has a frozen snapshot, its `figures`, the `ReportFigures` row, the
  content fingerprint and a stored PDF whose SHA-256 is recorded: `verification.report_check`
  passes. The PDF is a one-page document written here (number, client, fingerprint), not the
  WeasyPrint rendering (seconds each, hours for 100,000 jobs);
- the freeze triggers (`integrity.py`) stay installed: a job to be signed is inserted as
  « awaiting signature », its visits, parts and report rows are inserted, then one UPDATE per
  batch moves it to signed or billed, a billed one with its billing date read from its events
  (the triggers allow leaving an unlocked status). Events are insert-only, as the append-only
  trigger wants.

Everything it creates is marked: client numbers start with `LD-`, users with `ld-`, parts with
`LD-`. `existing_real_data()` is how the command refuses a database holding other data.
"""

import csv
import datetime
import hashlib
import io
import json
import random
import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone, translation

from clients.models import Client, Contract, Equipment, Site, client_search_text, site_search_text
from clients.search import phone_key, search_text
from interventions.billing.amounts import Facts, snapshot_figures
from interventions.models import (
    Channel,
    Intervention,
    InterventionCounter,
    InterventionEvent,
    Outcome,
    Part,
    PartUsed,
    Priority,
    ReportFigures,
    SignedReport,
    Status,
    Visit,
)
from interventions.pdf import content_fingerprint
from interventions.roles import DISPATCHER, GROUP_NAMES, TECHNICIAN
from interventions.snapshot import build_snapshot

from .build import demo_signature

MARK = "LD-"  # client and part numbers
USER_MARK = "ld-"
Code = InterventionEvent.Code
Kind = InterventionEvent.Kind

# Per 100,000 interventions (issue 14): 5,000 clients, 8,000 sites, 20,000 equipment,
# 3,600 contracts, ~117,000 visits, ~68,000 parts lines, ~970,000 events.
PER_INTERVENTION = {"clients": 0.05, "sites_per_client": 1.6, "equipment": 0.2, "contracts": 0.72}

LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
]
FIRST_NAMES = [
    "Karim",
    "Sophie",
    "Julien",
    "Émilie",
    "Nicolas",
    "Camille",
    "Thomas",
    "Léa",
    "Hugo",
    "Chloé",
    "Lucas",
    "Manon",
    "Mathieu",
    "Inès",
    "Antoine",
    "Sarah",
    "Yanis",
    "Céline",
]
TRADES = [
    "Boulangerie",
    "Pharmacie",
    "Cabinet",
    "École",
    "Garage",
    "Hôtel",
    "Restaurant",
    "Librairie",
    "Clinique",
    "Mairie",
    "Agence",
    "Atelier",
    "Fromagerie",
    "Imprimerie",
    "Crèche",
    "Étude",
]
STREETS = [
    "rue Jean-Jaurès",
    "avenue de la République",
    "boulevard Voltaire",
    "rue Victor-Hugo",
    "place de l'Église",
    "rue Pasteur",
    "chemin des Vignes",
    "rue du Moulin",
    "cours Gambetta",
]
CITIES = [
    ("69001", "Lyon"),
    ("69100", "Villeurbanne"),
    ("69200", "Vénissieux"),
    ("69300", "Caluire"),
    ("69500", "Bron"),
    ("38000", "Grenoble"),
    ("42000", "Saint-Étienne"),
    ("01000", "Bourg"),
    ("69400", "Villefranche"),
    ("38200", "Vienne"),
]
SITE_LABELS = ["Siège", "Entrepôt", "Boutique", "Annexe", "Atelier", "Dépôt"]
EQUIPMENT = [
    (Equipment.Kind.PRINTER, "HP", "LaserJet M404"),
    (Equipment.Kind.PRINTER, "Brother", "HL-L2350"),
    (Equipment.Kind.WORKSTATION, "Dell", "OptiPlex 7010"),
    (Equipment.Kind.LAPTOP, "Lenovo", "T14"),
    (Equipment.Kind.SERVER, "Dell", "PowerEdge T150"),
    (Equipment.Kind.NETWORK, "Ubiquiti", "USW-24"),
    (Equipment.Kind.PHONE, "Yealink", "T46U"),
    (Equipment.Kind.CASH_REGISTER, "Casio", "V-R200"),
    (Equipment.Kind.OTHER, "APC", "Back-UPS 700"),
]
PROBLEMS = [
    (
        "Imprimante bloquée, bourrage papier",
        "Rouleaux d'entraînement usés.",
        "Nettoyage et remplacement des rouleaux.",
    ),
    (
        "Écran noir au démarrage",
        "Alimentation défectueuse.",
        "Remplacement de l'alimentation, tests.",
    ),
    (
        "Réseau lent dans les bureaux",
        "Port du switch en erreur.",
        "Changement de port, câble refait.",
    ),
    ("Caisse ne s'allume plus", "Fusible grillé.", "Remplacement du fusible, essai de vente."),
    ("Poste très lent", "Disque en fin de vie.", "Clonage sur SSD neuf."),
    ("Téléphone sans tonalité", "Compte SIP désactivé.", "Réactivation et test d'appel."),
    ("Serveur : alerte onduleur", "Batterie à remplacer.", "Remplacement de la batterie."),
    ("Impossible d'imprimer depuis le poste", "Pilote corrompu.", "Réinstallation du pilote."),
]
PARTS = [
    ("LD-ROUL-01", "Kit rouleaux d'entraînement", "34.00", "18.50"),
    ("LD-ALIM-500", "Alimentation 500 W", "79.00", "41.00"),
    ("LD-SSD-480", "SSD 480 Go", "69.00", "38.00"),
    ("LD-RJ45-3M", "Cordon RJ45 3 m", "6.50", "1.90"),
    ("LD-BATT-UPS", "Batterie onduleur 12 V", "59.00", "30.00"),
    ("LD-FUS-5A", "Fusible 5 A", "2.00", "0.40"),
    ("LD-TAMB-404", "Tambour d'imagerie", "89.00", "52.00"),
    ("LD-RAM-8G", "Barrette mémoire 8 Go", "39.00", "21.00"),
]


def existing_real_data() -> bool:
    """Clients or interventions that `load_data` did not create are in the database."""
    return (
        Client.objects.exclude(number__startswith=MARK).exists()
        or Intervention.objects.exclude(client__number__startswith=MARK).exists()
    )


def defaults(n: int) -> dict:
    return {
        "clients": max(5, round(n * PER_INTERVENTION["clients"])),
        "equipment": max(5, round(n * PER_INTERVENTION["equipment"])),
        "technicians": max(3, n // 2500),
    }


def _status_for(age_days: float, rng: random.Random) -> str:
    """Old jobs are signed or billed, recent ones open: weights by age."""
    if age_days > 180:
        table = ((Status.BILLED, 88), (Status.SIGNED, 5), (Status.CANCELLED, 7))
    elif age_days > 45:
        table = (
            (Status.BILLED, 65),
            (Status.SIGNED, 27),
            (Status.CANCELLED, 7),
            (Status.AWAITING_SIGNATURE, 1),
        )
    elif age_days > 7:
        table = (
            (Status.SIGNED, 45),
            (Status.BILLED, 20),
            (Status.AWAITING_SIGNATURE, 10),
            (Status.IN_PROGRESS, 8),
            (Status.SCHEDULED, 6),
            (Status.CANCELLED, 8),
            (Status.NEW, 3),
        )
    else:
        table = (
            (Status.NEW, 25),
            (Status.SCHEDULED, 28),
            (Status.IN_PROGRESS, 18),
            (Status.AWAITING_SIGNATURE, 12),
            (Status.SIGNED, 10),
            (Status.CANCELLED, 7),
        )
    return rng.choices([s for s, _w in table], [w for _s, w in table])[0]


def _pdf_bytes(lines: list[str]) -> bytes:
    """A one-page PDF showing `lines` (Latin-1, Helvetica): valid, small, cheap to write."""

    def esc(text: str) -> str:
        text = text.encode("latin-1", "replace").decode("latin-1")
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 11 Tf 50 790 Td 14 TL " + " ".join(f"({esc(t)}) '" for t in lines) + " ET"
    data = stream.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


EVENT_COLUMNS = (
    "intervention_id",
    "kind",
    "code",
    "actor_id",
    "at",
    "from_status",
    "to_status",
    "note",
    "data",
)


def _events_insert(rows: list[tuple]) -> None:
    """Insert events (tuples in `EVENT_COLUMNS` order): COPY on PostgreSQL (they are 80 % of
    the rows and the ORM's bulk_create spends its time building and preparing instances),
    bulk_create elsewhere. Insert-only, as the append-only trigger wants."""
    if connection.vendor != "postgresql":
        InterventionEvent.objects.bulk_create(
            [InterventionEvent(**dict(zip(EVENT_COLUMNS, row, strict=True))) for row in rows],
            batch_size=2000,
        )
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow((*row[:4], row[4].isoformat(), *row[5:8], json.dumps(row[8])))
    buffer.seek(0)
    table = InterventionEvent._meta.db_table
    columns = ", ".join(EVENT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, "
            "FORCE_NOT_NULL (code, from_status, to_status, note))",
            buffer,
        )


class _Loader:
    def __init__(self, n, *, clients, equipment, technicians, years, seed, batch, log):
        self.n, self.years, self.batch, self.log = n, years, batch, log
        self.n_clients, self.n_equipment, self.n_technicians = clients, equipment, technicians
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.counts = {}

    # -- reference data ---------------------------------------------------------------------

    def people(self):
        User = get_user_model()
        group = Group.objects.get_or_create(name=GROUP_NAMES[TECHNICIAN])[0]
        existing = {u.username: u for u in User.objects.filter(username__startswith=USER_MARK)}
        wanted = []
        for k in range(self.n_technicians):
            username = f"{USER_MARK}tech{k:03d}"
            if username not in existing:
                wanted.append(
                    User(
                        username=username,
                        first_name=FIRST_NAMES[k % len(FIRST_NAMES)],
                        last_name=LAST_NAMES[(k * 7) % len(LAST_NAMES)],
                        password="!",  # unusable
                    )
                )
        if "ld-dispatch" not in existing:
            wanted.append(
                User(username="ld-dispatch", first_name="Nadia", last_name="Benali", password="!")
            )
        User.objects.bulk_create(wanted)
        users = {u.username: u for u in User.objects.filter(username__startswith=USER_MARK)}
        self.technicians = [users[f"{USER_MARK}tech{k:03d}"] for k in range(self.n_technicians)]
        group.user_set.add(*self.technicians)
        self.dispatcher = users["ld-dispatch"]
        Group.objects.get_or_create(name=GROUP_NAMES[DISPATCHER])[0].user_set.add(self.dispatcher)
        self.names = {u.pk: f"{u.first_name} {u.last_name}".strip() for u in users.values()}
        self.signatures = {u.pk: demo_signature(self.names[u.pk]) for u in self.technicians}
        self.customer_signatures = [demo_signature(f"client {k}") for k in range(12)]
        self.parts = []
        known = set(
            Part.objects.filter(reference__startswith=MARK).values_list("reference", flat=True)
        )
        Part.objects.bulk_create(
            [
                Part(reference=ref, name=name, unit_price=Decimal(price), unit_cost=Decimal(cost))
                for ref, name, price, cost in PARTS
                if ref not in known
            ]
        )
        self.parts = list(Part.objects.filter(reference__startswith=MARK))

    def clients(self):
        rng = self.rng
        start = Client.objects.filter(number__startswith=MARK).count()
        clients, sites_by_client = [], {}
        for k in range(self.n_clients):
            postal, city = rng.choice(CITIES)
            name = f"{rng.choice(TRADES)} {rng.choice(LAST_NAMES)}"
            phone = "04 7" + " ".join(f"{rng.randrange(100):02d}" for _p in range(4))[1:]
            client = Client(
                number=f"{MARK}{start + k:06d}",
                name=name,
                address=f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
                postal_code=postal,
                city=city,
                phone=phone,
                phone_digits=phone_key(phone),
                email=f"contact{start + k}@exemple.fr",
            )
            n_sites = 2 if rng.random() < 0.6 else 1
            sites = []
            for s in range(n_sites):
                s_postal, s_city = (postal, city) if s == 0 else rng.choice(CITIES)
                site = Site(
                    label=SITE_LABELS[s] if s else SITE_LABELS[0],
                    address=f"{rng.randrange(1, 120)} {rng.choice(STREETS)}",
                    postal_code=s_postal,
                    city=s_city,
                    contact_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    contact_phone="06 " + " ".join(str(rng.randrange(10, 99)) for _p in range(4)),
                )
                site.search_text = site_search_text(site)
                sites.append(site)
            client.search_text = client_search_text(client, [s.search_text for s in sites])
            clients.append(client)
            sites_by_client[client.number] = sites
        Client.objects.bulk_create(clients, batch_size=2000)
        clients = list(
            Client.objects.filter(number__in=[c.number for c in clients]).order_by("number")
        )
        all_sites = []
        for client in clients:
            for site in sites_by_client[client.number]:
                site.client = client
                all_sites.append(site)
        Site.objects.bulk_create(all_sites, batch_size=2000)
        self.clients_list = clients
        self.sites = {}
        for site in all_sites:
            self.sites.setdefault(site.client_id, []).append(site)
        self.counts["clients"] = len(clients)
        self.counts["sites"] = len(all_sites)
        self.log(f"  {len(clients)} clients, {len(all_sites)} sites")

    def contracts(self):
        rng = self.rng
        today = timezone.localdate()
        with_contract = rng.sample(
            self.clients_list, round(len(self.clients_list) * PER_INTERVENTION["contracts"])
        )
        rows = []
        for client in with_contract:
            kind = rng.choices(
                [Contract.Kind.MAINTENANCE, Contract.Kind.ASSISTANCE, Contract.Kind.TURNKEY],
                [6, 3, 1],
            )[0]
            start = today - datetime.timedelta(days=rng.randrange(30, 365 * self.years + 30))
            annual = rng.choice([1, 2, 2, 4]) if kind == Contract.Kind.MAINTENANCE else 0
            rows.append(
                Contract(
                    client=client,
                    number=f"{MARK}CT-{client.number[len(MARK) :]}",
                    kind=kind,
                    start_date=start,
                    end_date=start + datetime.timedelta(days=365 * rng.choice([1, 3, 5])),
                    response_time_hours=rng.choice([4, 8, 24, 48]),
                    covers_labour=rng.random() < 0.7,
                    covers_travel=rng.random() < 0.5,
                    covers_parts=rng.random() < 0.2,
                    annual_visits=annual,
                    standard_tasks="Nettoyage, mises à jour, contrôle des sauvegardes."
                    if annual
                    else "",
                )
            )
        Contract.objects.bulk_create(rows, batch_size=2000)
        self.contracts_by_client = {
            c.client_id: c for c in Contract.objects.filter(number__in=[r.number for r in rows])
        }
        self.contract_snapshots = {pk: c.snapshot() for pk, c in self.contracts_by_client.items()}
        self.counts["contracts"] = len(rows)
        self.log(
            f"  {len(rows)} contracts "
            f"({sum(1 for r in rows if r.annual_visits)} with annual visits)"
        )

    def equipment(self):
        rng = self.rng
        rows = []
        for _k in range(self.n_equipment):
            client = rng.choice(self.clients_list)
            kind, brand, model = rng.choice(EQUIPMENT)
            contract = self.contracts_by_client.get(client.pk)
            rows.append(
                Equipment(
                    client=client,
                    site=rng.choice(self.sites[client.pk]),
                    kind=kind,
                    brand=brand,
                    model=model,
                    serial_number=f"SN{rng.randrange(10**9):09d}",
                    installed_on=timezone.localdate()
                    - datetime.timedelta(days=rng.randrange(30, 2000)),
                    contract=contract if contract and rng.random() < 0.8 else None,
                )
            )
        Equipment.objects.bulk_create(rows, batch_size=5000)
        self.equipment_by_client = {}
        for e in rows:
            self.equipment_by_client.setdefault(e.client_id, []).append(e)
        self.counts["equipment"] = len(rows)
        self.log(f"  {len(rows)} equipment")

    # -- interventions ----------------------------------------------------------------------

    def interventions(self):
        rng = self.rng
        span = 365 * self.years
        # 8 % of the jobs in the last three weeks (the open ones), the rest over the years.
        ages = sorted(
            (rng.uniform(0, 21) if rng.random() < 0.08 else rng.uniform(0, span))
            for _k in range(self.n)
        )
        ages.reverse()  # oldest first: numbers grow with the date, as at intake
        self.counters = dict(InterventionCounter.objects.values_list("year", "last_number"))
        with translation.override(settings.LANGUAGE_CODE):
            self.signed_label = str(Status.SIGNED.label)
        storage_root = Path(default_storage.path("reports"))
        self.storage_root = storage_root
        for key in ("interventions", "visits", "parts", "events", "signed_reports"):
            self.counts[key] = 0
        self.counts["by_status"] = {s.value: 0 for s in Status}
        started = time.monotonic()
        for offset in range(0, self.n, self.batch):
            with transaction.atomic():
                self._batch(ages[offset : offset + self.batch])
            done = min(offset + self.batch, self.n)
            self.log(f"  {done}/{self.n} interventions ({time.monotonic() - started:.0f} s)")
        for year, last in self.counters.items():
            InterventionCounter.objects.update_or_create(year=year, defaults={"last_number": last})

    def _batch(self, ages):
        rng = self.rng
        rows, plans = [], []
        for age in ages:
            requested = self.now - datetime.timedelta(days=age)
            status = _status_for(age, rng)
            if age < 1 and status not in (Status.NEW, Status.SCHEDULED, Status.CANCELLED):
                status = Status.SCHEDULED  # under a day old: not yet visited
            client = rng.choice(self.clients_list)
            contract = self.contracts_by_client.get(client.pk)
            if contract and contract.start_date > requested.date():
                contract = None
            planned = bool(contract and contract.annual_visits and rng.random() < 0.35)
            local = timezone.localtime(requested)
            year = local.year
            seq = self.counters.get(year, 0) + 1
            self.counters[year] = seq
            number = f"{year}-{seq:05d}"
            equipment = rng.choice(self.equipment_by_client.get(client.pk) or [None])
            obj, diagnostics, work_done = rng.choice(PROBLEMS)
            if planned:
                obj = "Visite de maintenance préventive"
            technician = (
                None if status in (Status.NEW, Status.CANCELLED) else rng.choice(self.technicians)
            )
            deadline = (
                requested + datetime.timedelta(hours=contract.response_time_hours)
                if contract
                else None
            )
            start = end = None
            if technician:
                lead = rng.uniform(0.1, 2.0) if not planned else rng.uniform(1, 20)
                if status != Status.SCHEDULED:
                    lead = min(lead, age / 2)  # visited: at least half a day ago
                start = requested + datetime.timedelta(days=lead)
                if status == Status.SCHEDULED and start < self.now:
                    start = self.now + datetime.timedelta(hours=rng.randrange(2, 24 * 14))
                start = start.replace(minute=0, second=0, microsecond=0)
                end = start + datetime.timedelta(hours=rng.choice([1, 2, 3]))
            intervention = Intervention(
                number=number,
                year=year,
                sequence=seq,
                client=client,
                site=rng.choice(self.sites[client.pk]),
                equipment=equipment,
                contract=contract,
                contract_snapshot=self.contract_snapshots[client.pk] if contract else {},
                under_contract=contract is not None,
                object=obj,
                planned_tasks=contract.standard_tasks if planned else "",
                caller_name=""
                if planned
                else f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                caller_phone="",
                channel=Channel.PLANNED
                if planned
                else rng.choice([Channel.PHONE, Channel.PHONE, Channel.EMAIL, Channel.ON_SITE]),
                priority=rng.choices(list(Priority), [2, 6, 2, 1])[0],
                requested_at=requested,
                deadline_at=deadline,
                scheduled_start=start,
                scheduled_end=end,
                technician=technician,
                status=status,
                created_by=self.dispatcher,
                billable_travel=not (contract and contract.covers_travel),
                billable_labour=not (contract and contract.covers_labour),
                billable_parts=not (contract and contract.covers_parts),
            )
            intervention.search_text = search_text(number, obj)
            visits = []
            if status in (
                Status.IN_PROGRESS,
                Status.AWAITING_SIGNATURE,
                Status.SIGNED,
                Status.BILLED,
            ):
                n_visits = (
                    1 if status == Status.IN_PROGRESS else rng.choices([1, 2, 3], [80, 15, 5])[0]
                )
                moment = start
                for v in range(n_visits):
                    minutes = rng.choice([30, 45, 60, 75, 90, 120, 150])
                    arrived = moment.replace(second=0, microsecond=0) + datetime.timedelta(
                        minutes=rng.randrange(0, 50)
                    )
                    left = arrived + datetime.timedelta(minutes=minutes)
                    if status == Status.IN_PROGRESS and v + 1 == n_visits and rng.random() < 0.3:
                        left = None  # the technician is on site
                    km = Decimal(rng.randrange(2, 60)).quantize(Decimal("0.1"))  # as stored
                    visits.append(
                        Visit(
                            technician=technician,
                            arrived_at=arrived,
                            left_at=left,
                            travel_km=km,
                            travel_minutes=int(km) + 5,
                        )
                    )
                    moment = arrived + datetime.timedelta(days=rng.uniform(1, 5))
                    if v + 1 < n_visits and moment > self.now:
                        break
            parts = []
            if visits and rng.random() < 0.55:
                for part in rng.sample(self.parts, rng.choices([1, 2], [75, 25])[0]):
                    parts.append(
                        PartUsed(
                            part=part,
                            reference=part.reference,
                            description=part.name,
                            quantity=Decimal(rng.choice([1, 1, 1, 2])),
                            unit_price=part.unit_price,
                            unit_cost=part.unit_cost,
                        )
                    )
            if visits:
                intervention.first_arrival_at = visits[0].arrived_at
                if deadline:
                    intervention.met_deadline = visits[0].arrived_at <= deadline
            if status in (Status.AWAITING_SIGNATURE, Status.SIGNED, Status.BILLED):
                last = visits[-1]
                intervention.resolved_at = max(last.left_at, requested)
                intervention.outcome = Outcome.RESOLVED if rng.random() < 0.9 else Outcome.FOLLOW_UP
                intervention.diagnostics = diagnostics if not planned else "RAS."
                intervention.work_done = work_done if not planned else contract.standard_tasks
            if status == Status.CANCELLED:
                intervention.remarks = "Annulée à la demande du client."
            final = status
            if status in (Status.SIGNED, Status.BILLED):
                intervention.status = Status.AWAITING_SIGNATURE  # locked after its rows
            rows.append(intervention)
            plans.append((final, visits, parts))
        Intervention.objects.bulk_create(rows)
        all_visits, all_parts, reports, figures, events = [], [], [], [], []
        to_lock = {Status.SIGNED: [], Status.BILLED: []}
        for intervention, (final, visits, parts) in zip(rows, plans, strict=True):
            for v in visits:
                v.intervention = intervention
            for p in parts:
                p.intervention = intervention
            all_visits += visits
            all_parts += parts
            signed_at = None
            if final in to_lock:
                to_lock[final].append(intervention.pk)
                signed_at = intervention.resolved_at + datetime.timedelta(
                    minutes=rng.randrange(1, 30)
                )
                report, figure = self._report(intervention, final, visits, parts, signed_at)
                reports.append(report)
                figures.append(figure)
            events += self._events(intervention, final, visits, signed_at)
            self.counts["by_status"][final] += 1
        Visit.objects.bulk_create(all_visits)
        PartUsed.objects.bulk_create(all_parts)
        SignedReport.objects.bulk_create(reports)
        ReportFigures.objects.bulk_create(figures)
        _events_insert(events)
        for status, pks in to_lock.items():
            if pks:
                # Billed: the billing date is the billed status event's time, set in the same
                # UPDATE as the status (the freeze triggers refuse it afterwards).
                stamp = {"billed_at": _billed_at()} if status == Status.BILLED else {}
                Intervention.objects.filter(pk__in=pks).update(status=status, **stamp)
        self.counts["interventions"] += len(rows)
        self.counts["visits"] += len(all_visits)
        self.counts["parts"] += len(all_parts)
        self.counts["events"] += len(events)
        self.counts["signed_reports"] += len(reports)

    def _report(self, i, final, visits, parts, signed_at):
        client = i.client
        site = i.site
        total_km = sum((v.travel_km for v in visits), Decimal("0"))
        parts_price = sum((p.quantity * p.unit_price for p in parts), Decimal("0"))
        parts_cost = sum((p.quantity * p.unit_cost for p in parts), Decimal("0"))
        facts = Facts(
            minutes=sum(v.duration_minutes for v in visits),
            travel_minutes=sum(v.travel_minutes for v in visits),
            km=total_km,
            visits=len(visits),
            parts_price=parts_price.quantize(Decimal("0.01")),
            parts_cost=parts_cost.quantize(Decimal("0.01")),
            parts_count=sum((p.quantity for p in parts), Decimal("0")),
        )
        technician = self.names[i.technician_id]
        customer = i.caller_name or site.contact_name or client.name
        snapshot = build_snapshot(i, visits, parts, {})
        snapshot.update(
            {
                "status": Status.SIGNED.value,
                "status_label": self.signed_label,
                "signatures": {
                    "technician": {
                        "name": technician,
                        "signed_at": signed_at.isoformat(),
                        "image": self.signatures[i.technician_id],
                    },
                    "customer": {
                        "name": customer,
                        "signed_at": signed_at.isoformat(),
                        "image": self.rng.choice(self.customer_signatures),
                        "stamp": None,
                    },
                },
                "signed_at": signed_at.isoformat(),
                "figures": snapshot_figures(facts),
            }
        )
        fingerprint = content_fingerprint(snapshot)
        snapshot["signed_content_sha256"] = fingerprint
        fingerprint = content_fingerprint(snapshot)
        pdf = _pdf_bytes(
            [
                f"Rapport d'intervention {i.number}",
                f"{client.number} - {client.name}",
                f"Objet : {i.object}",
                f"Signé le {timezone.localtime(signed_at):%d/%m/%Y %H:%M}",
                f"Empreinte : {fingerprint}",
            ]
        )
        name = f"reports/{i.year}/{i.number}.pdf"
        path = self.storage_root / str(i.year) / f"{i.number}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pdf)
        report = SignedReport(
            intervention=i,
            snapshot=snapshot,
            pdf=name,
            sha256=hashlib.sha256(pdf).hexdigest(),
            content_sha256=fingerprint,
            signed_at=signed_at,
        )
        return report, ReportFigures(intervention=i, **facts.as_figures())

    def _events(self, i, final, visits, signed_at):
        rng = self.rng
        events = []

        def add(kind, code, at, actor, *, from_status="", to_status="", note="", data=None):
            events.append(
                (i.pk, kind, code, actor.pk, at, from_status, to_status, note, data or {})
            )

        def status(frm, to, at, actor, note=""):
            add(Kind.STATUS, Code.STATUS, at, actor, from_status=frm, to_status=to, note=note)

        at = i.requested_at
        add(Kind.CREATED, Code.CREATED, at, self.dispatcher, to_status=Status.NEW, data={})
        if i.contract_id:
            add(
                Kind.NOTE,
                Code.CONTRACT_CHOSEN,
                at,
                self.dispatcher,
                data={
                    "contract": i.contract_snapshot["number"],
                    "contract_kind": i.contract_snapshot["kind"],
                },
            )
        if final == Status.CANCELLED:
            status(
                Status.NEW,
                Status.CANCELLED,
                at + datetime.timedelta(hours=rng.uniform(1, 30)),
                self.dispatcher,
                note="Annulée à la demande du client.",
            )
            return events
        if final == Status.NEW:
            return events
        technician = i.technician
        assigned = at + datetime.timedelta(minutes=rng.randrange(5, 120))
        add(
            Kind.ASSIGNED,
            Code.ASSIGNED,
            assigned,
            self.dispatcher,
            data={
                "from": None,
                "from_id": None,
                "from_name": None,
                "to": technician.username,
                "to_id": technician.pk,
                "to_name": self.names[technician.pk],
            },
        )
        status(Status.NEW, Status.SCHEDULED, assigned, self.dispatcher)
        if final == Status.SCHEDULED:
            return events
        for k, v in enumerate(visits):
            if k == 0:
                status(Status.SCHEDULED, Status.IN_PROGRESS, v.arrived_at, technician)
            add(
                Kind.VISIT,
                Code.VISIT_ARRIVED,
                v.arrived_at,
                technician,
                data={"arrived_at": v.arrived_at.isoformat()},
            )
            if v.left_at:
                add(
                    Kind.VISIT,
                    Code.VISIT_DEPARTED,
                    v.left_at,
                    technician,
                    data={"arrived_at": v.arrived_at.isoformat(), "left_at": v.left_at.isoformat()},
                )
        if final == Status.IN_PROGRESS:
            return events
        done = i.resolved_at
        add(Kind.REPORT, Code.REPORT, done, technician, data={})
        add(Kind.REPORT, Code.RESOLVED, done, technician, data={})
        status(Status.IN_PROGRESS, Status.AWAITING_SIGNATURE, done, technician)
        if final == Status.AWAITING_SIGNATURE:
            return events
        add(Kind.SIGNATURE, Code.TECHNICIAN_SIGNED, signed_at, technician, data={})
        add(
            Kind.SIGNATURE,
            Code.CUSTOMER_SIGNED,
            signed_at,
            technician,
            data={"name": i.caller_name or i.client.name},
        )
        status(Status.AWAITING_SIGNATURE, Status.SIGNED, signed_at, technician)
        if final == Status.BILLED:
            billed = signed_at + datetime.timedelta(days=rng.uniform(2, 30))
            billed = min(billed, self.now)
            add(Kind.BILLING, Code.BILLED, billed, self.dispatcher, data={})
            status(Status.SIGNED, Status.BILLED, billed, self.dispatcher)
        return events


def _billed_at() -> Subquery:
    """The time of an intervention's latest status event to `billed` (as `workflow.transition`
    stores it in `Intervention.billed_at`)."""
    return Subquery(
        InterventionEvent.objects.filter(
            intervention=OuterRef("pk"),
            kind=InterventionEvent.Kind.STATUS,
            to_status=Status.BILLED,
        )
        .order_by("-at", "-pk")
        .values("at")[:1]
    )


def load(
    n, *, clients=None, equipment=None, technicians=None, years=3, seed=14, batch=5000, log=print
):
    """Create the data; return the counts (`by_status` per status) and the duration."""
    sizes = defaults(n)
    loader = _Loader(
        n,
        clients=clients or sizes["clients"],
        equipment=equipment or sizes["equipment"],
        technicians=technicians or sizes["technicians"],
        years=years,
        seed=seed,
        batch=batch,
        log=log,
    )
    started = time.monotonic()
    with transaction.atomic():
        loader.people()
        loader.clients()
        loader.contracts()
        loader.equipment()
    loader.interventions()
    loader.counts["seconds"] = round(time.monotonic() - started, 1)
    return loader.counts
