"""Every character the technician typed is printed on the signed PDF: by a font of the report's
stack, or, for a character no font of it has, by a visible "[U+XXXX]" — never an empty box."""

import logging
import re
import subprocess
import unicodedata
import zlib

import pytest
from django.utils import timezone

from interventions.pdf import frozen_copy, render_report_pdf
from interventions.snapshot import report_snapshot
from tests.factories import make_intervention

pytestmark = pytest.mark.django_db

HOSTILE = (
    "Imprimante 🖨️ réparée 😀 ✅ 👍🏽 famille 👨‍👩‍👧 "
    "→ ✓ ★ € ° ± µ ² ½ ™ © ® "
    "漢字 かな 한글 مرحبا Ελληνικά Привет "
    "cafe\u0301 x\u0302 q\u0323 "  # combining accents: one precomposable, two not
    "zero\u200bwidth bell\u0007 "  # format and control characters: nothing to print
    "pua \ue000 nonchar \ufdd0 hieroglyph \U00013000"
)
# Characters that no font of the report has: printed as their code point.
SUBSTITUTED = {
    "\ue000": "[U+E000]",
    "\ufdd0": "[U+FDD0]",
    "\U00013000": "[U+13000]",
    "한": "[U+D55C]",  # Korean: no Hangul font shipped
    "글": "[U+AE00]",
}


def printable_characters(text: str) -> list[str]:
    """The characters a reader expects to see: not controls, not format characters (zero-width
    joiner and space), not variation selectors; combining accents composed where they can be."""
    return [
        c
        for c in unicodedata.normalize("NFC", text)
        if not c.isspace()
        and unicodedata.category(c) not in ("Cc", "Cf")
        and not ("\ufe00" <= c <= "\ufe0f")
    ]


def streams(data: bytes):
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            yield zlib.decompress(raw)
        except zlib.error:
            yield raw


def notdef_glyphs(data: bytes) -> list[bytes]:
    """The ToUnicode entries of glyph 0 (.notdef, the empty box) in every embedded font."""
    return [
        line
        for stream in streams(data)
        for table in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S)
        for line in table.splitlines()
        if line.startswith(b"<0000> ")
    ]


def notdef_warnings(caplog) -> list[str]:
    """WeasyPrint logs each character it had to draw as .notdef (its ToUnicode entry still
    names the character, so text extraction alone would not see the empty box)."""
    return [r.getMessage() for r in caplog.records if ".notdef" in r.getMessage()]


def render(tmp_path, **texts):
    job = make_intervention(object="Imprimante à tickets hors service.")
    snapshot = report_snapshot(job)
    snapshot.update(texts, signed_at=timezone.now().isoformat())
    data = render_report_pdf(frozen_copy(snapshot), draft=False)
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return data, unicodedata.normalize("NFC", text), path


def test_every_typed_character_is_printed(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    data, text, _path = render(tmp_path, diagnostics=HOSTILE, work_done=HOSTILE)
    missing = [
        f"U+{ord(c):04X}"
        for c in printable_characters(HOSTILE)
        if SUBSTITUTED.get(c, c) not in text
    ]
    assert missing == []
    assert notdef_warnings(caplog) == []
    assert notdef_glyphs(data) == []


def test_a_character_without_a_font_is_printed_as_its_code_point(tmp_path):
    _data, text, _path = render(tmp_path, diagnostics="avant \ue000 après \U00013000 fin")
    assert "avant [U+E000] après [U+13000] fin" in " ".join(text.split())


def test_plain_french_report_uses_dejavu_only(tmp_path):
    data, _text, path = render(tmp_path, diagnostics="Câble série à 90 °C ; œillet arraché.")
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all("DejaVu" in row for row in rows), fonts


def test_emoji_and_cjk_use_embedded_fallback_fonts(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    data, _text, path = render(tmp_path, diagnostics="Imprimante 🖨️ OK ✅ 漢字 bouton ⏻")
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert all(row.split()[-5] == "yes" for row in rows), fonts  # emb column
    names = {row.split("+")[1].split()[0] for row in rows}
    assert names == {
        "DejaVu-Sans",
        "DejaVu-Sans-Bold",
        "Noto-Color-Emoji",  # emoji presentation: 🖨️ ✅
        "Droid-Sans-Fallback",  # 漢字
        "Symbola-Semi-Condensed",  # ⏻, in none of the others
    }
    assert notdef_warnings(caplog) == []
    assert notdef_glyphs(data) == []
