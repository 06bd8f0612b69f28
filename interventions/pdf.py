"""Render a report snapshot (see `snapshot.py`) to PDF bytes with WeasyPrint."""

from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML


def render_report_pdf(snapshot: dict, *, draft: bool) -> bytes:
    """PDF bytes of the report. `draft` marks an unsigned preview."""
    with translation.override("fr"):
        html = render_to_string("interventions/report_pdf.html", {"r": snapshot, "draft": draft})
    return HTML(string=html).write_pdf()
