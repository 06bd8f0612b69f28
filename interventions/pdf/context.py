"""What the report template prints: the snapshot formatted in French, with the page-one /
annex split done (`Shares`, `split_text`)."""

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ..billing import flag_label, round_half_up
from .fingerprint import content_fingerprint
from .fonts import printable_snapshot
from .resources import _logo_path


def verify_url(number: str) -> str:
    return settings.SITE_URL + reverse("reports-verify", args=[number])


# --- page-one shares ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Shares:
    """How many lines each variable block may take on page one (full-width lines of ~95
    characters for diagnostics and work; half-width lines of ~45 for object and remarks)."""

    object: int = 4
    diagnostics: int = 8
    work_done: int = 6
    parts: int = 6
    remarks: int = 8
    acceptance: int = 6
    visits: int = 3

    def scaled(self, factor: float) -> "Shares":
        return Shares(**{k: max(1, int(v * factor)) for k, v in self.__dict__.items()})


FULL_LINE = 92
HALF_LINE = 44


def split_text(text: str, *, width: int, max_lines: int) -> tuple[str, str]:
    """(head, tail): head fits in `max_lines` lines of `width` characters once wrapped at
    spaces, tail is the rest ("" when everything fits). Cuts between words when possible."""
    text = (text or "").strip()
    lines, pos, n = 0, 0, len(text)
    while pos < n:
        end_of_para = text.find("\n", pos)
        end_of_para = n if end_of_para == -1 else end_of_para
        line_start = pos
        while True:
            lines += 1
            if end_of_para - line_start <= width:
                next_pos = end_of_para + 1
                break
            cut = text.rfind(" ", line_start, line_start + width + 1)
            if cut <= line_start:
                cut = line_start + width
                next_start = cut
            else:
                next_start = cut + 1
            if lines == max_lines:
                return text[:cut].rstrip(), text[next_start:].strip()
            line_start = next_start
        if lines >= max_lines and next_pos < n:
            return text[:end_of_para].rstrip(), text[next_pos:].strip()
        pos = next_pos
    return text, ""


# --- formatting (the caller has activated French: render_report_pdf) ----------------------------


def _dt(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    parsed = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return timezone.localtime(parsed)


def _date(value) -> str:
    return formats.date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def _duration(minutes) -> str:
    if minutes is None:
        return "—"
    hours, mins = divmod(int(minutes), 60)
    if not hours:
        return f"{mins} min"
    return f"{hours} h {mins:02d}" if mins else f"{hours} h"


def _decimal(value, places: int = 1) -> str:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError):
        return str(value or "")
    # Rounded half up like every figure of the application, then localised: number_format
    # only truncates.
    return formats.number_format(round_half_up(number, places), places)


def _quantity(value) -> str:
    try:
        number = Decimal(str(value)).normalize()
    except (InvalidOperation, TypeError):
        return str(value or "")
    return formats.number_format(number)


def report_context(snapshot: dict, *, draft: bool, shares: Shares | None = None) -> dict:
    """Everything the template prints, formatted, with the page-one / annex split done."""
    shares = shares or Shares()
    s = printable_snapshot(snapshot)
    annex = []

    def cut(key: str, title: str, width: int, max_lines: int) -> tuple[str, bool]:
        head, tail = split_text(s.get(key) or "", width=width, max_lines=max_lines)
        if tail:
            annex.append({"title": title, "text": tail})
        return head, bool(tail)

    object_text, object_more = cut(
        "object", _("Object of the intervention (continued)"), HALF_LINE, shares.object
    )
    diagnostics, diag_more = cut(
        "diagnostics", _("Diagnostics / observations (continued)"), FULL_LINE, shares.diagnostics
    )
    work, work_more = cut("work_done", _("Work done (continued)"), FULL_LINE, shares.work_done)
    remarks, remarks_more = cut("remarks", _("Remark (continued)"), HALF_LINE, shares.remarks)

    parts = [
        {
            "reference": p.get("reference") or "—",
            "description": p.get("description", ""),
            "quantity": _quantity(p.get("quantity")),
        }
        for p in s.get("parts") or []
    ]
    # The "suite en annexe" line takes the place of one row.
    parts_p1 = parts if len(parts) <= shares.parts else parts[: shares.parts - 1]
    parts_annex = parts[len(parts_p1) :]

    visits = [
        {
            "technician": v.get("technician", ""),
            "arrived": _dt(v.get("arrived_at")),
            "left": _dt(v.get("left_at")),
            "duration": _duration(v.get("duration_minutes")),
            "km": _decimal(v.get("travel_km")),
            "travel": _duration(v.get("travel_minutes") or 0),
        }
        for v in s.get("visits") or []
    ]
    first = visits[0] if visits else None
    last_left = max((v["left"] for v in visits if v["left"]), default=None)

    acceptance_lines = []
    for procedure in (s.get("extras") or {}).get("acceptance") or []:
        steps = procedure.get("steps") or []
        passed = sum(1 for st in steps if st.get("result") == "passed")
        acceptance_lines.append(
            {
                "kind": "title",
                "title": procedure.get("title", ""),
                "version": procedure.get("version", ""),
                "passed": passed,
                "total": len(steps),
            }
        )
        for step in steps:
            acceptance_lines.append(
                {
                    "kind": "step",
                    "ok": step.get("result") == "passed",
                    "label": step.get("label", ""),
                    "comment": step.get("comment", ""),
                }
            )
    acc_p1 = (
        acceptance_lines
        if len(acceptance_lines) <= shares.acceptance
        else acceptance_lines[: shares.acceptance - 1]
    )
    acc_annex = acceptance_lines[len(acc_p1) :]

    contract = s.get("contract") or {}
    met = s.get("met_deadline")
    hours = contract.get("response_time_hours")
    signatures = s.get("signatures") or {}
    images = {}
    for who in ("technician", "customer"):
        sig = dict(signatures.get(who) or {})
        sig["when"] = _dt(sig.get("signed_at"))
        # Signed offline on the tablet and received later: both times are printed.
        device, received = _dt(sig.get("signed_on_device_at")), _dt(sig.get("received_at"))
        offline = device and received and abs(received - device) >= datetime.timedelta(minutes=1)
        sig["device_when"], sig["received_when"] = (device, received) if offline else (None, None)
        # Served by the fetcher: base64 inside the HTML would be parsed character by character.
        for key in ("image", "stamp"):
            if str(sig.get(key) or "").startswith("data:image/"):
                images[f"{who}-{key}"] = sig[key]
                sig[key] = f"report-image:{who}-{key}"
            else:
                sig[key] = None
        signatures = {**signatures, who: sig}

    amendment = _amendment_context(s.get("amendment"), images)
    equipment = s.get("equipment")
    number = s.get("number", "")
    fingerprint = content_fingerprint(snapshot)  # of the frozen snapshot, as typed
    return {
        "r": s,
        "draft": draft,
        "company": s.get("company") or settings.COMPANY,
        "logo_url": _logo_url((s.get("company") or {}).get("logo", "")),
        "number": number,
        "object_text": object_text,
        "object_more": object_more,
        "equipment": equipment,
        "contract": contract,
        "under_contract": bool(s.get("under_contract")),
        "under_warranty": bool(s.get("under_warranty")),
        "warranty_until": _date(_dt_date(s.get("warranty_until"))),
        "billable": s.get("billable") or {},
        "diagnostics": diagnostics,
        "diag_more": diag_more,
        "work": work,
        "work_more": work_more,
        "remarks": remarks,
        "remarks_more": remarks_more,
        "parts": parts_p1,
        "parts_more": len(parts_annex),
        "parts_annex": parts_annex,
        "requested": _dt(s.get("requested_at")),
        "first": first,
        "last_left": last_left,
        "visit_count": len(visits),
        "visits": visits,
        "total_duration": _duration(s.get("total_minutes")),
        "total_km": _decimal(s.get("total_km")),
        "total_travel": _duration(s.get("total_travel_minutes") or 0),
        "resolved": _dt(s.get("resolved_at")),
        "met_deadline": met,
        "response_hours": hours,
        "acceptance": acc_p1,
        "acceptance_more": len(acc_annex),
        "acceptance_annex": acc_annex,
        "signatures": signatures,
        "images": images,
        "technician_name": (s.get("technician") or {}).get("name", ""),
        "signed_at": _dt(s.get("signed_at")),
        "annex": annex,
        "has_annex": bool(annex or parts_annex or acc_annex or len(visits) > 1),
        "fingerprint": fingerprint,
        "verify_url": verify_url(number) if number else "",
        "legal": _legal_sentence(),
        "amendment": amendment,
    }


def _amendment_context(amendment: dict | None, images: dict) -> dict | None:
    """What an amended version prints about itself (see `amendments.amendment_snapshot`):
    which version it amends (with that version's printed fingerprint), what changed, why, and
    the customer's new signature (served by the fetcher like the others)."""
    if not amendment:
        return None
    signature = dict(amendment.get("signature") or {})
    signature["when"] = _dt(signature.get("signed_at"))
    if str(signature.get("image") or "").startswith("data:image/"):
        images["amendment-image"] = signature["image"]
        signature["image"] = "report-image:amendment-image"
    else:
        signature["image"] = None
    return {
        "version": amendment.get("version"),
        "amends": amendment.get("amends") or {},
        "changes": [
            {"label": flag_label(flag), "from": change.get("from"), "to": change.get("to")}
            for flag, change in (amendment.get("changes") or {}).items()
        ],
        "reason": amendment.get("reason", ""),
        "requested_by": amendment.get("requested_by", ""),
        "signature": signature,
    }


def _dt_date(value: str | None):
    return datetime.date.fromisoformat(value) if value else None


def _logo_url(logo: str) -> str:
    path = _logo_path(logo or "")
    return path.as_uri() if path else ""


def _legal_sentence() -> str:
    return _(
        "The service covered by this document is governed by our general terms and "
        "conditions, which the subscriber expressly declares to accept."
    )
