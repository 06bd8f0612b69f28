from django.utils import timezone

from interventions import roles, services, workflow
from interventions.models import Status
from procedures import services as procedure_services
from procedures.models import Kind, RunEntry
from tests.e2e.conftest import login, screenshot
from tests.factories import EquipmentFactory, UserFactory, make_intervention
from tests.procedures.conftest import build_list, build_printer_tree

TABLET = {"width": 768, "height": 1024}


def test_dispatcher_runs_the_printer_diagnostic_and_the_path_appears_on_the_intervention(
    page, live_server
):
    sophie = UserFactory(username="e2e-sophie", role=roles.DISPATCHER)
    build_printer_tree()
    job = make_intervention(equipment=EquipmentFactory(), actor=sophie)
    page.set_viewport_size(TABLET)
    login(page, live_server, "e2e-sophie", "secret-pass-123")
    page.goto(f"{live_server.url}/procedures/intervention/{job.pk}/diagnostic/")
    page.get_by_label("Procédure de diagnostic").select_option(
        label="L'imprimante imprime des taches"
    )
    page.get_by_role("button", name="Commencer le diagnostic").click()
    question = page.get_by_test_id("diagnostic-question")
    assert question.inner_text() == "Les taches sont-elles régulières ?"
    page.get_by_role("button", name="Non", exact=True).click()
    page.get_by_text("La cartouche est-elle recyclée ?").wait_for()
    screenshot(page, "procedures-diagnostic-question")
    page.get_by_role("button", name="Oui", exact=True).click()
    conclusion = page.get_by_test_id("diagnostic-conclusion")
    conclusion.wait_for()
    assert "Cartouche recyclée défectueuse" in conclusion.inner_text()
    screenshot(page, "procedures-diagnostic-conclusion")

    page.goto(f"{live_server.url}/interventions/{job.pk}/")
    record = page.get_by_test_id("diagnostic-record")
    assert "Les taches sont-elles régulières ? → Non" in record.inner_text()
    assert "La cartouche est-elle recyclée ? → Oui" in record.inner_text()
    assert "Conclusion&nbsp;: Cartouche recyclée défectueuse" in page.content()
    assert "- La cartouche est-elle recyclée ? → Oui" in page.content()  # in the diagnostics
    screenshot(page, "procedures-intervention-detail")


def test_technician_completes_checklist_and_acceptance_before_signature(tablet_page, live_server):
    page = tablet_page
    karim = UserFactory(username="e2e-karim", role=roles.TECHNICIAN)
    build_list(
        Kind.INTERVENTION,
        "Remplacement d'une cartouche",
        ["Recycler la cartouche usagée", "Installer la cartouche neuve", "Page de test"],
        required=["Installer la cartouche neuve", "Page de test"],
        equipment_kinds=["printer"],
    )
    acceptance = build_list(
        Kind.ACCEPTANCE,
        "Valider l'impression depuis les postes",
        ["Imprimer une page depuis le poste", "Imprimer en recto verso"],
    )
    job = make_intervention(equipment=EquipmentFactory())
    services.intervention_assign(intervention=job, technician=karim)
    procedure_services.run_attach(intervention=job, procedure=acceptance, actor=karim)
    now = timezone.now()
    services.visit_record(
        intervention=job,
        technician=karim,
        arrived_at=now - timezone.timedelta(hours=1),
        left_at=now,
    )
    services.report_update(intervention=job, work_done="Cartouche remplacée", actor=karim)
    assert len(services.signature_blockers(job)) == 2

    login(page, live_server, "e2e-karim", "secret-pass-123")
    page.goto(f"{live_server.url}/interventions/{job.pk}/")
    page.get_by_role("link", name="Contrôles et recette").click()
    blockers = page.get_by_test_id("procedure-blockers")
    assert "Installer la cartouche neuve, Page de test" in blockers.inner_text()
    screenshot(page, "procedures-checklist-before")

    def point(text):
        return page.locator(".checklist-point", has_text=text)

    point("Recycler la cartouche usagée").get_by_text("Sans objet", exact=True).tap()
    point("Installer la cartouche neuve").get_by_text("OK", exact=True).tap()
    point("Page de test").get_by_text("Pas OK", exact=True).tap()
    point("Page de test").get_by_placeholder("Commentaire (facultatif)").fill("Légère trace")
    page.locator(".procedure-run", has_text="Liste de contrôle").get_by_role(
        "button", name="Enregistrer"
    ).tap()
    page.get_by_text("Listes de contrôle et recette enregistrées.").wait_for()
    assert "Recette «\u00a0Valider l'impression depuis les postes\u00a0»" in blockers.inner_text()

    point("Imprimer une page depuis le poste").get_by_text("Réussi", exact=True).tap()
    point("Imprimer en recto verso").get_by_text("Échoué", exact=True).tap()
    page.locator(".procedure-run", has_text="Recette avec le client").get_by_role(
        "button", name="Enregistrer"
    ).tap()
    page.get_by_text("Tous les points obligatoires sont renseignés.").wait_for()
    page.set_viewport_size(TABLET)
    screenshot(page, "procedures-checklist-after")

    results = {e.step.label: e.result for e in RunEntry.objects.select_related("step")}
    assert results == {
        "Recycler la cartouche usagée": "na",
        "Installer la cartouche neuve": "ok",
        "Page de test": "not_ok",
        "Imprimer une page depuis le poste": "passed",
        "Imprimer en recto verso": "failed",
    }
    assert RunEntry.objects.get(step__label="Page de test").comment == "Légère trace"
    job.refresh_from_db()
    assert services.signature_blockers(job) == []
    workflow.transition(job, Status.AWAITING_SIGNATURE, actor=karim)
    page.goto(f"{live_server.url}/interventions/{job.pk}/")
    assert "Échoué" in page.locator(".acceptance-summary").inner_text()


def test_saving_the_checklist_keeps_the_acceptance_answers_and_goes_back_to_the_tablet(
    tablet_page, live_server
):
    """Seen: answer points of both the checklist and the acceptance, tap the first
    "Enregistrer": the acceptance answers were silently lost (one form per section)."""
    page = tablet_page
    karim = UserFactory(username="e2e-karim", role=roles.TECHNICIAN)
    checklist = build_list(Kind.INTERVENTION, "Changement de disque", ["Sauvegarde vérifiée"])
    acceptance = build_list(Kind.ACCEPTANCE, "Recette du poste", ["Session ouverte"])
    job = make_intervention(equipment=EquipmentFactory())
    services.intervention_assign(intervention=job, technician=karim)
    procedure_services.run_attach(intervention=job, procedure=checklist, actor=karim)
    procedure_services.run_attach(intervention=job, procedure=acceptance, actor=karim)

    login(page, live_server, "e2e-karim", "secret-pass-123")
    page.goto(f"{live_server.url}/procedures/intervention/{job.pk}/")
    page.locator(".checklist-point", has_text="Sauvegarde vérifiée").get_by_text(
        "OK", exact=True
    ).tap()
    page.locator(".checklist-point", has_text="Session ouverte").get_by_text(
        "Réussi", exact=True
    ).tap()
    page.locator(".procedure-run", has_text="Liste de contrôle").get_by_role(
        "button", name="Enregistrer"
    ).tap()
    page.get_by_text("Listes de contrôle et recette enregistrées.").wait_for()

    results = {e.step.label: e.result for e in RunEntry.objects.select_related("step")}
    assert results == {"Sauvegarde vérifiée": "ok", "Session ouverte": "passed"}
    assert (
        page.locator(".checklist-point", has_text="Session ouverte")
        .locator("input:checked")
        .get_attribute("value")
        == "passed"
    )

    page.get_by_test_id("back-link").tap()
    page.wait_for_url(f"{live_server.url}/interventions/{job.pk}/work/**")
