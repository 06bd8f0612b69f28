"""What the demo creates: a small, realistic French data set, as plain data.

Dates are relative so that the demo looks current whenever it is loaded: `{year}` in a
reference is the current year, equipment dates are days from today, and the moments of the
interventions are `timedelta`s before now (negative: in the future) or `Workday`s.
"""

from datetime import timedelta
from typing import NamedTuple

from clients.models import Contract, Equipment
from interventions.models import Priority
from interventions.roles import DISPATCHER, MANAGER, TECHNICIAN


class Workday(NamedTuple):
    """A time of day on the n-th working day (Monday–Friday) before today, so that the
    finished demo jobs happen during business hours whenever the demo is loaded."""

    days_ago: int
    hour: int
    minute: int = 0


DEMO_PASSWORD = "demo1234"
ADMIN_PASSWORD = "admin1234"
EMAIL_DOMAIN = "infodepann.example"

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
    {
        # Found by « emilie », « atelier d'emilie » or « 04 78 12 34 56 »: the search ignores
        # accents, case, punctuation and the form of the phone number (clients/search.py).
        "number": "CLI-00006",
        "name": "L'Atelier d'Émilie & Fils",
        "address": "41 quai Pierre-Scize",
        "postal_code": "69009",
        "city": "Lyon",
        "phone": "+33 4 78 12 34 56",
        "email": "bonjour@atelier-emilie.example",
        "notes": "Encadrement et restauration de tableaux.",
    },
]

# Each site belongs to `client` (a client number) and is matched by its label.
SITES = [
    {
        "client": "CLI-00001",
        "label": "Boutique",
        "address": "8 place de la Croix-Rousse",
        "postal_code": "69004",
        "city": "Lyon",
        "access_notes": "Entrée livraison rue d'Austerlitz.",
        "contact_name": "Mme Martin",
        "contact_phone": "06 12 34 56 78",
    },
    {
        "client": "CLI-00001",
        "label": "Fournil",
        "address": "10 rue d'Austerlitz",
        "postal_code": "69004",
        "city": "Lyon",
        "access_notes": "Accès par la cour.",
        "contact_name": "M. Martin",
        "contact_phone": "06 98 76 54 32",
    },
    {
        "client": "CLI-00002",
        "label": "Siège",
        "address": "27 cours Lafayette",
        "postal_code": "69003",
        "city": "Lyon",
        "access_notes": "3e étage, badge à l'accueil.",
        "contact_name": "Mme Roux",
        "contact_phone": "04 72 61 33 91",
    },
    {
        "client": "CLI-00003",
        "label": "Bâtiment principal",
        "address": "15 rue de l'Égalité",
        "postal_code": "69100",
        "city": "Villeurbanne",
        "access_notes": "Se présenter au secrétariat de direction.",
        "contact_name": "M. Petit (directeur)",
        "contact_phone": "04 78 85 12 47",
    },
    {
        "client": "CLI-00004",
        "label": "Atelier et bureau",
        "address": "3 chemin du Bois",
        "postal_code": "69390",
        "city": "Vernaison",
        "access_notes": "Chaussures de sécurité obligatoires dans l'atelier.",
        "contact_name": "M. Lefèvre",
        "contact_phone": "06 45 67 89 10",
    },
    {
        "client": "CLI-00005",
        "label": "Officine",
        "address": "2 avenue Maréchal-Foch",
        "postal_code": "69006",
        "city": "Lyon",
        "access_notes": "",
        "contact_name": "Mme Garnier",
        "contact_phone": "04 78 24 55 81",
    },
    {
        "client": "CLI-00006",
        "label": "Atelier",
        "address": "41 quai Pierre-Scize",
        "postal_code": "69009",
        "city": "Lyon",
        "access_notes": "Sonner à l'atelier, au fond de la cour.",
        "contact_name": "Émilie Rousseau",
        "contact_phone": "06 23 45 67 81",
    },
]

PARTS = [
    # reference, name, unit price, unit cost (euros excluding tax)
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

CONSUMABLES_CLAUSE = (
    "Le client s'engage à utiliser les fournitures commercialisées par InfoDépann Services "
    "ou, à défaut, conformes aux normes communiquées par celle-ci. L'emploi de cartouches "
    "recyclées ou de consommables non conformes exclut l'intervention du contrat."
)

# Every contract runs over the current calendar year; `number` is formatted with `year`.
CONTRACTS = [
    {
        "client": "CLI-00002",
        "number": "MAINT-{year}-003",
        "kind": Contract.Kind.MAINTENANCE,
        "response_time_hours": 8,
        "covers_labour": True,
        "covers_travel": True,
        "covers_parts": False,
        "annual_visits": 1,
        "conditions": CONSUMABLES_CLAUSE,
        "standard_tasks": "Nettoyage des imprimantes\nVérification des sauvegardes\n"
        "Mises à jour du système\nContrôle de l'onduleur",
    },
    {
        "client": "CLI-00003",
        "number": "ASSIST-{year}-011",
        "kind": Contract.Kind.ASSISTANCE,
        "response_time_hours": 16,
        "covers_labour": True,
        "covers_travel": False,
        "covers_parts": False,
        "annual_visits": 2,
        "conditions": "Assistance téléphonique et sur site pour les postes pédagogiques "
        "et administratifs.",
        "standard_tasks": "Contrôle des postes de la salle informatique\n"
        "Vérification du filtrage Internet",
    },
    {
        "client": "CLI-00001",
        "number": "MES-{year}-007",
        "kind": Contract.Kind.COMMISSIONING,
        "response_time_hours": None,
        "covers_labour": True,
        "covers_travel": True,
        "covers_parts": True,
        "annual_visits": 0,
        "conditions": "Mise en service de la caisse enregistreuse et de son imprimante de tickets.",
        "standard_tasks": "",
    },
    {
        "client": "CLI-00005",
        "number": "CLE-{year}-002",
        "kind": Contract.Kind.TURNKEY,
        "response_time_hours": 4,
        "covers_labour": True,
        "covers_travel": True,
        "covers_parts": True,
        "annual_visits": 1,
        "conditions": "Offre clé en main : matériel, mise en service, visite technique "
        "annuelle et interventions sur site.\n" + CONSUMABLES_CLAUSE,
        "standard_tasks": "Visite technique annuelle : postes, imprimantes, onduleur, sauvegardes",
    },
]

# Matched by serial number. `installed_days_ago` and `warranty_days` (from today, negative
# when expired, None without warranty) keep the warranty alerts of the demo meaningful;
# `contract` is a contract number pattern as in CONTRACTS.
EQUIPMENT = [
    {
        "client": "CLI-00001",
        "site": "Boutique",
        "kind": Equipment.Kind.CASH_REGISTER,
        "brand": "Casio",
        "model": "V-R7100",
        "serial_number": "CAS-7100-2231",
        "installed_days_ago": 200,
        "warranty_days": 530,
        "contract": "MES-{year}-007",
    },
    {
        "client": "CLI-00001",
        "site": "Fournil",
        "kind": Equipment.Kind.PRINTER,
        "brand": "Epson",
        "model": "TM-T20III",
        "serial_number": "EPS-T20-88412",
        "installed_days_ago": 900,
        "warranty_days": -170,
        "contract": None,
    },
    {
        "client": "CLI-00002",
        "site": "Siège",
        "kind": Equipment.Kind.PRINTER,
        "brand": "HP",
        "model": "OfficeJet Pro 9010",
        "serial_number": "HP-OJ9010-5521",
        "installed_days_ago": 300,
        "warranty_days": 430,
        "contract": "MAINT-{year}-003",
    },
    {
        "client": "CLI-00002",
        "site": "Siège",
        "kind": Equipment.Kind.WORKSTATION,
        "brand": "Dell",
        "model": "OptiPlex 7010",
        "serial_number": "DL-7010-CX41",
        "installed_days_ago": 1200,
        "warranty_days": -105,
        "contract": "MAINT-{year}-003",
    },
    {
        "client": "CLI-00002",
        "site": "Siège",
        "kind": Equipment.Kind.SERVER,
        "brand": "HPE",
        "model": "ProLiant ML30 Gen11",
        "serial_number": "HPE-ML30-0097",
        "installed_days_ago": 400,
        "warranty_days": 695,
        "contract": "MAINT-{year}-003",
    },
    {
        "client": "CLI-00003",
        "site": "Bâtiment principal",
        "kind": Equipment.Kind.WORKSTATION,
        "brand": "Lenovo",
        "model": "ThinkCentre M70q",
        "serial_number": "LN-M70Q-1187",
        "installed_days_ago": 700,
        "warranty_days": 30,
        "contract": None,
    },
    {
        "client": "CLI-00003",
        "site": "Bâtiment principal",
        "kind": Equipment.Kind.NETWORK,
        "brand": "Ubiquiti",
        "model": "UniFi Switch 24",
        "serial_number": "UBQ-US24-5532",
        "installed_days_ago": 1500,
        "warranty_days": None,
        "contract": None,
    },
    {
        "client": "CLI-00004",
        "site": "Atelier et bureau",
        "kind": Equipment.Kind.WORKSTATION,
        "brand": "Acer",
        "model": "Veriton X",
        "serial_number": "AC-VX-77310",
        "installed_days_ago": 500,
        "warranty_days": 230,
        "contract": None,
    },
    {
        "client": "CLI-00004",
        "site": "Atelier et bureau",
        "kind": Equipment.Kind.PRINTER,
        "brand": "Brother",
        "model": "HL-L5100DN",
        "serial_number": "BR-L5100-2290",
        "installed_days_ago": 1100,
        "warranty_days": -370,
        "contract": None,
    },
    {
        "client": "CLI-00005",
        "site": "Officine",
        "kind": Equipment.Kind.WORKSTATION,
        "brand": "HP",
        "model": "EliteDesk 800 G9",
        "serial_number": "HP-ED800-4410",
        "installed_days_ago": 150,
        "warranty_days": 945,
        "contract": "CLE-{year}-002",
    },
    {
        "client": "CLI-00005",
        "site": "Officine",
        "kind": Equipment.Kind.PRINTER,
        "brand": "HP",
        "model": "LaserJet Pro M404dn",
        "serial_number": "HP-M404-9921",
        "installed_days_ago": 150,
        "warranty_days": 215,
        "contract": "CLE-{year}-002",
    },
]

# One intervention in every status, in this order (their numbers follow it). Each story is
# played through the services by `build.interventions_create`, step by step: the call
# (taken by the dispatcher), then `assign`, `visit`, `report`, `parts`, `resolved_at`
# (which also hands the report over for signature), `signed_at`, `billed` and `cancelled`,
# each only when present. The assigned technician does the work on site and signs.
INTERVENTIONS = [
    {
        # new
        "equipment": "HP-OJ9010-5521",
        "object": "L'imprimante du secrétariat imprime des feuilles pleines de taches d'encre.",
        "requested_at": timedelta(hours=2),
        "caller": ("Mme Roux", "04 72 61 33 91"),
        "priority": Priority.HIGH,
    },
    {
        # scheduled
        "equipment": "LN-M70Q-1187",
        "object": "Le poste de la salle des maîtres n'accède plus à Internet.",
        "requested_at": timedelta(hours=5),
        "caller": ("M. Petit", "04 78 85 12 47"),
        "assign": ("karim", -timedelta(hours=20), -timedelta(hours=22)),
    },
    {
        # in progress
        "equipment": "AC-VX-77310",
        "object": "Le poste de devis s'éteint tout seul plusieurs fois par jour.",
        "requested_at": timedelta(hours=26),
        "caller": ("M. Lefèvre", "06 45 67 89 10"),
        "priority": Priority.HIGH,
        "assign": ("julie", timedelta(hours=1), -timedelta(hours=1)),
        "visit": {
            "arrived_at": timedelta(minutes=40),
            "travel_km": "18.5",
            "travel_minutes": 30,
        },
        "report": {
            "diagnostics": "Poste installé au milieu de l'atelier : ventilateurs et radiateur "
            "du processeur obstrués par la poussière de bois, surchauffe à 96 °C.",
        },
    },
    {
        # awaiting signature
        "equipment": "HP-ED800-4410",
        "object": "Le poste de l'officine est très lent au démarrage.",
        "requested_at": Workday(2, 16, 20),
        "caller": ("Mme Garnier", "04 78 24 55 81"),
        "assign": ("karim", Workday(1, 9, 0), Workday(1, 11, 0)),
        "visit": {
            "arrived_at": Workday(1, 9, 5),
            "left_at": Workday(1, 10, 35),
            "travel_km": "7.0",
            "travel_minutes": 20,
        },
        "report": {
            "diagnostics": "Disque dur mécanique en fin de vie (secteurs réalloués, SMART en "
            "alerte).",
            "work_done": "Remplacement du disque par un SSD, clonage du système, "
            "contrôle du démarrage (35 s).",
        },
        "parts": [("DD-SSD-500", 1)],
        "resolved_at": Workday(1, 10, 30),
    },
    {
        # signed
        "equipment": "HP-M404-9921",
        "object": "Bourrage papier à répétition sur l'imprimante de l'officine.",
        "requested_at": Workday(9, 9, 10),
        "caller": ("Mme Garnier", "04 78 24 55 81"),
        "assign": ("karim", Workday(9, 11, 40), Workday(9, 13, 40)),
        "visit": {
            "arrived_at": Workday(9, 11, 40),
            "left_at": Workday(9, 12, 55),
            "travel_km": "12.0",
            "travel_minutes": 25,
        },
        "report": {
            "diagnostics": "Kit de fusion usé (plis et traces sur les feuilles).",
            "work_done": "Remplacement du kit de fusion, nettoyage du chemin papier, "
            "20 pages de test.",
        },
        "parts": [("KIT-FUS-M404", 1)],
        "resolved_at": Workday(9, 12, 50),
        "signed_at": Workday(9, 12, 55),
    },
    {
        # billed
        "equipment": "DL-7010-CX41",
        "object": "Le poste de Mme Roux ne démarre plus.",
        "requested_at": Workday(15, 14, 20),
        "caller": ("Mme Roux", "04 72 61 33 91"),
        "assign": ("julie", Workday(14, 10, 0), Workday(14, 12, 0)),
        "visit": {
            "arrived_at": Workday(14, 10, 0),
            "left_at": Workday(14, 11, 15),
            "travel_km": "12.0",
            "travel_minutes": 25,
        },
        "report": {
            "diagnostics": "Alimentation hors service ; carte mère et disque sains.",
            "work_done": "Remplacement de l'alimentation, contrôle des tensions, démarrage "
            "vérifié.",
        },
        "parts": [("ALIM-ATX-500", 1)],
        "resolved_at": Workday(14, 11, 10),
        "signed_at": Workday(14, 11, 15),
        "billed": "claire",
    },
    {
        # cancelled
        "equipment": "EPS-T20-88412",
        "object": "L'imprimante de tickets du fournil n'imprime plus.",
        "requested_at": timedelta(hours=50),
        "caller": ("M. Martin", "06 98 76 54 32"),
        "priority": Priority.LOW,
        "cancelled": "Le client a résolu le problème (rouleau mal inséré).",
    },
]
