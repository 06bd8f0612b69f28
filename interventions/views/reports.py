"""The report as a PDF: the stored signed file and its versions, the draft preview, and the
public verification page (the QR code of the printed report leads there)."""

from django.http import FileResponse
from django.shortcuts import redirect, render

from .. import pdf, roles, selectors
from ..billing import flag_label
from ..language import public_language
from ..roles import role_required
from ..snapshot import report_snapshot
from ..verification import versions_check
from .access import pdf_response


@role_required(roles.DISPATCHER, roles.TECHNICIAN, roles.MANAGER)
def report_download(request, pk: int):
    """The stored PDF of a signed intervention, byte for byte (never rendered again)."""
    intervention = selectors.get_intervention_for(request.user, pk)
    report = selectors.get_signed_version(intervention, 1)
    return FileResponse(
        report.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"rapport-{intervention.number}.pdf",
    )


@role_required(roles.DISPATCHER, roles.TECHNICIAN, roles.MANAGER)
def report_version_download(request, pk: int, version: int):
    """The stored PDF of one signed version (1 = the original), byte for byte."""
    intervention = selectors.get_intervention_for(request.user, pk)
    report = selectors.get_signed_version(intervention, version)
    return FileResponse(
        report.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"rapport-{intervention.number}-v{version}.pdf",
    )


@role_required(roles.DISPATCHER, roles.TECHNICIAN, roles.MANAGER)
def report_preview(request, pk: int):
    """Draft preview (watermarked) of a report not signed yet; a signed one is downloaded."""
    intervention = selectors.get_intervention_for(request.user, pk)
    if selectors.has_signed_report(intervention):
        return redirect("interventions-report-pdf", pk=intervention.pk)
    data = pdf.render_report_pdf(report_snapshot(intervention), draft=True)
    return pdf_response(data, f"brouillon-{intervention.number}.pdf")


@public_language
def report_verify(request, number: str):
    """Public check of a signed report: number, date, status and whether the file is intact,
    for every signed version (the original, then each amendment with what it changed).
    In French, or in English with `?lang=en` (links on the page)."""
    report = selectors.get_signed_report_by_number(number)
    signed = selectors.report_versions(report.intervention, original=report)
    versions = []
    for version, check in zip(signed, versions_check(signed), strict=True):
        changes = (
            [(flag_label(flag), change["to"]) for flag, change in (version.changes or {}).items()]
            if version.is_amendment
            else []
        )
        versions.append((version, check, changes))
    response = render(
        request,
        "interventions/report_verify.html",
        {
            "report": report,
            "check": versions[0][1],
            "versions": versions,
            "all_intact": all(check.intact for _v, check, _c in versions),
        },
    )
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
