import pytest
from django.urls import reverse

from procedures import services
from procedures.models import Kind, Procedure, ProcedureRun, RunEntry, Step
from tests.factories import EquipmentFactory, make_intervention
from tests.procedures.conftest import build_list


def test_library_is_searchable_by_every_role(client, technician, printer_tree):
    build_list(Kind.ADMINISTRATIVE, "Retour de marchandise", ["Demander un numéro de retour"])
    client.force_login(technician)
    response = client.get(reverse("procedures-list"), {"q": "numéro retour"})
    assert response.status_code == 200
    assert "Retour de marchandise" in response.content.decode()
    assert "imprime des taches" not in response.content.decode()
    assert client.get(reverse("procedures-detail", args=[printer_tree.pk])).status_code == 200


def test_drafts_are_hidden_from_non_managers(client, technician, manager):

    draft_only = services.procedure_create(kind=Kind.ADMINISTRATIVE, title="Brouillon secret")
    client.force_login(technician)
    assert "Brouillon secret" not in client.get(reverse("procedures-list")).content.decode()
    assert client.get(reverse("procedures-detail", args=[draft_only.pk])).status_code == 404
    client.force_login(manager)
    assert "Brouillon secret" in client.get(reverse("procedures-list")).content.decode()


def test_only_managers_author(client, dispatcher, printer_tree):
    client.force_login(dispatcher)
    assert client.get(reverse("procedures-create")).status_code == 403
    response = client.post(reverse("procedures-edit", args=[printer_tree.pk]))
    assert response.status_code == 403
    assert printer_tree.draft_version() is None


def test_manager_authors_a_checklist_in_the_application(client, manager):
    client.force_login(manager)
    response = client.post(
        reverse("procedures-create"),
        {"kind": Kind.INTERVENTION, "title": "Contrôle onduleur", "equipment_kinds": ["server"]},
    )
    procedure = Procedure.objects.get(title="Contrôle onduleur")
    assert response.url == reverse("procedures-draft", args=[procedure.pk])
    add = reverse("procedures-step-add", args=[procedure.pk])
    client.post(add, {"new-label": "Tester la bascule", "new-required": "on"})
    client.post(add, {"new-label": "Lire la date de la batterie"})
    second = Step.objects.get(label="Lire la date de la batterie")
    client.post(reverse("procedures-step-move", args=[second.pk, "up"]))
    draft = procedure.draft_version()
    assert list(draft.steps.values_list("label", "required")) == [
        ("Lire la date de la batterie", False),
        ("Tester la bascule", True),
    ]
    assert client.get(reverse("procedures-draft", args=[procedure.pk])).status_code == 200
    response = client.post(reverse("procedures-publish", args=[procedure.pk]))
    assert response.url == reverse("procedures-detail", args=[procedure.pk])
    assert procedure.published_version().number == 1


def test_bad_step_input_keeps_what_was_typed(client, manager, printer_tree):
    client.force_login(manager)
    client.post(reverse("procedures-edit", args=[printer_tree.pk]))
    response = client.post(
        reverse("procedures-step-add", args=[printer_tree.pk]),
        {"new-kind": Step.Kind.CONCLUSION, "new-label": "Conclusion vide"},
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "Une conclusion doit indiquer une cause probable ou une action." in content
    assert 'value="Conclusion vide"' in content
    assert not Step.objects.filter(label="Conclusion vide").exists()


def test_publishing_an_invalid_tree_shows_why(client, manager, printer_tree):
    client.force_login(manager)
    client.post(reverse("procedures-edit", args=[printer_tree.pk]))
    draft = printer_tree.draft_version()
    client.post(
        reverse("procedures-step-add", args=[printer_tree.pk]),
        {"new-kind": Step.Kind.QUESTION, "new-label": "Question orpheline ?"},
    )
    response = client.post(reverse("procedures-publish", args=[printer_tree.pk]), follow=True)
    assert "Non publiée" in response.content.decode()
    draft.refresh_from_db()
    assert draft.is_draft


def test_dispatcher_runs_a_diagnostic_through_the_htmx_partial(client, dispatcher, printer_tree):
    job = make_intervention(actor=dispatcher)
    client.force_login(dispatcher)
    hx = {"HTTP_HX_REQUEST": "true"}
    response = client.post(
        reverse("procedures-diagnostic-start", args=[job.pk]), {"procedure": printer_tree.pk}, **hx
    )
    assert "Les taches sont-elles régulières ?" in response.content.decode()
    run = ProcedureRun.objects.get(intervention=job)
    q1 = run.version.steps.get(position=1)
    response = client.post(
        reverse("procedures-diagnostic-answer", args=[run.pk]),
        {"answer": q1.answers.get(label="Oui").pk},
        **hx,
    )
    assert "Tambour rayé" in response.content.decode()
    assert "Envoyer un technicien" in response.content.decode()
    detail = client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
    assert "Les taches sont-elles régulières ? → <strong>Oui</strong>" in detail


def test_technician_not_assigned_cannot_fill_procedures(
    client, technician, other_technician, printer_tree
):
    from interventions import services as intervention_services

    job = make_intervention()
    intervention_services.intervention_assign(intervention=job, technician=technician)
    client.force_login(other_technician)
    url = reverse("procedures-diagnostic-start", args=[job.pk])
    assert client.post(url, {"procedure": printer_tree.pk}).status_code == 404
    assert client.get(reverse("procedures-intervention", args=[job.pk])).status_code == 404
    assert not ProcedureRun.objects.filter(intervention=job).exists()


def test_technician_records_checklist_results_on_the_touch_page(client, technician):
    build_list(
        Kind.INTERVENTION,
        "Contrôle imprimante",
        ["Nettoyer", "Page de test"],
        required=["Page de test"],
        equipment_kinds=["printer"],
    )
    from interventions import services as intervention_services

    job = make_intervention(equipment=EquipmentFactory())
    intervention_services.intervention_assign(intervention=job, technician=technician)
    run = job.procedure_runs.get()
    steps = {s.label: s.pk for s in run.version.steps.all()}
    client.force_login(technician)
    page = client.get(reverse("procedures-intervention", args=[job.pk])).content.decode()
    assert "répondez aux points obligatoires\u00a0: Page de test" in page
    client.post(
        reverse("procedures-intervention-record", args=[job.pk]),
        {
            f"result-{steps['Nettoyer']}": "ok",
            f"result-{steps['Page de test']}": "not_ok",
            f"comment-{steps['Page de test']}": "Bourrage",
        },
    )
    entries = {e.step.label: (e.result, e.comment, e.by) for e in RunEntry.objects.all()}
    assert entries == {
        "Nettoyer": ("ok", "", technician),
        "Page de test": ("not_ok", "Bourrage", technician),
    }
    run.refresh_from_db()
    assert run.finished_at is not None


@pytest.mark.parametrize("role_fixture", ["dispatcher", "technician", "manager"])
def test_intervention_detail_query_count_with_procedures(
    request, client, role_fixture, printer_tree, django_assert_max_num_queries
):
    from interventions import services as intervention_services

    user = request.getfixturevalue(role_fixture)
    build_list(Kind.INTERVENTION, "Contrôle", ["A", "B", "C"], equipment_kinds=["printer"])
    build_list(Kind.ACCEPTANCE, "Recette", ["A", "B"], equipment_kinds=["printer"])
    job = make_intervention(equipment=EquipmentFactory())
    intervention_services.intervention_assign(intervention=job, technician=user)
    services.diagnostic_start(intervention=job, procedure=printer_tree)
    client.force_login(user)
    with django_assert_max_num_queries(30):
        response = client.get(reverse("interventions-detail", args=[job.pk]))
    assert response.status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get(reverse("procedures-intervention", args=[job.pk])).status_code == 200


def test_runner_include_loads_itself_from_the_runner_url(client, dispatcher, printer_tree):
    from django.template.loader import render_to_string

    job = make_intervention()
    html = render_to_string("procedures/_diagnostic_runner.html", {"intervention": job})
    runner_url = reverse("procedures-diagnostic-runner", args=[job.pk])
    assert f'hx-get="{runner_url}"' in html
    client.force_login(dispatcher)
    body = client.get(runner_url).content.decode()
    assert "Commencer le diagnostic" in body
    assert "L&#x27;imprimante imprime des taches" in body


def test_nobody_without_role_sees_no_procedure(client, nobody, printer_tree):
    client.force_login(nobody)
    assert client.get(reverse("procedures-list")).status_code == 403
    assert client.get(reverse("procedures-detail", args=[printer_tree.pk])).status_code == 403


def test_a_refused_answer_saves_nothing_and_keeps_what_was_tapped(client, technician):
    checklist = build_list(Kind.INTERVENTION, "Changement de disque", ["Sauvegarde vérifiée"])
    acceptance = build_list(Kind.ACCEPTANCE, "Recette du poste", ["Session ouverte"])
    from interventions import services as intervention_services

    job = make_intervention(equipment=EquipmentFactory())
    intervention_services.intervention_assign(intervention=job, technician=technician)
    for procedure in (checklist, acceptance):
        services.run_attach(intervention=job, procedure=procedure, actor=technician)
    steps = {s.label: s.pk for s in Step.objects.all()}
    client.force_login(technician)
    response = client.post(
        reverse("procedures-intervention-record", args=[job.pk]),
        {
            f"result-{steps['Sauvegarde vérifiée']}": "ok",
            f"comment-{steps['Sauvegarde vérifiée']}": "Disque cloné",
            f"result-{steps['Session ouverte']}": "ok",  # not an acceptance result
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "Résultat invalide pour « Session ouverte »" in body.replace("\u00a0", " ")
    assert 'value="Disque cloné"' in body
    assert RunEntry.objects.count() == 0
