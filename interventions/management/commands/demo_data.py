"""A small, realistic French data set and one user per role. Safe to run again."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation

from clients.models import Client, Contract, Equipment, Site
from interventions import services, workflow
from interventions.models import Channel, Intervention, Part, Priority, Status
from interventions.roles import (
    DISPATCHER,
    GROUP_NAMES,
    LABELS,
    MANAGER,
    TECHNICIAN,
    ensure_role_groups,
)

DEMO_PASSWORD = "demo1234"
USERS = [
    # username, first name, last name, role
    ("sophie", "Sophie", "Bernard", DISPATCHER),
    ("karim", "Karim", "Haddad", TECHNICIAN),
    ("julie", "Julie", "Moreau", TECHNICIAN),
    ("claire", "Claire", "Dubois", MANAGER),
]

CLIENTS = [
    {
        "number": "CLI-00001",
        "name": "Boulangerie Martin",
        "address": "8 place de la Croix-Rousse",
        "postal_code": "69004",
        "city": "Lyon",
        "phone": "04 78 28 14 02",
        "email": "contact@boulangerie-martin.example",
        "notes": "Ouverture 6 h 30 – 19 h 30, fermé le lundi. Passer par l'arrière-boutique.",
    },
    {
        "number": "CLI-00002",
        "name": "Cabinet comptable Durand & Associés",
        "address": "27 cours Lafayette",
        "postal_code": "69003",
        "city": "Lyon",
        "phone": "04 72 61 33 90",
        "email": "secretariat@durand-associes.example",
        "notes": "Période fiscale chargée de mars à mai : prévenir avant toute coupure.",
    },
    {
        "number": "CLI-00003",
        "name": "École élémentaire Jean-Jaurès",
        "address": "15 rue de l'Égalité",
        "postal_code": "69100",
        "city": "Villeurbanne",
        "phone": "04 78 85 12 47",
        "email": "ce.0691234x@ac-lyon.example",
        "notes": "Interventions hors temps scolaire de préférence (mercredi après-midi).",
    },
    {
        "number": "CLI-00004",
        "name": "Menuiserie Lefèvre",
        "address": "ZA des Platières, 3 chemin du Bois",
        "postal_code": "69390",
        "city": "Vernaison",
        "phone": "04 78 46 70 15",
        "email": "atelier@menuiserie-lefevre.example",
        "notes": "Poste de devis installé dans l'atelier (poussière de bois).",
    },
    {
        "number": "CLI-00005",
        "name": "Pharmacie du Parc",
        "address": "2 avenue Maréchal-Foch",
        "postal_code": "69006",
        "city": "Lyon",
        "phone": "04 78 24 55 81",
        "email": "pharmacie.parc@example.fr",
        "notes": "",
    },
]

SITES = [
    (
        "CLI-00001",
        "Boutique",
        "8 place de la Croix-Rousse",
        "69004",
        "Lyon",
        "Entrée livraison rue d'Austerlitz.",
        "Mme Martin",
        "06 12 34 56 78",
    ),
    (
        "CLI-00001",
        "Fournil",
        "10 rue d'Austerlitz",
        "69004",
        "Lyon",
        "Accès par la cour.",
        "M. Martin",
        "06 98 76 54 32",
    ),
    (
        "CLI-00002",
        "Siège",
        "27 cours Lafayette",
        "69003",
        "Lyon",
        "3e étage, badge à l'accueil.",
        "Mme Roux",
        "04 72 61 33 91",
    ),
    (
        "CLI-00003",
        "Bâtiment principal",
        "15 rue de l'Égalité",
        "69100",
        "Villeurbanne",
        "Se présenter au secrétariat de direction.",
        "M. Petit (directeur)",
        "04 78 85 12 47",
    ),
    (
        "CLI-00004",
        "Atelier et bureau",
        "3 chemin du Bois",
        "69390",
        "Vernaison",
        "Chaussures de sécurité obligatoires dans l'atelier.",
        "M. Lefèvre",
        "06 45 67 89 10",
    ),
    (
        "CLI-00005",
        "Officine",
        "2 avenue Maréchal-Foch",
        "69006",
        "Lyon",
        "",
        "Mme Garnier",
        "04 78 24 55 81",
    ),
]

CONSUMABLES_CLAUSE = (
    "Le client s'engage à utiliser les fournitures commercialisées par InfoDépann Services "
    "ou, à défaut, conformes aux normes communiquées par celle-ci. L'emploi de cartouches "
    "recyclées ou de consommables non conformes exclut l'intervention du contrat."
)

PARTS = [
    ("DD-SSD-500", "Disque SSD 500 Go SATA", "69.00", "41.00"),
    ("RAM-DDR4-8G", "Barrette mémoire DDR4 8 Go", "39.00", "22.50"),
    ("ALIM-ATX-500", "Alimentation ATX 500 W", "59.00", "34.00"),
    ("CART-HP-953N", "Cartouche d'encre HP 953 noire", "34.90", "21.00"),
    ("KIT-FUS-M404", "Kit de fusion HP LaserJet M404", "149.00", "96.00"),
    ("RJ45-CAT6-3M", "Cordon réseau RJ45 Cat. 6, 3 m", "6.50", "2.10"),
    ("SW-8P-GIGA", "Commutateur 8 ports Gigabit", "45.00", "27.00"),
    ("CARTE-WIFI-AX", "Carte réseau Wi-Fi 6 PCIe", "42.00", "24.00"),
    ("PILE-CR2032", "Pile bouton CR2032 (BIOS)", "3.50", "0.80"),
    ("ONDULEUR-1KVA", "Onduleur 1000 VA", "189.00", "121.00"),
]


def demo_signature(seed: str) -> str:
    """A hand-drawn-looking signature as a PNG data URI (what the tablet would store)."""
    import base64
    import io
    import math
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    image = Image.new("LA", (300, 100), (255, 0))
    draw = ImageDraw.Draw(image)
    points, x = [], 15.0
    while x < 280:
        y = 55 + 28 * math.sin(x / (9 + rng.random() * 6)) * (0.6 + 0.4 * rng.random())
        points.append((x, y))
        x += 3 + rng.random() * 3
    draw.line(points, fill=(20, 255), width=3, joint="curve")
    draw.line([(30, 82), (260, 76)], fill=(20, 255), width=2)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


class Command(BaseCommand):
    help = "Load a small French demo data set and one user per role (idempotent)."

    def handle(self, *args, **options):
        ensure_role_groups()
        with transaction.atomic():
            users = self._users()
            self._reference_data()
            created = self._interventions(users)
            self._procedures(users)
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        if created:
            self.stdout.write(f"{created} interventions créées.")
        self.stdout.write(f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD}) :")
        for username, first, last, role in USERS:
            with translation.override("fr"):
                label = f"{LABELS[role]} ({GROUP_NAMES[role]})"
            self.stdout.write(f"  {username:<8} {label:<28} {first} {last}")
        label = "Administrateur (superuser)"
        self.stdout.write(f"  {'admin':<8} {label:<28} mot de passe : admin1234")

    def _users(self) -> dict:
        User = get_user_model()
        users = {}
        for username, first, last, role in USERS:
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@infodepann.example",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
            users[username] = user
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@infodepann.example", "admin1234")
        return users

    def _reference_data(self) -> None:
        for data in CLIENTS:
            Client.objects.update_or_create(number=data["number"], defaults=data)
        for number, label, address, cp, city, access, contact, phone in SITES:
            Site.objects.update_or_create(
                client=Client.objects.get(number=number),
                label=label,
                defaults={
                    "address": address,
                    "postal_code": cp,
                    "city": city,
                    "access_notes": access,
                    "contact_name": contact,
                    "contact_phone": phone,
                },
            )
        for reference, name, price, cost in PARTS:
            Part.objects.update_or_create(
                reference=reference,
                defaults={"name": name, "unit_price": Decimal(price), "unit_cost": Decimal(cost)},
            )

        year = timezone.localdate().year
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        contracts = [
            (
                "CLI-00002",
                f"MAINT-{year}-003",
                Contract.Kind.MAINTENANCE,
                8,
                True,
                True,
                False,
                1,
                CONSUMABLES_CLAUSE,
                "Nettoyage des imprimantes\nVérification des sauvegardes\nMises à jour du système\n"
                "Contrôle de l'onduleur",
            ),
            (
                "CLI-00003",
                f"ASSIST-{year}-011",
                Contract.Kind.ASSISTANCE,
                16,
                True,
                False,
                False,
                2,
                "Assistance téléphonique et sur site pour les postes pédagogiques "
                "et administratifs.",
                "Contrôle des postes de la salle informatique\nVérification du filtrage Internet",
            ),
            (
                "CLI-00001",
                f"MES-{year}-007",
                Contract.Kind.COMMISSIONING,
                None,
                True,
                True,
                True,
                0,
                "Mise en service de la caisse enregistreuse et de son imprimante de tickets.",
                "",
            ),
            (
                "CLI-00005",
                f"CLE-{year}-002",
                Contract.Kind.TURNKEY,
                4,
                True,
                True,
                True,
                1,
                "Offre clé en main : matériel, mise en service, visite technique annuelle et "
                "interventions sur site.\n" + CONSUMABLES_CLAUSE,
                "Visite technique annuelle : postes, imprimantes, onduleur, sauvegardes",
            ),
        ]
        for number, ref, kind, hours, labour, travel, parts, visits, conditions, tasks in contracts:
            Contract.objects.update_or_create(
                number=ref,
                defaults={
                    "client": Client.objects.get(number=number),
                    "kind": kind,
                    "start_date": start,
                    "end_date": end,
                    "response_time_hours": hours,
                    "covers_labour": labour,
                    "covers_travel": travel,
                    "covers_parts": parts,
                    "annual_visits": visits,
                    "conditions": conditions,
                    "standard_tasks": tasks,
                },
            )

        today = timezone.localdate()
        equipment = [
            # client, site label, kind, brand, model, serial, installed, warranty, contract
            (
                "CLI-00001",
                "Boutique",
                Equipment.Kind.CASH_REGISTER,
                "Casio",
                "V-R7100",
                "CAS-7100-2231",
                today - datetime.timedelta(days=200),
                today + datetime.timedelta(days=530),
                f"MES-{year}-007",
            ),
            (
                "CLI-00001",
                "Fournil",
                Equipment.Kind.PRINTER,
                "Epson",
                "TM-T20III",
                "EPS-T20-88412",
                today - datetime.timedelta(days=900),
                today - datetime.timedelta(days=170),
                None,
            ),
            (
                "CLI-00002",
                "Siège",
                Equipment.Kind.PRINTER,
                "HP",
                "OfficeJet Pro 9010",
                "HP-OJ9010-5521",
                today - datetime.timedelta(days=300),
                today + datetime.timedelta(days=430),
                f"MAINT-{year}-003",
            ),
            (
                "CLI-00002",
                "Siège",
                Equipment.Kind.WORKSTATION,
                "Dell",
                "OptiPlex 7010",
                "DL-7010-CX41",
                today - datetime.timedelta(days=1200),
                today - datetime.timedelta(days=105),
                f"MAINT-{year}-003",
            ),
            (
                "CLI-00002",
                "Siège",
                Equipment.Kind.SERVER,
                "HPE",
                "ProLiant ML30 Gen11",
                "HPE-ML30-0097",
                today - datetime.timedelta(days=400),
                today + datetime.timedelta(days=695),
                f"MAINT-{year}-003",
            ),
            (
                "CLI-00003",
                "Bâtiment principal",
                Equipment.Kind.WORKSTATION,
                "Lenovo",
                "ThinkCentre M70q",
                "LN-M70Q-1187",
                today - datetime.timedelta(days=700),
                today + datetime.timedelta(days=30),
                None,
            ),
            (
                "CLI-00003",
                "Bâtiment principal",
                Equipment.Kind.NETWORK,
                "Ubiquiti",
                "UniFi Switch 24",
                "UBQ-US24-5532",
                today - datetime.timedelta(days=1500),
                None,
                None,
            ),
            (
                "CLI-00004",
                "Atelier et bureau",
                Equipment.Kind.WORKSTATION,
                "Acer",
                "Veriton X",
                "AC-VX-77310",
                today - datetime.timedelta(days=500),
                today + datetime.timedelta(days=230),
                None,
            ),
            (
                "CLI-00004",
                "Atelier et bureau",
                Equipment.Kind.PRINTER,
                "Brother",
                "HL-L5100DN",
                "BR-L5100-2290",
                today - datetime.timedelta(days=1100),
                today - datetime.timedelta(days=370),
                None,
            ),
            (
                "CLI-00005",
                "Officine",
                Equipment.Kind.WORKSTATION,
                "HP",
                "EliteDesk 800 G9",
                "HP-ED800-4410",
                today - datetime.timedelta(days=150),
                today + datetime.timedelta(days=945),
                f"CLE-{year}-002",
            ),
            (
                "CLI-00005",
                "Officine",
                Equipment.Kind.PRINTER,
                "HP",
                "LaserJet Pro M404dn",
                "HP-M404-9921",
                today - datetime.timedelta(days=150),
                today + datetime.timedelta(days=215),
                f"CLE-{year}-002",
            ),
        ]
        for (
            number,
            site_label,
            kind,
            brand,
            model,
            serial,
            installed,
            warranty,
            contract,
        ) in equipment:
            client = Client.objects.get(number=number)
            Equipment.objects.update_or_create(
                serial_number=serial,
                defaults={
                    "client": client,
                    "site": Site.objects.get(client=client, label=site_label),
                    "kind": kind,
                    "brand": brand,
                    "model": model,
                    "installed_on": installed,
                    "warranty_until": warranty,
                    "contract": Contract.objects.get(number=contract) if contract else None,
                },
            )

    def _interventions(self, users) -> int:
        """One intervention in every status, created through the services like real ones."""
        if Intervention.objects.filter(client__number__in=[c["number"] for c in CLIENTS]).exists():
            return 0
        now = timezone.now().replace(second=0, microsecond=0)
        sophie, karim, julie = users["sophie"], users["karim"], users["julie"]

        def workday_at(workdays_ago: int, hour: int, minute: int = 0) -> datetime.datetime:
            """A time of day on the n-th working day (Monday–Friday) before today, so that the
            finished demo jobs happen during business hours whenever the demo is loaded."""
            day = timezone.localdate()
            while workdays_ago:
                day -= datetime.timedelta(days=1)
                if day.weekday() < 5:
                    workdays_ago -= 1
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

        eq = {e.serial_number: e for e in Equipment.objects.select_related("client", "site")}
        parts = {p.reference: p for p in Part.objects.all()}

        def create(
            serial, obj, hours_ago, caller, phone, priority=Priority.NORMAL, channel=Channel.PHONE
        ):
            """`hours_ago`: hours before now, or the datetime of the call."""
            requested_at = (
                hours_ago
                if isinstance(hours_ago, datetime.datetime)
                else now - datetime.timedelta(hours=hours_ago)
            )
            equipment = eq[serial]
            return services.intervention_create(
                client=equipment.client,
                equipment=equipment,
                object=obj,
                caller_name=caller,
                caller_phone=phone,
                channel=channel,
                priority=priority,
                requested_at=requested_at,
                actor=sophie,
            )

        # new
        create(
            "HP-OJ9010-5521",
            "L'imprimante du secrétariat imprime des feuilles pleines de taches d'encre.",
            2,
            "Mme Roux",
            "04 72 61 33 91",
            Priority.HIGH,
        )
        # scheduled
        job = create(
            "LN-M70Q-1187",
            "Le poste de la salle des maîtres n'accède plus à Internet.",
            5,
            "M. Petit",
            "04 78 85 12 47",
        )
        services.intervention_assign(
            intervention=job,
            technician=karim,
            actor=sophie,
            scheduled_start=now + datetime.timedelta(hours=20),
            scheduled_end=now + datetime.timedelta(hours=22),
        )
        # in progress
        job = create(
            "AC-VX-77310",
            "Le poste de devis s'éteint tout seul plusieurs fois par jour.",
            26,
            "M. Lefèvre",
            "06 45 67 89 10",
            Priority.HIGH,
        )
        services.intervention_assign(
            intervention=job,
            technician=julie,
            actor=sophie,
            scheduled_start=now - datetime.timedelta(hours=1),
            scheduled_end=now + datetime.timedelta(hours=1),
        )
        services.visit_record(
            intervention=job,
            technician=julie,
            arrived_at=now - datetime.timedelta(minutes=40),
            travel_km=Decimal("18.5"),
            travel_minutes=30,
        )
        services.report_update(
            intervention=job,
            actor=julie,
            diagnostics="Poste installé au milieu de l'atelier : ventilateurs et radiateur du "
            "processeur obstrués par la poussière de bois, surchauffe à 96 °C.",
        )
        # awaiting signature
        job = create(
            "HP-ED800-4410",
            "Le poste de l'officine est très lent au démarrage.",
            workday_at(2, 16, 20),
            "Mme Garnier",
            "04 78 24 55 81",
        )
        services.intervention_assign(
            intervention=job,
            technician=karim,
            actor=sophie,
            scheduled_start=workday_at(1, 9, 0),
            scheduled_end=workday_at(1, 11, 0),
        )
        services.visit_record(
            intervention=job,
            technician=karim,
            arrived_at=workday_at(1, 9, 5),
            left_at=workday_at(1, 10, 35),
            travel_km=Decimal("7.0"),
            travel_minutes=20,
        )
        services.report_update(
            intervention=job,
            actor=karim,
            diagnostics="Disque dur mécanique en fin de vie (secteurs réalloués, SMART en alerte).",
            work_done="Remplacement du disque par un SSD, clonage du système, "
            "contrôle du démarrage (35 s).",
        )
        services.part_add(intervention=job, part=parts["DD-SSD-500"], quantity=1, actor=karim)
        services.intervention_resolve(
            intervention=job, actor=karim, resolved_at=workday_at(1, 10, 30)
        )
        workflow.transition(job, Status.AWAITING_SIGNATURE, actor=karim)
        # signed and billed: finished jobs of the past weeks
        for serial, obj, (called, arrived), caller, phone, diag, work, part_ref, tech, final in [
            (
                "HP-M404-9921",
                "Bourrage papier à répétition sur l'imprimante de l'officine.",
                (workday_at(9, 9, 10), workday_at(9, 11, 40)),
                "Mme Garnier",
                "04 78 24 55 81",
                "Kit de fusion usé (plis et traces sur les feuilles).",
                "Remplacement du kit de fusion, nettoyage du chemin papier, 20 pages de test.",
                "KIT-FUS-M404",
                karim,
                Status.SIGNED,
            ),
            (
                "DL-7010-CX41",
                "Le poste de Mme Roux ne démarre plus.",
                (workday_at(15, 14, 20), workday_at(14, 10, 0)),
                "Mme Roux",
                "04 72 61 33 91",
                "Alimentation hors service ; carte mère et disque sains.",
                "Remplacement de l'alimentation, contrôle des tensions, démarrage vérifié.",
                "ALIM-ATX-500",
                julie,
                Status.BILLED,
            ),
        ]:
            job = create(serial, obj, called, caller, phone)
            start = arrived
            services.intervention_assign(
                intervention=job,
                technician=tech,
                actor=sophie,
                scheduled_start=start,
                scheduled_end=start + datetime.timedelta(hours=2),
            )
            services.visit_record(
                intervention=job,
                technician=tech,
                arrived_at=start,
                left_at=start + datetime.timedelta(hours=1, minutes=15),
                travel_km=Decimal("12.0"),
                travel_minutes=25,
            )
            services.report_update(intervention=job, actor=tech, diagnostics=diag, work_done=work)
            services.part_add(intervention=job, part=parts[part_ref], quantity=1, actor=tech)
            signed_at = start + datetime.timedelta(hours=1, minutes=15)
            services.intervention_resolve(
                intervention=job, actor=tech, resolved_at=signed_at - datetime.timedelta(minutes=5)
            )
            workflow.transition(job, Status.AWAITING_SIGNATURE, actor=tech)
            services.report_freeze(
                intervention=job,
                actor=tech,
                signed_at=signed_at,
                signatures={
                    "technician": {
                        "name": tech.get_full_name(),
                        "signed_at": signed_at.isoformat(),
                        "image": demo_signature(tech.get_full_name()),
                    },
                    "customer": {
                        "name": caller,
                        "signed_at": signed_at.isoformat(),
                        "image": demo_signature(caller),
                        "stamp": None,
                    },
                },
            )
            if final == Status.BILLED:
                workflow.transition(job, Status.BILLED, actor=users["claire"])
        # cancelled
        job = create(
            "EPS-T20-88412",
            "L'imprimante de tickets du fournil n'imprime plus.",
            50,
            "M. Martin",
            "06 98 76 54 32",
            Priority.LOW,
        )
        services.intervention_cancel(
            intervention=job,
            actor=sophie,
            reason="Le client a résolu le problème (rouleau mal inséré).",
        )
        return Intervention.objects.count()

    def _procedures(self, users) -> None:
        """Two procedures of each kind at least (procedures/demo.py); loaded after the
        interventions so that demo reports already signed keep no unanswered checklist."""
        from procedures.demo import attach_demo_runs, load_demo_procedures

        load_demo_procedures(actor=users["claire"])
        attach_demo_runs(actor=users["sophie"])
