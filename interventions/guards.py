"""The one rule saying which writes an intervention accepts in each status.

Every service that writes what the report shows calls `ensure_can_write` on the row it has
locked (`select_for_update`), so a view, the admin or a procedure cannot go around it; views only
turn the refusal into a message.

The report is open from intake to "report finished": the dispatcher's phone diagnostic and the
planned tasks are written on a new or scheduled job, and the first arrival on site starts the
work. It is closed while the customer reads it on the tablet (what is signed must be what was
read: "Change the report" reopens it), and for good once signed, billed or cancelled.
"""

from enum import StrEnum

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Intervention, Status


class ReportLocked(ValidationError):
    """A write refused because of the intervention's status (see `WRITABLE`)."""


class Change(StrEnum):
    # Texts, visits, parts, outcome, out-of-conditions, linked requests, procedure answers/runs.
    REPORT = "report"
    # Who handles the job and the steps to the signatures: the report is not issued yet.
    HANDLING = "handling"
    # The billing decisions (billable flags): a manager reviews them until the invoice.
    BILLING = "billing"


WRITABLE: dict[Change, frozenset[str]] = {
    Change.REPORT: frozenset({Status.NEW, Status.SCHEDULED, Status.IN_PROGRESS}),
    Change.HANDLING: frozenset(
        {Status.NEW, Status.SCHEDULED, Status.IN_PROGRESS, Status.AWAITING_SIGNATURE}
    ),
    Change.BILLING: frozenset(
        {
            Status.NEW,
            Status.SCHEDULED,
            Status.IN_PROGRESS,
            Status.AWAITING_SIGNATURE,
            Status.SIGNED,
        }
    ),
}


def can_write(status: str, change: Change) -> bool:
    return status in WRITABLE[change]


def ensure_can_write(intervention: Intervention, change: Change) -> None:
    """Raise ReportLocked, saying why in French, unless `change` is allowed in this status."""
    status = intervention.status
    if can_write(status, change):
        return
    number = intervention.number
    if change == Change.BILLING:
        raise ReportLocked(
            _("Intervention %(number)s is “%(status)s”: what is billed can no longer change.")
            % {"number": number, "status": intervention.get_status_display()}
        )
    if status == Status.AWAITING_SIGNATURE:
        raise ReportLocked(
            _("The report is awaiting signatures: choose “Change the report” to change it.")
        )
    if status == Status.CANCELLED:
        raise ReportLocked(_("Intervention %(number)s is cancelled.") % {"number": number})
    raise ReportLocked(
        _("Intervention %(number)s is signed: its report can no longer be changed.")
        % {"number": number}
    )


def ensure_editable(intervention: Intervention) -> None:
    """The job is still handled (not signed, billed nor cancelled): see `WRITABLE`."""
    ensure_can_write(intervention, Change.HANDLING)


def ensure_report_open(intervention: Intervention) -> None:
    """What the report shows may be written (see `WRITABLE`): call it on the locked row."""
    ensure_can_write(intervention, Change.REPORT)
