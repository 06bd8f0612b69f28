import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from interventions import services
from interventions.models import InterventionEvent
from tests.factories import make_intervention


def test_handover_changes_technician_keeps_deadline_and_is_recorded(
    client, dispatcher, technician, other_technician
):
    job = make_intervention()
    deadline = timezone.now() + datetime.timedelta(hours=3)
    job.deadline_at = deadline
    job.save(update_fields=["deadline_at"])
    services.intervention_assign(intervention=job, technician=technician, actor=dispatcher)
    services.visit_record(intervention=job, technician=technician, arrived_at=timezone.now())
    services.report_update(intervention=job, diagnostics="Carte réseau remplacée", actor=technician)
    job = services.intervention_handover(
        intervention=job,
        to_technician=other_technician,
        actor=technician,
        note="Carte réseau remplacée, reste le paramétrage du pilote son.",
    )
    job.refresh_from_db()
    assert job.technician == other_technician
    assert job.deadline_at == deadline
    event = InterventionEvent.objects.get(intervention=job, kind=InterventionEvent.Kind.HANDOVER)
    assert (event.actor, event.data["from"], event.data["to"]) == (
        technician,
        "technician",
        "technician2",
    )
    # The new technician sees the whole history; the previous one can still read it.
    client.force_login(other_technician)
    page = client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
    assert "Carte réseau remplacée" in page and "pilote son" in page
    client.force_login(technician)
    assert client.get(reverse("interventions-detail", args=[job.pk])).status_code == 200


def test_handover_without_note_is_refused(dispatcher, technician, other_technician):
    job = make_intervention()
    services.intervention_assign(intervention=job, technician=technician, actor=dispatcher)
    with pytest.raises(ValidationError):
        services.intervention_handover(
            intervention=job, to_technician=other_technician, actor=dispatcher, note=" "
        )
    job.refresh_from_db()
    assert job.technician == technician
