"""Is a signed report still what was signed? Re-hash the stored file and the frozen content, and
check that what billing reads (the figures, the billable flags) still says the same."""

import hashlib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .billing import FLAGS, figures_from_snapshot
from .models import ReportFigures, SignedReport
from .pdf import content_fingerprint
from .selectors import latest_signed_version


@dataclass
class ReportCheck:
    file_intact: bool
    content_intact: bool
    figures_intact: bool = True
    billing_intact: bool = True
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return (
            self.file_intact and self.content_intact and self.figures_intact and self.billing_intact
        )


def _figures_intact(report: SignedReport) -> bool:
    """The `ReportFigures` row billing reads equals the figures of the frozen snapshot. No row
    is intact: billing then reads the snapshot itself (`billing.facts_for`)."""
    try:
        stored = report.intervention.figures
    except ReportFigures.DoesNotExist:
        return True
    expected = figures_from_snapshot(report.snapshot, report.intervention)
    return all(getattr(stored, column) == value for column, value in expected.as_figures().items())


def _billing_intact(report: SignedReport) -> bool:
    """Each `billable_*` flag billing reads is the one signed, or a waiver after signature:
    billable when signed, not billable now, by a manager's override with a reason
    (`services.billing_override`)."""
    signed = report.snapshot.get("billable") or {}
    intervention = report.intervention
    overrides = intervention.billing_overrides or {}
    for flag in FLAGS:
        if flag not in signed:
            continue
        now = getattr(intervention, f"billable_{flag}")
        if now == signed[flag]:
            continue
        override = overrides.get(flag) or {}
        waived = (
            signed[flag] is True
            and now is False
            and override.get("value") is False
            and bool(str(override.get("reason") or "").strip())
        )
        if not waived:
            return False
    return True


def versions_check(versions: list) -> list[ReportCheck]:
    """`report_check` of every signed version, oldest first (`selectors.report_versions`):
    billing follows the last one only, so only its billable flags are compared."""
    return [
        report_check(version, billing_follows=index == len(versions) - 1)
        for index, version in enumerate(versions)
    ]


def report_check(report: SignedReport, *, billing_follows: bool | None = None) -> ReportCheck:
    """Re-hash the stored PDF against `sha256` and the stored snapshot against `content_sha256`
    (the fingerprint printed in the PDF's footer, which covers the snapshot's `figures`); then
    compare what billing reads with the snapshot. A missing file counts as not intact.

    The one check behind the public verify page and the `verify_report` command."""
    problems = []
    try:
        digest = hashlib.sha256()
        with report.pdf.open("rb") as stored:
            for chunk in iter(lambda: stored.read(1 << 16), b""):
                digest.update(chunk)
        file_intact = digest.hexdigest() == report.sha256
        if not file_intact:
            problems.append(_("The stored PDF file differs from the one that was signed."))
    except (OSError, ValueError):
        file_intact = False
        problems.append(_("The stored PDF file cannot be read."))
    content_intact = bool(report.content_sha256) and (
        content_fingerprint(report.snapshot) == report.content_sha256
    )
    if not content_intact:
        problems.append(_("The stored report content differs from the one that was signed."))
    figures_intact = _figures_intact(report)
    if not figures_intact:
        problems.append(_("The figures billing reads differ from the signed report."))
    # An original superseded by a signed amendment is checked as a document only: billing
    # follows the amendment, whose flags are compared instead.
    if billing_follows is None:
        billing_follows = latest_signed_version(report.intervention).version == report.version
    billing_intact = _billing_intact(report) if billing_follows else True
    if not billing_intact:
        problems.append(
            _("What is billable differs from the signed report without a manager's waiver.")
        )
    return ReportCheck(
        file_intact=file_intact,
        content_intact=content_intact,
        figures_intact=figures_intact,
        billing_intact=billing_intact,
        problems=problems,
    )
