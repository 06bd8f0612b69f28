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
printed size (`images.prepare_signatures`).

Modules: `render` (the entry point), `context` (what the template prints, page-one shares),
`fonts` (which characters print), `fingerprint`, `resources` (stylesheets, fonts, fetcher).
"""

from ..images import prepare_signatures
from .context import Shares, report_context, split_text, verify_url
from .fingerprint import canonical_json, content_fingerprint, frozen_copy
from .fonts import FONT_STACK, printable_snapshot, printable_text
from .render import PDF_VARIANT, render_report_pdf
from .resources import BASE_CSS, REPORT_CSS, LocalOnlyFetcher

__all__ = [
    "BASE_CSS",
    "FONT_STACK",
    "PDF_VARIANT",
    "REPORT_CSS",
    "LocalOnlyFetcher",
    "Shares",
    "canonical_json",
    "content_fingerprint",
    "frozen_copy",
    "prepare_signatures",
    "printable_snapshot",
    "printable_text",
    "render_report_pdf",
    "report_context",
    "split_text",
    "verify_url",
]
