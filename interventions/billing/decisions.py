"""What is billable: the application's proposal from facts, the manager's override, the
decision billing reads (see the package docstring)."""

import datetime
from dataclasses import dataclass

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ..models import Intervention

FLAGS = ("travel", "labour", "parts")
# A manufacturer's warranty is "pièces et main-d'œuvre": it never pays for our travel.
WARRANTY_COVERS = frozenset({"labour", "parts"})


def _short_date(iso_or_date) -> str:
    if not iso_or_date:
        return ""
    if isinstance(iso_or_date, str):
        iso_or_date = datetime.date.fromisoformat(iso_or_date[:10])
    return formats.date_format(iso_or_date, "SHORT_DATE_FORMAT")


def flag_label(flag: str) -> str:
    return {"travel": _("Travel"), "labour": _("Labour"), "parts": _("Parts")}[flag]


def flag_state(flag: str, billed: bool) -> str:
    """ "billed" / "not billed" agreeing with the item in French: le déplacement est facturé,
    la main-d'œuvre facturée, les pièces facturées (one context per item)."""
    if billed:
        return {
            "travel": pgettext("billing travel", "billed"),
            "labour": pgettext("billing labour", "billed"),
            "parts": pgettext("billing parts", "billed"),
        }[flag]
    return {
        "travel": pgettext("billing travel", "not billed"),
        "labour": pgettext("billing labour", "not billed"),
        "parts": pgettext("billing parts", "not billed"),
    }[flag]


def flag_decision(flag: str, billed: bool) -> str:
    """The item and its state: "Déplacement — facturé", "Main-d'œuvre — facturée"."""
    return _("%(item)s — %(state)s") % {"item": flag_label(flag), "state": flag_state(flag, billed)}


@dataclass(frozen=True)
class Decision:
    billable: bool
    reason: str
    overridden: bool = False
    proposed: bool | None = None  # the proposal, when a manager overrode it


def propose(intervention: Intervention) -> dict[str, Decision]:
    """The application's proposal for each flag, with its reason (in the active language)."""
    contract = intervention.contract_snapshot or {}
    result = {}
    for flag in FLAGS:
        if intervention.out_of_conditions:
            note = intervention.out_of_conditions_note.strip()
            result[flag] = Decision(
                True, _("outside the contract's conditions: %(note)s") % {"note": note}
            )
        elif contract.get(f"covers_{flag}"):
            result[flag] = Decision(
                False, _("covered by contract %(number)s") % {"number": contract.get("number")}
            )
        elif intervention.under_warranty and flag in WARRANTY_COVERS:
            if intervention.warranty_until:
                reason = _("under warranty until %(date)s") % {
                    "date": _short_date(intervention.warranty_until)
                }
            else:
                reason = _("under warranty")
            result[flag] = Decision(False, reason)
        elif contract:
            result[flag] = Decision(
                True, _("not covered by contract %(number)s") % {"number": contract.get("number")}
            )
        elif intervention.under_warranty:
            result[flag] = Decision(True, _("the warranty does not cover travel"))
        else:
            result[flag] = Decision(True, _("no contract and no warranty"))
    return result


def decide(intervention: Intervention) -> dict[str, Decision]:
    """The decision billing uses: the manager's override when there is one, else the proposal."""
    proposal = propose(intervention)
    overrides = intervention.billing_overrides or {}
    result = {}
    for flag in FLAGS:
        override = overrides.get(flag)
        if override is None:
            result[flag] = proposal[flag]
        else:
            if override.get("amendment"):
                reason = _("amendment no. %(version)s signed by the customer: %(reason)s") % {
                    "version": override["amendment"],
                    "reason": override["reason"],
                }
            else:
                reason = _("manager's decision: %(reason)s") % {"reason": override["reason"]}
            result[flag] = Decision(
                bool(override["value"]),
                reason,
                overridden=True,
                proposed=proposal[flag].billable,
            )
    return result
