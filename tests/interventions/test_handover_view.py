from django.urls import reverse

from interventions import roles, services
from interventions.models import InterventionEvent
from tests.factories import UserFactory, make_intervention


def test_dispatcher_hands_over_from_the_detail_page(
    client, dispatcher, technician, other_technician
):
    job = make_intervention()
    services.intervention_assign(intervention=job, technician=technician, actor=dispatcher)
    client.force_login(dispatcher)
    page = client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
    assert 'data-testid="handover-form"' in page
    response = client.post(
        reverse("interventions-handover", args=[job.pk]),
        {
            "to_technician": other_technician.pk,
            "note": "Câble changé, reste le pilote.",
            "version": 1,  # read after the assignment
        },
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.technician == other_technician
    event = InterventionEvent.objects.get(intervention=job, kind="handover")
    assert event.actor == dispatcher and event.note == "Câble changé, reste le pilote."
    client.force_login(other_technician)
    page = client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
    assert "Câble changé, reste le pilote." in page


def test_handover_without_note_keeps_the_form_and_the_technician(
    client, dispatcher, technician, other_technician
):
    job = make_intervention()
    services.intervention_assign(intervention=job, technician=technician, actor=dispatcher)
    client.force_login(dispatcher)
    response = client.post(
        reverse("interventions-handover", args=[job.pk]),
        {"to_technician": other_technician.pk, "note": ""},
    )
    assert response.status_code == 400
    assert "pour que rien ne soit refait ni défait" in response.content.decode()
    job.refresh_from_db()
    assert job.technician == technician


def test_technician_hands_over_only_their_own_job(client, technician, other_technician):
    job = make_intervention()
    services.intervention_assign(intervention=job, technician=other_technician)
    third = UserFactory(username="tech3", role=roles.TECHNICIAN)
    client.force_login(technician)
    response = client.post(
        reverse("interventions-handover", args=[job.pk]),
        {"to_technician": third.pk, "note": "x"},
    )
    assert response.status_code == 404  # not visible to them
    client.force_login(other_technician)
    response = client.post(
        reverse("interventions-handover", args=[job.pk]),
        {
            "to_technician": third.pk,
            "note": "Reste à tester l'impression.",
            "version": 1,  # read after the assignment
        },
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.technician == third


def test_tablet_handover_page_uses_the_same_form_as_the_detail_page(
    client, dispatcher, technician, other_technician
):
    job = make_intervention()
    services.intervention_assign(intervention=job, technician=technician, actor=dispatcher)
    client.force_login(technician)
    work_handover = reverse("interventions-work-handover", args=[job.pk])
    page = client.get(work_handover).content.decode()
    assert 'data-testid="handover-form"' in page
    assert f'action="{work_handover}"' in page
    assert f'<option value="{other_technician.pk}"' in page
    assert f'<option value="{technician.pk}"' not in page  # not to oneself
    response = client.post(work_handover, {"to_technician": other_technician.pk, "note": ""})
    assert response.status_code == 200
    assert "pour que rien ne soit refait ni défait" in response.content.decode()
    job.refresh_from_db()
    assert job.technician == technician
