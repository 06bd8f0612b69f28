import io

from django.core.management import call_command

from procedures import selectors
from procedures.models import Kind, Procedure, ProcedureVersion


def test_demo_data_loads_two_published_procedures_of_each_kind_once(db):
    call_command("demo_data", stdout=io.StringIO())
    count = Procedure.objects.count()
    call_command("demo_data", stdout=io.StringIO())
    assert Procedure.objects.count() == count
    for kind in Kind.values:
        assert Procedure.objects.filter(kind=kind).count() >= 2
    for version in ProcedureVersion.objects.all():
        assert version.status == ProcedureVersion.Status.PUBLISHED
        assert selectors.version_errors(version) == []
    titles = set(Procedure.objects.values_list("title", flat=True))
    assert {
        "L'imprimante imprime des taches",
        "Pas d'accès Internet sur un poste",
        "Le PC ne démarre pas",
        "Visite technique annuelle",
        "Valider la connexion Internet du poste",
        "Circuit d'achat",
        "Réception de marchandise",
        "Retour de marchandise",
    } <= titles
