import itertools

import pytest

from interventions import workflow
from interventions.models import InterventionEvent, Status
from interventions.workflow import TRANSITIONS, TransitionError, transition
from tests.factories import make_intervention

# The status machine as the users know it, written out (not read from workflow.TRANSITIONS).
ALLOWED = [
    ("new", "scheduled"),
    ("new", "in_progress"),
    ("new", "cancelled"),
    ("scheduled", "new"),
    ("scheduled", "in_progress"),
    ("scheduled", "cancelled"),
    ("in_progress", "awaiting_signature"),
    ("in_progress", "cancelled"),
    ("awaiting_signature", "signed"),
    ("awaiting_signature", "in_progress"),
    ("signed", "billed"),
    ("billed", "signed"),
]
STATUSES = [
    "new",
    "scheduled",
    "in_progress",
    "awaiting_signature",
    "signed",
    "billed",
    "cancelled",
]
REFUSED = [(s, t) for s, t in itertools.product(STATUSES, STATUSES) if (s, t) not in ALLOWED]

# Shortest path from `new` to each status, through allowed transitions.
PATH_TO = {
    Status.NEW: [],
    Status.SCHEDULED: [Status.SCHEDULED],
    Status.IN_PROGRESS: [Status.IN_PROGRESS],
    Status.AWAITING_SIGNATURE: [Status.IN_PROGRESS, Status.AWAITING_SIGNATURE],
    Status.SIGNED: [Status.IN_PROGRESS, Status.AWAITING_SIGNATURE, Status.SIGNED],
    Status.BILLED: [Status.IN_PROGRESS, Status.AWAITING_SIGNATURE, Status.SIGNED, Status.BILLED],
    Status.CANCELLED: [Status.CANCELLED],
}


def bring_to(status, actor):
    intervention = make_intervention()
    for step in PATH_TO[status]:
        transition(intervention, step, actor=actor, note="raison")
    assert intervention.status == status
    return intervention


def test_the_statuses_are_the_seven_of_the_table():
    assert sorted(Status.values) == sorted(STATUSES)
    assert sorted(TRANSITIONS) == sorted(STATUSES)


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_allowed_transition_changes_status_and_writes_one_event(source, target, admin_user):
    intervention = bring_to(source, admin_user)
    before = InterventionEvent.objects.filter(intervention=intervention).count()
    transition(intervention, target, actor=admin_user, note="raison")
    intervention.refresh_from_db()
    assert intervention.status == target
    events = InterventionEvent.objects.filter(intervention=intervention).order_by("pk")
    assert events.count() == before + 1
    event = events.last()
    assert (event.kind, event.from_status, event.to_status, event.actor, event.note) == (
        InterventionEvent.Kind.STATUS,
        source,
        target,
        admin_user,
        "raison",
    )


@pytest.mark.parametrize(("source", "target"), REFUSED)
def test_refused_transition_raises_and_changes_nothing(source, target, admin_user):
    intervention = bring_to(source, admin_user)
    before = InterventionEvent.objects.filter(intervention=intervention).count()
    with pytest.raises(TransitionError) as excinfo:
        transition(intervention, target, actor=admin_user, note="raison")
    assert intervention.number in str(excinfo.value)
    intervention.refresh_from_db()
    assert intervention.status == source
    assert InterventionEvent.objects.filter(intervention=intervention).count() == before


def test_unbilling_is_for_an_administrator_with_a_reason(manager, admin_user):
    intervention = bring_to(Status.BILLED, admin_user)
    with pytest.raises(TransitionError, match="administrateur"):
        transition(intervention, Status.SIGNED, actor=manager, note="erreur de facturation")
    with pytest.raises(TransitionError, match="motif"):
        transition(intervention, Status.SIGNED, actor=admin_user, note="  ")
    transition(intervention, Status.SIGNED, actor=admin_user, note="facturé sur le mauvais client")
    intervention.refresh_from_db()
    assert intervention.status == Status.SIGNED


def test_cancelling_needs_a_reason(dispatcher):
    intervention = make_intervention()
    with pytest.raises(TransitionError):
        transition(intervention, Status.CANCELLED, actor=dispatcher)
    assert intervention.status == Status.NEW


def test_stale_status_is_refused(dispatcher):
    intervention = make_intervention()
    transition(intervention.pk, Status.SCHEDULED, actor=dispatcher)
    with pytest.raises(TransitionError, match="rechargez la page"):
        transition(intervention, Status.IN_PROGRESS, actor=dispatcher, expected_from=Status.NEW)


def test_nothing_but_the_workflow_writes_status():
    """`status` is not editable in forms or the admin: only workflow.transition sets it."""
    from interventions.models import Intervention

    assert Intervention._meta.get_field("status").editable is False
    assert workflow.can_transition(Status.NEW, Status.SCHEDULED)
