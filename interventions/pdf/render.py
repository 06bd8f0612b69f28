"""Render the report: the template laid out by WeasyPrint, page one checked, PDF/A-3b written.

A draft preview is kept in the cache (`CACHES`, per process by default) under the content
fingerprint of its snapshot, the resources version (`resources.resources_version`: logo,
stylesheet, template, settings) and the language: the same unchanged report is not laid out
twice, and any change to the report, the logo or the stylesheet gives another key. A signed
report is rendered once, at signature, and then served from storage.
"""

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from weasyprint import HTML

from .context import Shares, report_context
from .fingerprint import content_fingerprint
from .resources import REPORT_TEMPLATE, LocalOnlyFetcher, RenderImageCache, _resources

PDF_VARIANT = "pdf/a-3b"
PAGE_ONE_END = "page-one-end"
# The report is always printed in French (the customer's document), whatever the language of
# the user who asks for it; part of the draft cache key all the same.
REPORT_LANGUAGE = "fr"
DRAFT_CACHE_SECONDS = 3600


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
    logo = (snapshot.get("company") or {}).get("logo", "") or ""
    resources = _resources(logo)
    if not draft:
        return _render(snapshot, draft, resources)
    key = f"report-draft:{content_fingerprint(snapshot)}:{resources.version}:{REPORT_LANGUAGE}"
    data = cache.get(key)
    if data is None:
        data = _render(snapshot, draft, resources)
        cache.set(key, data, DRAFT_CACHE_SECONDS)
    return data


def _render(snapshot: dict, draft: bool, resources) -> bytes:
    shares = Shares()
    with translation.override(REPORT_LANGUAGE):
        meta = _metadata(snapshot, draft)
        for factor in (1.0, 0.6, 0.35, 0.15):
            context = report_context(snapshot, draft=draft, shares=shares.scaled(factor))
            context["meta"] = meta
            html = render_to_string(REPORT_TEMPLATE, context)
            fetcher = LocalOnlyFetcher(resources.roots, context["images"])
            document = HTML(string=html, url_fetcher=fetcher).render(
                stylesheets=resources.stylesheets,
                font_config=resources.fonts,
                cache=RenderImageCache(resources.images),
            )
            if PAGE_ONE_END in document.pages[0].anchors:
                break
    return document.write_pdf(
        pdf_variant=PDF_VARIANT,
        pdf_identifier=context["fingerprint"][:32].encode("ascii"),
    )
