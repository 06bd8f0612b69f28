"""Cancelling from the intervention page: dispatcher and manager, a reason always, and only
where the workflow cancels."""

from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from interventions import services, workflow
from interventions.models import InterventionEvent, Status
from tests.factories import make_intervention

from .billing_helpers import signed_intervention
from .tablet_helpers import assigned_job, finished_job


def cancel_url(job):
    return reverse("interventions-cancel", args=[job.pk])


@pytest.mark.parametrize("who", ["dispatcher", "manager"])
def test_office_cancels_with_a_reason(client, request, who):
    user = request.getfixturevalue(who)
    job = make_intervention()
    client.force_login(user)
    response = client.post(cancel_url(job), {"reason": "  Le client a trouvé la panne.  "})
    assert response.status_code == 302
    assert response["Location"] == reverse("interventions-detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Status.CANCELLED
    event = InterventionEvent.objects.get(intervention=job, to_status=Status.CANCELLED)
    assert (event.actor, event.from_status, event.note) == (
        user,
        Status.NEW,
        "Le client a trouvé la panne.",
    )
    page = client.get(response["Location"]).content.decode()
    assert f"Intervention {job.number} annulée." in page
    assert 'data-testid="cancel-form"' not in page  # nothing more to cancel


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancel_without_a_reason_changes_nothing(client, dispatcher, technician, reason):
    job = assigned_job(technician)
    events = InterventionEvent.objects.filter(intervention=job).count()
    client.force_login(dispatcher)
    response = client.post(cancel_url(job), {"reason": reason})
    assert response.status_code == 400
    assert "Dites pourquoi l’intervention est annulée." in response.content.decode()
    job.refresh_from_db()
    assert job.status == Status.SCHEDULED
    assert InterventionEvent.objects.filter(intervention=job).count() == events


def test_refused_cancel_keeps_the_reason_and_says_why(client, dispatcher, technician):
    """The page was read while the job was in progress; the technician finished the report
    meanwhile: the workflow refuses, the typed reason stays in the form."""
    job = finished_job(technician)
    client.force_login(dispatcher)
    response = client.post(cancel_url(job), {"reason": "Doublon de la fiche 2026-00001"})
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert (
        f"L'intervention {job.number} ne peut pas passer de «\u00a0En attente de signature\u00a0» "
        "à «\u00a0Annulée\u00a0»." in html
    )
    assert "\nDoublon de la fiche 2026-00001</textarea>" in html
    assert 'data-testid="cancel-submit"' not in html
    job.refresh_from_db()
    assert job.status == Status.AWAITING_SIGNATURE


def test_cancel_button_only_where_the_workflow_cancels(client, dispatcher, technician):
    in_progress = assigned_job(technician)
    workflow.transition(in_progress, Status.IN_PROGRESS)
    jobs = {
        "new": make_intervention(),
        "scheduled": assigned_job(technician),
        "in_progress": in_progress,
        "awaiting_signature": finished_job(technician),
        "signed": signed_intervention(technician),
    }
    client.force_login(dispatcher)
    shown = {
        status: 'data-testid="cancel-submit"'
        in client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
        for status, job in jobs.items()
    }
    assert shown == {
        "new": True,
        "scheduled": True,
        "in_progress": True,
        "awaiting_signature": False,
        "signed": False,
    }


def test_technician_cannot_cancel(client, technician):
    job = assigned_job(technician)
    client.force_login(technician)
    page = client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
    assert 'data-testid="cancel-form"' not in page
    assert client.post(cancel_url(job), {"reason": "Plus besoin"}).status_code == 403
    job.refresh_from_db()
    assert job.status == Status.SCHEDULED


def test_cancel_service_refuses_a_blank_reason(db):
    job = make_intervention()
    with pytest.raises(ValidationError) as refused:
        services.intervention_cancel(intervention=job, actor=None, reason=" \n ")
    assert refused.value.message_dict == {"reason": ["Dites pourquoi l’intervention est annulée."]}
    job.refresh_from_db()
    assert job.status == Status.NEW
    assert not InterventionEvent.objects.filter(intervention=job, kind="status").exists()
