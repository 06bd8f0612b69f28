"""Render the report: the template laid out by WeasyPrint, page one checked, PDF/A-3b written."""

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from weasyprint import HTML

from .context import Shares, report_context
from .resources import LocalOnlyFetcher, _resources

PDF_VARIANT = "pdf/a-3b"
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
    fonts, stylesheets, roots = _resources()
    shares = Shares()
    with translation.override("fr"):
        meta = _metadata(snapshot, draft)
        for factor in (1.0, 0.6, 0.35, 0.15):
            context = report_context(snapshot, draft=draft, shares=shares.scaled(factor))
            context["meta"] = meta
            html = render_to_string("interventions/report_pdf.html", context)
            fetcher = LocalOnlyFetcher(roots, context["images"])
            document = HTML(string=html, url_fetcher=fetcher).render(
                stylesheets=stylesheets, font_config=fonts
            )
            if PAGE_ONE_END in document.pages[0].anchors:
                break
    return document.write_pdf(
        pdf_variant=PDF_VARIANT,
        pdf_identifier=context["fingerprint"][:32].encode("ascii"),
    )
