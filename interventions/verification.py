"""Is a signed report still what was signed? Re-hash the stored file and the frozen content."""

import hashlib
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .models import SignedReport
from .pdf import content_fingerprint


@dataclass
class ReportCheck:
    file_intact: bool
    content_intact: bool
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.file_intact and self.content_intact


def report_check(report: SignedReport) -> ReportCheck:
    """Re-hash the stored PDF against `sha256` and the stored snapshot against `content_sha256`
    (the fingerprint printed in the PDF's footer). A missing file counts as not intact."""
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
    return ReportCheck(file_intact=file_intact, content_intact=content_intact, problems=problems)
