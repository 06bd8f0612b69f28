"""Response deadlines: where an intervention stands against its contract's response time."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

AT_RISK_SHARE = 0.25  # under 25 % of the allowed time left: at risk


@dataclass(frozen=True)
class DeadlineState:
    state: str  # "met", "missed", "ok", "at_risk", "overdue"
    deadline: datetime.datetime
    remaining: datetime.timedelta  # negative when overdue


def deadline_state(intervention, now: datetime.datetime | None = None) -> DeadlineState | None:
    """None when the contract sets no deadline. Once the technician has arrived, the verdict
    is final (met / missed); before that, ok / at risk / overdue against `now`."""
    deadline = intervention.deadline_at
    if deadline is None:
        return None
    if intervention.first_arrival_at is not None:
        met = intervention.first_arrival_at <= deadline
        return DeadlineState(
            "met" if met else "missed", deadline, deadline - intervention.first_arrival_at
        )
    now = now or timezone.now()
    remaining = deadline - now
    if remaining.total_seconds() < 0:
        return DeadlineState("overdue", deadline, remaining)
    allowed = (deadline - intervention.requested_at).total_seconds()
    if allowed <= 0 or remaining.total_seconds() < AT_RISK_SHARE * allowed:
        return DeadlineState("at_risk", deadline, remaining)
    return DeadlineState("ok", deadline, remaining)
