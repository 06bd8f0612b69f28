"""Optimistic locking: what two people may edit at once, and the refusal of a stale save.

Each form and autosave carries the version of the thing it was read at; the service that
writes it, on the row it has locked (`select_for_update`), compares it with the current
version and refuses the save when someone else saved in between (`EditConflict`), with their
change (who, when, what) so the page can show it next to what this user typed. The services
raise the counters, never the views:

* `Intervention.texts_version`: the report texts (`report_update`, from the tablet's
  autosave or the dispatcher's diagnostic run that appends its path);
* `Intervention.parts_version`: the list of replaced parts (`part_add`, `part_remove`);
* `Intervention.assignment_version`: who does the job and when (`intervention_assign`,
  `intervention_handover`);
* `Visit.version`: one visit's times and travel (`visit_depart`, `visit_update`).

A version of `None` means "no check": internal callers that read and write under the same lock
(the diagnostic run, the demo data, the tests' helpers).
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .people import display_name


class EditConflict(ValidationError):
    """A save read at an older version: someone else changed it in between.

    `what` says what they changed, in words ("this report"); `theirs` holds the current values
    (what the other person saved), `by` and `at` who and when, `version` the current version to
    read at if this user chooses to save again."""

    def __init__(self, what: str, *, theirs: dict, by, at, version: int, now_reads: str = ""):
        self.theirs = theirs
        self.by = by
        self.at = at
        self.version = version
        self.by_name = display_name(by, _("someone else"))
        self.at_display = (
            date_format(timezone.localtime(at), "SHORT_DATETIME_FORMAT") if at else "…"
        )
        message = _(
            "While you were typing, %(name)s changed %(what)s (%(at)s). Your input was not "
            "saved: it is kept on this page. Compare it with theirs, then save again."
        ) % {"name": self.by_name, "what": what, "at": self.at_display}
        if now_reads:
            message += " " + _("Now: %(values)s.") % {"values": now_reads}
        super().__init__(message, code="conflict")


def is_stale(read_version: int | None, current: int) -> bool:
    return read_version is not None and int(read_version) != current


def last_change(intervention, codes, **data) -> tuple:
    """Who and when of the latest event among `codes` (with these `data` facts): the other
    person's change a conflict names."""
    event = (
        intervention.events.filter(code__in=codes, **{f"data__{k}": v for k, v in data.items()})
        .select_related("actor")
        .order_by("-at", "-pk")
        .first()
    )
    return (event.actor, event.at) if event else (None, None)
