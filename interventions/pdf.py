"""The signed report as a one-page A4 PDF (PDF/A-3b), rendered from a snapshot (`snapshot.py`).

Input is always the snapshot dict, never live objects: a signed report is rendered once from
its frozen snapshot and the bytes are stored (`services.report_freeze`).

Two fingerprints, two jobs:

* `content_fingerprint(snapshot)` — SHA-256 of the canonical JSON of the frozen snapshot
  (keys sorted, no whitespace, UTF-8). It is what the PDF prints in its footer ("empreinte du
  contenu signé") and is stored as `SignedReport.content_sha256`; anyone can recompute it from
  the stored snapshot. A document cannot contain the hash of its own bytes, hence this choice.
* `SignedReport.sha256` — SHA-256 of the stored PDF file. The verify page and the
  `verify_report` command re-hash the file against it (and recompute the content fingerprint).

Deterministic: the PDF identifier comes from the content fingerprint and the metadata dates
from the signature, so the same snapshot (same WeasyPrint, same fonts) gives the same bytes.

Page one is always complete: texts, parts, acceptance steps that do not fit their share of the
page are cut at a word with "suite en annexe" and continue on annex pages that repeat the
number. Fonts never shrink; if page one still overflows (exotic text), the shares are reduced
and the page is laid out again.

Speed: the stylesheet and font configuration are loaded once per process, nothing is fetched
from the network (`LocalOnlyFetcher`), signatures are stored trimmed and downscaled to their
printed size (`signature_image`).
"""

import base64
import binascii
import datetime
import functools
import hashlib
import io
import json
import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

PDF_VARIANT = "pdf/a-3b"
REPORT_CSS = "css/report.css"

# Printed size of a signature box (mm) and the resolution images are kept at.
SIGNATURE_BOX_MM = (70, 24)
SIGNATURE_DPI = 150


# --- fingerprint -------------------------------------------------------------------------------


def canonical_json(snapshot: dict) -> bytes:
    """The snapshot as canonical JSON bytes (sorted keys, compact, UTF-8)."""
    return json.dumps(
        snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def frozen_copy(snapshot: dict) -> dict:
    """The snapshot as it will read back from the database (plain JSON types only), so that
    the fingerprint computed before saving is the one recomputed later."""
    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(snapshot, cls=DjangoJSONEncoder))


def content_fingerprint(snapshot: dict) -> str:
    """SHA-256 (hex) of the canonical JSON of a frozen snapshot: printed on the PDF."""
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()


def verify_url(number: str) -> str:
    from django.urls import reverse

    return settings.SITE_URL + reverse("reports-verify", args=[number])


# --- resources, loaded once per process --------------------------------------------------------


class LocalOnlyFetcher(URLFetcher):
    """Serves `data:` URIs, the report's own images (`report-image:NAME`) and files from the
    static folders; refuses everything else (http, https, ftp, other files).

    A report is rendered inside a request or at signature: it must never wait on the network.
    """

    def __init__(self, roots, images: dict | None = None):
        super().__init__(timeout=1)
        self.roots = [Path(r).resolve() for r in roots]
        self.images = images or {}

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "report-image" and url[13:] in self.images:
            return _data_uri_response(self.images[url[13:]])
        if scheme == "data":
            return _data_uri_response(url)
        if scheme == "file":
            path = Path(unquote(urlparse(url).path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
        raise ValueError(f"Refused to fetch {url[:80]!r}: reports use local resources only.")


def _data_uri_response(url: str) -> URLFetcherResponse:
    header, _sep, payload = url.partition(",")
    mime = header[5:].split(";")[0] or "text/plain"
    body = base64.b64decode(payload) if header.endswith(";base64") else unquote(payload).encode()
    return URLFetcherResponse(url[:64], body, {"Content-Type": mime})


def _resource_roots() -> list[Path]:
    roots = [Path(d) for d in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    logo = _logo_path(settings.COMPANY.get("logo", ""))
    if logo:
        roots.append(logo.parent)
    return roots


# WeasyPrint's user-agent stylesheet styles every HTML element and form field; matching it
# against each element is a large share of the render time. The report uses a handful of
# elements, all styled by report.css, so it gets this minimal one instead.
LEAN_UA_CSS = """
html, body, div, p, h1, h2, h3 { display: block }
head, title, meta, style, script, link { display: none }
table { display: table; box-sizing: border-box; border-spacing: 0; text-indent: initial }
thead { display: table-header-group } tbody { display: table-row-group }
tr { display: table-row } td, th { display: table-cell; text-align: left }
colgroup { display: table-column-group } col { display: table-column }
b, strong, th, h1, h2, h3 { font-weight: bold }
br::before { content: "\\A"; white-space: pre-line }
"""


class ReportHTML(HTML):
    """HTML with the lean user-agent stylesheet (see LEAN_UA_CSS)."""

    def _ua_stylesheets(self, forms=False):
        return [_resources()[3]]


@functools.cache
def _resources() -> tuple[FontConfiguration, CSS, list[Path], CSS]:
    fonts = FontConfiguration()
    roots = _resource_roots()
    fetcher = LocalOnlyFetcher(roots)
    stylesheet = CSS(filename=finders.find(REPORT_CSS), font_config=fonts, url_fetcher=fetcher)
    ua = CSS(string=LEAN_UA_CSS, font_config=fonts, url_fetcher=fetcher)
    return fonts, stylesheet, roots, ua


@functools.cache
def _logo_path(logo: str) -> Path | None:
    """The company logo: an absolute path, or a path inside the static folders."""
    if not logo:
        return None
    path = Path(logo)
    if not path.is_absolute():
        found = finders.find(logo)
        path = Path(found) if found else path
    return path.resolve() if path.is_file() else None


# --- characters -----------------------------------------------------------------------------------

# The fonts the report prints with. Debian packages, installed by `make` (APT_PACKAGES):
#   DejaVu Sans          fonts-dejavu-core      Latin, Greek, Cyrillic, Arabic, Hebrew, symbols
#   Symbola              fonts-symbola          emoji (monochrome, Unicode 10) and symbols, 3 MB
#   Droid Sans Fallback  fonts-droid-fallback   Chinese and Japanese (CJK ideographs, kana), 7 MB
#   Noto Color Emoji     fonts-noto-color-emoji emoji newer than Symbola's, in colour, 11 MB
# report.css names the first three (`font-family` of html and of the @page margin boxes), in
# this order. Noto Color Emoji is reached through fontconfig's fallback only: a font-family
# list that names it makes fontconfig sort it first, and digits and spaces then come from it.
FONT_STACK = ("DejaVu Sans", "Symbola", "Droid Sans Fallback", "Noto Color Emoji")

# Default-ignorable characters: zero-width joiner and non-joiner, variation selectors (emoji
# presentation), bidi marks, soft hyphen... Pango shapes them into nothing, as intended.
_IGNORABLE_RANGES = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0x180B, 0x180F), (0x034F, 0x034F))
_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def printable_text(text: str) -> str:
    """`text` as the report prints it: every character the technician typed is drawn.

    Decision (issue 10): a character that no font of FONT_STACK has would be drawn by Pango
    as an empty box (.notdef), or by whatever other font the machine happens to have, so the
    same snapshot would not print the same on every server. Instead:

    * a character covered by a font of FONT_STACK (read from the fonts' cmap tables with
      fontTools, the files found through fontconfig like Pango finds them) is kept;
    * a character no font of the stack has is replaced by a visible "[U+XXXX]" (its code
      point): private-use characters, non-characters, lone surrogates, scripts we do not
      ship a font for (Korean Hangul, Egyptian hieroglyphs...), emoji newer than Noto Color
      Emoji 2.042;
    * control characters other than line feed and tab are removed (nothing to print);
      default-ignorable ones (joiners, variation selectors) are kept for Pango to shape.

    Korean and the rarer CJK ideographs are thus substituted rather than printed: the CJK
    fonts that cover them (fonts-noto-cjk) weigh 90 MB for a case we never saw.
    """
    if text.isascii() and not _ASCII_CONTROLS.search(text):
        return text
    out = []
    for char in text:
        if char.isascii() and (char.isprintable() or char in "\n\t"):
            out.append(char)
        elif unicodedata.category(char) == "Cc":
            continue
        elif _prints(char):
            out.append(char)
        else:
            out.append(f"[U+{ord(char):04X}]")
    return "".join(out)


@functools.cache
def _prints(char: str) -> bool:
    code = ord(char)
    category = unicodedata.category(char)
    if category in ("Co", "Cs") or (category == "Cn" and _is_noncharacter(code)):
        return False
    if category == "Cf" or any(lo <= code <= hi for lo, hi in _IGNORABLE_RANGES):
        return True
    # Fonts are read lazily, in order: a French text only ever loads DejaVu Sans (~50 ms, once
    # per process); Droid Sans Fallback's large cmap (~0.5 s) only for a character before it.
    return any(code in _cmap(family) for family in FONT_STACK)


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


@functools.cache
def _cmap(family: str) -> frozenset:
    """The code points of an installed font of FONT_STACK (a missing font covers nothing: its
    characters are then substituted, never drawn as boxes)."""
    from fontTools.ttLib import TTFont

    path = _font_file(family)
    if not path:
        return frozenset()
    return frozenset(TTFont(path, lazy=True, fontNumber=0)["cmap"].getBestCmap())


def _font_file(family: str) -> str | None:
    """The file fontconfig gives Pango for `family` (regular weight), if that family exists."""
    from weasyprint.text.ffi import ffi, fontconfig

    pattern = ffi.gc(fontconfig.FcPatternCreate(), fontconfig.FcPatternDestroy)
    fontconfig.FcPatternAddString(pattern, b"family", family.encode())
    fontconfig.FcConfigSubstitute(ffi.NULL, pattern, fontconfig.FcMatchPattern)
    fontconfig.FcDefaultSubstitute(pattern)
    result = ffi.new("FcResult *")
    match = fontconfig.FcFontMatch(ffi.NULL, pattern, result)
    if match == ffi.NULL:
        return None
    match = ffi.gc(match, fontconfig.FcPatternDestroy)
    value = ffi.new("FcChar8 **")
    if fontconfig.FcPatternGetString(match, b"family", 0, value) != fontconfig.FcResultMatch:
        return None
    if ffi.string(value[0]).decode().lower() != family.lower():
        return None  # fontconfig's nearest substitute, not the font asked for
    fontconfig.FcPatternGetString(match, b"file", 0, value)
    return ffi.string(value[0]).decode()


def printable_snapshot(value):
    """A copy of a snapshot (or part of it) with every string passed through printable_text."""
    if isinstance(value, str):
        return printable_text(value)
    if isinstance(value, dict):
        return {k: printable_snapshot(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable_snapshot(v) for v in value]
    return value


# --- signatures ----------------------------------------------------------------------------------


def signature_image(data_uri: str | None) -> str | None:
    """A signature as it should be stored: trimmed to the ink, flattened on white, grey,
    downscaled to the printed box at SIGNATURE_DPI, PNG. Unreadable input gives None.

    Called once at signature (services.report_freeze), so every later render is cheap.
    """
    if not data_uri or not data_uri.startswith("data:image/"):
        return None
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        raw = base64.b64decode(data_uri.partition(",")[2], validate=False)
        image = Image.open(io.BytesIO(raw))
        image.load()
    except (binascii.Error, ValueError, OSError, UnidentifiedImageError):
        return None
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    grey = Image.alpha_composite(white, rgba).convert("L")
    ink = ImageOps.invert(grey).point(lambda v: 255 if v > 24 else 0).getbbox()
    if ink is None:
        return None
    pad = 4
    grey = grey.crop(
        (
            max(ink[0] - pad, 0),
            max(ink[1] - pad, 0),
            min(ink[2] + pad, grey.width),
            min(ink[3] + pad, grey.height),
        )
    )
    max_w = round(SIGNATURE_BOX_MM[0] / 25.4 * SIGNATURE_DPI)
    max_h = round(SIGNATURE_BOX_MM[1] / 25.4 * SIGNATURE_DPI)
    grey.thumbnail((max_w, max_h), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    grey.save(buffer, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


STAMP_BOX_MM = (30, 20)  # .sig-img .stamp in report.css


def stamp_image(data_uri: str | None) -> str | None:
    """The company stamp photo at its printed size, in colour (a stamp's ink colour is part of
    what proves it), as JPEG. Unreadable input gives None."""
    if not data_uri or not data_uri.startswith("data:image/"):
        return None
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(base64.b64decode(data_uri.partition(",")[2])))
        image = ImageOps.exif_transpose(image).convert("RGB")
    except (binascii.Error, ValueError, OSError, UnidentifiedImageError):
        return None
    box = tuple(round(mm / 25.4 * SIGNATURE_DPI) for mm in STAMP_BOX_MM)
    image.thumbnail(box, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def prepare_signatures(signatures: dict) -> dict:
    """Copy of `signatures` with each signature passed through `signature_image` and the
    stamp through `stamp_image`."""
    prepared = {}
    for who, data in (signatures or {}).items():
        data = dict(data or {})
        if data.get("image"):
            data["image"] = signature_image(data["image"])
        if data.get("stamp"):
            data["stamp"] = stamp_image(data["stamp"])
        prepared[who] = data
    return prepared


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


# --- context -------------------------------------------------------------------------------------


def _dt(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    parsed = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return timezone.localtime(parsed)


def _date(value) -> str:
    return value.strftime("%d/%m/%Y") if value else "—"


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
    return f"{number:.{places}f}".replace(".", ",")


def _quantity(value) -> str:
    try:
        number = Decimal(str(value)).normalize()
    except (InvalidOperation, TypeError):
        return str(value or "")
    text = format(number, "f")
    return text.replace(".", ",")


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

    objet, objet_more = cut(
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
        "objet": objet,
        "objet_more": objet_more,
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
    from .billing import flag_label

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


# --- rendering ----------------------------------------------------------------------------------

PAGE_ONE_END = "page-one-end"


def _metadata(snapshot: dict, draft: bool) -> dict:
    company = snapshot.get("company") or {}
    client = snapshot.get("client") or {}
    title = _("Intervention report %(number)s") % {"number": snapshot.get("number", "")}
    if draft:
        title += " — " + _("DRAFT — not signed")
    amendment = snapshot.get("amendment") or {}
    if amendment:
        title = _("Amendment no. %(version)s to report %(number)s") % {
            "version": amendment.get("version"),
            "number": snapshot.get("number", ""),
        }
    return {
        "title": title,
        "author": company.get("name", ""),
        "subject": " — ".join(
            x for x in (client.get("name", ""), (snapshot.get("object") or "")[:200]) if x
        ),
        "created": amendment.get("signed_at") or snapshot.get("signed_at") or "",
    }


def render_report_pdf(snapshot: dict, *, draft: bool) -> bytes:
    """PDF bytes of the report (PDF/A-3b). `draft` marks an unsigned preview (watermark)."""
    fonts, stylesheet, roots, _ua = _resources()
    shares = Shares()
    with translation.override("fr"):
        meta = _metadata(snapshot, draft)
        for factor in (1.0, 0.6, 0.35, 0.15):
            context = report_context(snapshot, draft=draft, shares=shares.scaled(factor))
            context["meta"] = meta
            html = render_to_string("interventions/report_pdf.html", context)
            fetcher = LocalOnlyFetcher(roots, context["images"])
            document = ReportHTML(string=html, url_fetcher=fetcher).render(
                stylesheets=[stylesheet], font_config=fonts
            )
            if PAGE_ONE_END in document.pages[0].anchors:
                break
    return document.write_pdf(
        pdf_variant=PDF_VARIANT,
        pdf_identifier=context["fingerprint"][:32].encode("ascii"),
    )
