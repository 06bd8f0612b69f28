"""Characters: every character typed is printed, or replaced by a visible code point when no
font of the report has it (`printable_text`)."""

import functools
import re
import unicodedata

from weasyprint.text.ffi import ffi, fontconfig

# The fonts the report prints with. Debian packages, installed by `make` (APT_PACKAGES):
#   DejaVu Sans          fonts-dejavu-core      Latin, Greek, Cyrillic, Arabic, Hebrew, symbols
#   Symbola              fonts-symbola          emoji (monochrome, Unicode 10) and symbols, 3 MB
#   Droid Sans Fallback  fonts-droid-fallback   Chinese and Japanese (CJK ideographs, kana), 7 MB
#   Noto Color Emoji     fonts-noto-color-emoji emoji newer than Symbola's, in colour, 11 MB
# report.css names the first three (`font-family` of html and of the @page margin boxes), in
# this order. Noto Color Emoji is reached through fontconfig's fallback only: a font-family
# list that names it makes fontconfig sort it first, and digits and spaces then come from it.
FONT_STACK = ("DejaVu Sans", "Symbola", "Droid Sans Fallback", "Noto Color Emoji")

# Default-ignorable characters: zero-width joiner and non-joiner, variation selectors (emoji
# presentation), bidi marks, soft hyphen... Pango shapes them into nothing, as intended.
_IGNORABLE_RANGES = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0x180B, 0x180F), (0x034F, 0x034F))
_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def printable_text(text: str) -> str:
    """`text` as the report prints it: every character the technician typed is drawn.

    Decision: a character that no font of FONT_STACK has would be drawn by Pango
    as an empty box (.notdef), or by whatever other font the machine happens to have, so the
    same snapshot would not print the same on every server. Instead:

    * a character covered by a font of FONT_STACK (read from the fonts' cmap tables with
      fontTools, the files found through fontconfig like Pango finds them) is kept;
    * a character no font of the stack has is replaced by a visible "[U+XXXX]" (its code
      point): private-use characters, non-characters, lone surrogates, scripts we do not
      ship a font for (Korean Hangul, Egyptian hieroglyphs...), emoji newer than Noto Color
      Emoji 2.042;
    * control characters other than line feed and tab are removed (nothing to print);
      default-ignorable ones (joiners, variation selectors) are kept for Pango to shape.

    Korean and the rarer CJK ideographs are thus substituted rather than printed: the CJK
    fonts that cover them (fonts-noto-cjk) weigh 90 MB for a case we never saw.
    """
    if text.isascii() and not _ASCII_CONTROLS.search(text):
        return text
    out = []
    for char in text:
        if char.isascii() and (char.isprintable() or char in "\n\t"):
            out.append(char)
        elif unicodedata.category(char) == "Cc":
            continue
        elif _prints(char):
            out.append(char)
        else:
            out.append(f"[U+{ord(char):04X}]")
    return "".join(out)


@functools.cache
def _prints(char: str) -> bool:
    code = ord(char)
    category = unicodedata.category(char)
    if category in ("Co", "Cs") or (category == "Cn" and _is_noncharacter(code)):
        return False
    if category == "Cf" or any(lo <= code <= hi for lo, hi in _IGNORABLE_RANGES):
        return True
    # Fonts are read lazily, in order: a French text only ever loads DejaVu Sans (~50 ms, once
    # per process); Droid Sans Fallback's large cmap (~0.5 s) only for a character before it.
    return any(code in _cmap(family) for family in FONT_STACK)


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


@functools.cache
def _cmap(family: str) -> frozenset:
    """The code points of an installed font of FONT_STACK (a missing font covers nothing: its
    characters are then substituted, never drawn as boxes)."""
    # Imported here: fontTools is a heavy import, needed only for text outside ASCII.
    from fontTools.ttLib import TTFont

    path = _font_file(family)
    if not path:
        return frozenset()
    return frozenset(TTFont(path, lazy=True, fontNumber=0)["cmap"].getBestCmap())


def _font_file(family: str) -> str | None:
    """The file fontconfig gives Pango for `family` (regular weight), if that family exists."""
    pattern = ffi.gc(fontconfig.FcPatternCreate(), fontconfig.FcPatternDestroy)
    fontconfig.FcPatternAddString(pattern, b"family", family.encode())
    fontconfig.FcConfigSubstitute(ffi.NULL, pattern, fontconfig.FcMatchPattern)
    fontconfig.FcDefaultSubstitute(pattern)
    result = ffi.new("FcResult *")
    match = fontconfig.FcFontMatch(ffi.NULL, pattern, result)
    if match == ffi.NULL:
        return None
    match = ffi.gc(match, fontconfig.FcPatternDestroy)
    value = ffi.new("FcChar8 **")
    if fontconfig.FcPatternGetString(match, b"family", 0, value) != fontconfig.FcResultMatch:
        return None
    if ffi.string(value[0]).decode().lower() != family.lower():
        return None  # fontconfig's nearest substitute, not the font asked for
    fontconfig.FcPatternGetString(match, b"file", 0, value)
    return ffi.string(value[0]).decode()


def printable_snapshot(value):
    """A copy of a snapshot (or part of it) with every string passed through printable_text."""
    if isinstance(value, str):
        return printable_text(value)
    if isinstance(value, dict):
        return {k: printable_snapshot(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable_snapshot(v) for v in value]
    return value
