import subprocess

from django.utils import timezone

from interventions import services as intervention_services
from interventions import workflow
from interventions.models import Status
from procedures import services
from procedures.models import Kind, Result
from tests.factories import make_intervention
from tests.procedures.conftest import build_list


def test_acceptance_results_are_printed_on_the_signed_pdf(technician, tmp_path):
    acceptance = build_list(
        Kind.ACCEPTANCE,
        "Valider la connexion Internet du poste",
        ["Ouvrir une page web", "Envoyer un e-mail", "Recevoir un e-mail"],
    )
    job = make_intervention()
    run = services.run_attach(intervention=job, procedure=acceptance, actor=technician)
    steps = {s.label: s.pk for s in run.version.steps.all()}
    now = timezone.now()
    intervention_services.visit_record(
        intervention=job,
        technician=technician,
        arrived_at=now - timezone.timedelta(hours=1),
        left_at=now,
    )
    intervention_services.report_update(
        intervention=job, work_done="Box redémarrée", actor=technician
    )
    assert len(intervention_services.signature_blockers(job)) == 1
    services.run_record(
        run=run,
        results={
            steps["Ouvrir une page web"]: (Result.PASSED, ""),
            steps["Envoyer un e-mail"]: (Result.PASSED, ""),
            steps["Recevoir un e-mail"]: (Result.FAILED, "Serveur de messagerie lent"),
        },
        actor=technician,
    )
    assert intervention_services.signature_blockers(job) == []
    workflow.transition(job, Status.AWAITING_SIGNATURE, actor=technician)
    report = intervention_services.report_freeze(
        intervention=job,
        signatures={"technician": {"name": "T"}, "customer": {"name": "Mme Roux"}},
        actor=technician,
    )
    assert report.snapshot["extras"]["acceptance"] == [
        {
            "title": "Valider la connexion Internet du poste",
            "version": 1,
            "steps": [
                {"label": "Ouvrir une page web", "result": "passed", "comment": ""},
                {"label": "Envoyer un e-mail", "result": "passed", "comment": ""},
                {
                    "label": "Recevoir un e-mail",
                    "result": "failed",
                    "comment": "Serveur de messagerie lent",
                },
            ],
        }
    ]
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report.pdf.read())
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "RÉSULTATS DE LA RECETTE" in text
    assert "Valider la connexion Internet du poste (v1) — 2/3 étapes réussies" in text
    assert "✔ réussi — Ouvrir une page web" in text
    assert "✘ échec — Recevoir un e-mail : Serveur de messagerie lent" in text
    # Printed above the customer's signature.
    assert text.index("RÉSULTATS DE LA RECETTE") < text.index("CACHET ET SIGNATURE CLIENT")
    # Editing the procedure afterwards does not touch the frozen snapshot.
    draft = services.draft_get_or_create(procedure=acceptance)
    services.step_update(step=draft.steps.first(), label="Autre chose")
    services.version_publish(version=draft)
    report.refresh_from_db()
    assert report.snapshot["extras"]["acceptance"][0]["steps"][0]["label"] == "Ouvrir une page web"
