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

import importlib

# Imported on first use (PEP 562): WeasyPrint and its Pango libraries take ~0.65 s to load, which
# every process importing the services paid — a management command such as the billing export
# never renders a PDF (bench/README.md, issue 14). gunicorn's master still loads it once
# (`preload_app`) through the views.
_SOURCES = {
    "prepare_signatures": "..images",
    "Shares": ".context",
    "report_context": ".context",
    "split_text": ".context",
    "verify_url": ".context",
    "canonical_json": ".fingerprint",
    "content_fingerprint": ".fingerprint",
    "frozen_copy": ".fingerprint",
    "FONT_STACK": ".fonts",
    "printable_snapshot": ".fonts",
    "printable_text": ".fonts",
    "PDF_VARIANT": ".render",
    "render_report_pdf": ".render",
    "BASE_CSS": ".resources",
    "REPORT_CSS": ".resources",
    "LocalOnlyFetcher": ".resources",
}


def __getattr__(name: str):
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_SOURCES[name], __name__), name)
    globals()[name] = value
    return value


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
