"""The demo procedures, as plain data: diagnostic trees and checklists (French, matched by
title when the demo is loaded again)."""

from ..models import Kind, Step

SEND = Step.Escalation.SEND_TECHNICIAN
SKILLED = Step.Escalation.SKILLED_TECHNICIAN

# A tree: {key: ("q", label, [(answer, next_key), …]) | ("c", label, cause, action, escalation)}
# The first key is the first question.
DIAGNOSTICS = [
    {
        "title": "L'imprimante imprime des taches",
        "summary": "Taches d'encre ou de toner sur les impressions : encre, cartouche, "
        "cartouche recyclée ou environnement.",
        "equipment_kinds": ["printer"],
        "tree": {
            "same_place": (
                "q",
                "Les taches apparaissent-elles au même endroit sur chaque page ?",
                [("Oui", "streaks"), ("Non", "new_cartridge")],
            ),
            "streaks": (
                "q",
                "S'agit-il de traînées verticales régulières ?",
                [("Oui", "c_head"), ("Non", "c_rollers")],
            ),
            "new_cartridge": (
                "q",
                "La cartouche a-t-elle été changée récemment ?",
                [("Oui", "recycled"), ("Non", "environment")],
            ),
            "recycled": (
                "q",
                "Est-ce une cartouche recyclée ou compatible ?",
                [("Oui", "c_recycled"), ("Non", "c_installed")],
            ),
            "environment": (
                "q",
                "L'imprimante est-elle près d'une source d'humidité, de chaleur ou de poussière ?",
                [("Oui", "c_environment"), ("Non", "c_ink")],
            ),
            "c_head": (
                "c",
                "Têtes d'impression ou tambour encrassés",
                "Têtes d'impression encrassées (jet d'encre) ou tambour rayé (laser)",
                "Lancer le nettoyage des têtes depuis le panneau de l'imprimante ; si les "
                "traînées persistent, remplacer le tambour.",
                SEND,
            ),
            "c_rollers": (
                "c",
                "Rouleaux ou chemin papier salis",
                "Encre ou toner répandu sur les rouleaux d'entraînement",
                "Imprimer quelques pages blanches puis nettoyer les rouleaux avec un chiffon "
                "non pelucheux.",
                "",
            ),
            "c_recycled": (
                "c",
                "Cartouche recyclée défectueuse",
                "Cartouche recyclée qui fuit ou mal remplie",
                "Remplacer par une cartouche d'origine et signaler le lot au fournisseur.",
                "",
            ),
            "c_installed": (
                "c",
                "Cartouche mal installée",
                "Cartouche mal enclenchée ou adhésif de protection non retiré",
                "Retirer la cartouche, ôter l'adhésif, la remettre en place et lancer un "
                "alignement.",
                "",
            ),
            "c_environment": (
                "c",
                "Environnement inadapté",
                "Papier humide ou poussière (atelier, fenêtre, radiateur)",
                "Stocker le papier au sec, éloigner l'imprimante de la source et la dépoussiérer.",
                "",
            ),
            "c_ink": (
                "c",
                "Encre en fin de vie ou panne interne",
                "Niveau d'encre bas ou défaut mécanique",
                "Vérifier les niveaux d'encre ; s'ils sont bons, faire intervenir un technicien.",
                SEND,
            ),
        },
    },
    {
        "title": "Pas d'accès Internet sur un poste",
        "summary": "Un poste n'ouvre plus aucune page web : site, câble, Wi-Fi, DNS.",
        "equipment_kinds": ["workstation", "laptop"],
        "tree": {
            "others": (
                "q",
                "Les autres postes du site accèdent-ils à Internet ?",
                [("Oui", "wifi"), ("Non", "c_site")],
            ),
            "wifi": (
                "q",
                "Le poste est-il connecté en Wi-Fi ?",
                [("Oui", "ssid"), ("Non, par câble", "link")],
            ),
            "ssid": (
                "q",
                "Le poste est-il connecté au réseau Wi-Fi de l'entreprise ?",
                [("Oui", "ip"), ("Non", "c_ssid")],
            ),
            "link": (
                "q",
                "Le voyant de la prise réseau du poste est-il allumé ?",
                [("Oui", "ip"), ("Non", "c_cable")],
            ),
            "ip": (
                "q",
                "Une page s'ouvre-t-elle en tapant une adresse IP (par exemple http://1.1.1.1) ?",
                [("Oui", "c_dns"), ("Non", "c_config")],
            ),
            "c_site": (
                "c",
                "Panne de la connexion du site",
                "Box ou routeur hors service, ou coupure chez l'opérateur",
                "Redémarrer la box ; si le voyant Internet reste éteint, ouvrir un ticket "
                "chez l'opérateur.",
                SEND,
            ),
            "c_ssid": (
                "c",
                "Mauvais réseau Wi-Fi",
                "Le poste s'est connecté à un réseau voisin ou invité",
                "Se connecter au réseau de l'entreprise avec sa clé Wi-Fi.",
                "",
            ),
            "c_cable": (
                "c",
                "Câble ou prise réseau défectueux",
                "Câble débranché, abîmé ou prise murale non brassée",
                "Rebrancher ou changer le câble, essayer une autre prise murale.",
                SEND,
            ),
            "c_dns": (
                "c",
                "Résolution de noms (DNS) en panne",
                "Serveur DNS injoignable ou mal configuré sur le poste",
                "Redémarrer le poste ; sinon remettre les DNS en automatique.",
                SKILLED,
            ),
            "c_config": (
                "c",
                "Configuration réseau du poste",
                "Adresse IP invalide, proxy ou pare-feu bloquant",
                "Exécuter « ipconfig /renew », vérifier le proxy et le pare-feu.",
                SEND,
            ),
        },
    },
    {
        "title": "Le PC ne démarre pas",
        "summary": "Rien ne se passe à l'allumage, écran noir ou blocage avant Windows.",
        "equipment_kinds": ["workstation", "laptop"],
        "tree": {
            "led": (
                "q",
                "Un voyant s'allume-t-il quand on appuie sur le bouton marche ?",
                [("Oui", "screen"), ("Non", "power")],
            ),
            "power": (
                "q",
                "Le câble d'alimentation et la multiprise sont-ils branchés et allumés ?",
                [("Oui", "c_psu"), ("Non", "c_plug")],
            ),
            "screen": (
                "q",
                "Quelque chose s'affiche-t-il à l'écran ?",
                [("Oui", "message"), ("Non", "monitor")],
            ),
            "monitor": (
                "q",
                "L'écran est-il allumé et relié au PC ?",
                [("Oui", "c_hardware"), ("Non", "c_monitor")],
            ),
            "message": (
                "q",
                "Un message d'erreur s'affiche-t-il avant le logo de Windows ?",
                [("Oui", "c_disk"), ("Non", "c_windows")],
            ),
            "c_plug": (
                "c",
                "Alimentation débranchée",
                "Câble ou multiprise débranché ou éteint",
                "Brancher le câble et allumer la multiprise, puis redémarrer.",
                "",
            ),
            "c_psu": (
                "c",
                "Bloc d'alimentation en panne",
                "Alimentation du PC ou chargeur du portable hors service",
                "Envoyer un technicien avec une alimentation de remplacement.",
                SEND,
            ),
            "c_monitor": (
                "c",
                "Écran éteint ou débranché",
                "Écran en veille, éteint ou câble vidéo débranché",
                "Allumer l'écran, vérifier le câble vidéo et la source d'entrée.",
                "",
            ),
            "c_hardware": (
                "c",
                "Panne matérielle",
                "Carte mère, mémoire ou carte graphique défaillante",
                "Noter les bips éventuels au démarrage et transmettre.",
                SKILLED,
            ),
            "c_disk": (
                "c",
                "Disque ou démarrage endommagé",
                "Disque dur défaillant ou secteur de démarrage corrompu",
                "Ne pas redémarrer en boucle : un technicien sauvegarde les données puis "
                "répare le démarrage.",
                SEND,
            ),
            "c_windows": (
                "c",
                "Windows bloqué au démarrage",
                "Mise à jour interrompue ou pilote défectueux",
                "Démarrer en mode sans échec et désinstaller la dernière mise à jour.",
                SKILLED,
            ),
        },
    },
]

# (kind, title, summary, applicability, [(label, required), …])
LISTS = [
    (
        Kind.INTERVENTION,
        "Visite technique annuelle",
        "Points à contrôler lors de la visite annuelle prévue au contrat.",
        {"contract_kinds": ["maintenance", "turnkey"], "planned_only": True},
        [
            ("Postes : dépoussiérer, contrôler les ventilateurs et la température", True),
            ("Postes : mises à jour du système et de l'antivirus", True),
            ("Imprimantes : nettoyage, niveaux d'encre, page de test", True),
            ("Onduleur : test de bascule sur batterie et date de la batterie", True),
            ("Sauvegardes : dernière sauvegarde réussie et restauration d'un fichier test", True),
            ("Réseau : box, commutateur et Wi-Fi fonctionnels", False),
            ("Noter les matériels à renouveler dans l'année", False),
        ],
    ),
    (
        Kind.INTERVENTION,
        "Remplacement d'une cartouche ou d'un toner",
        "Changer un consommable d'imprimante sans laisser de taches.",
        {"equipment_kinds": ["printer"]},
        [
            ("Mettre la cartouche usagée dans le sac de recyclage", False),
            ("Installer la cartouche neuve, adhésif de protection retiré", True),
            ("Lancer le nettoyage et l'alignement des têtes", False),
            ("Imprimer une page de test sans taches", True),
        ],
    ),
    (
        Kind.ACCEPTANCE,
        "Valider la connexion Internet du poste",
        "À faire constater par le client après toute intervention sur le réseau d'un poste.",
        {},
        [
            ("Ouvrir une page web (site de l'entreprise)", False),
            ("Envoyer un e-mail de test", False),
            ("Recevoir un e-mail (réponse au message de test)", False),
        ],
    ),
    (
        Kind.ACCEPTANCE,
        "Valider l'impression depuis les postes",
        "À faire constater par le client après une intervention sur une imprimante.",
        {"equipment_kinds": ["printer"]},
        [
            ("Imprimer une page depuis le poste de l'utilisateur", False),
            ("Imprimer un document en recto verso", False),
            ("Numériser un document vers la messagerie", False),
        ],
    ),
    (
        Kind.ADMINISTRATIVE,
        "Circuit d'achat",
        "Commander une pièce ou un matériel pour un client.",
        {},
        [
            ("Établir la demande d'achat : référence, quantité, intervention concernée", False),
            ("Faire valider la demande par le responsable au-delà de 150 € HT", False),
            ("Comparer au moins deux fournisseurs et passer la commande", False),
            ("Enregistrer la commande avec son numéro et la date de livraison prévue", False),
            ("Prévenir le client du délai si la pièce bloque l'intervention", False),
        ],
    ),
    (
        Kind.ADMINISTRATIVE,
        "Réception de marchandise",
        "Contrôler et enregistrer une livraison.",
        {},
        [
            ("Contrôler le colis devant le livreur : état et nombre de colis", False),
            ("Porter des réserves précises sur le bon de livraison en cas de dommage", False),
            ("Comparer le bon de livraison à la commande : références et quantités", False),
            ("Ranger les pièces et mettre à jour le stock", False),
            ("Prévenir le technicien ou le répartiteur que la pièce est arrivée", False),
        ],
    ),
    (
        Kind.ADMINISTRATIVE,
        "Retour de marchandise",
        "Renvoyer une pièce défectueuse ou erronée au fournisseur.",
        {},
        [
            ("Demander au fournisseur un numéro d'accord de retour (RMA)", False),
            ("Emballer la pièce dans son carton d'origine avec le numéro de retour", False),
            ("Joindre la copie de la facture et la description du défaut", False),
            ("Noter l'envoi : date, transporteur, numéro de suivi", False),
            ("Suivre l'avoir ou l'échange, puis clôturer le retour", False),
        ],
    ),
]
