"""The interface speaks French first: every message of the French catalogue is translated."""

import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE = Path(settings.BASE_DIR) / "locale"


def _entries(po_path: Path):
    import re

    text = po_path.read_text(encoding="utf-8")
    for block in text.split("\n\n")[1:]:
        if block.startswith("#~"):
            continue
        fuzzy = "#, fuzzy" in block or ", fuzzy" in block
        msgid = "".join(
            re.findall(r'^(?:msgid|msgid_plural)? ?"(.*)"$', block.split("msgstr")[0], re.M)
        )
        strs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"((?:\n".*")*)', block, re.M)
        translated = all((first + rest).replace('"\n"', "").strip('"\n') for first, rest in strs)
        yield msgid, fuzzy, translated


def test_french_catalogue_is_complete():
    po = LOCALE / "fr" / "LC_MESSAGES" / "django.po"
    missing = [msgid for msgid, fuzzy, translated in _entries(po) if fuzzy or not translated]
    assert missing == []


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_compiled_catalogues_match_their_sources(lang, tmp_path):
    po = LOCALE / lang / "LC_MESSAGES" / "django.po"
    mo = LOCALE / lang / "LC_MESSAGES" / "django.mo"
    fresh = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], check=True)
    assert fresh.read_bytes() == mo.read_bytes(), f"run `make messages` to recompile {lang}"


def test_french_is_the_default_and_english_is_available():
    assert settings.LANGUAGE_CODE == "fr"
    assert dict(settings.LANGUAGES).keys() == {"fr", "en"}
    with translation.override("fr"):
        assert str(translation.gettext("Awaiting signature")) == "En attente de signature"
