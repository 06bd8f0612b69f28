"""Hostile values for the hypothesis tests (tests/reliability/test_hostile_input.py).

Each field of a form is given a kind; its strategy mixes values a browser could send for that
kind (so that some cases reach the services and the database) with values nobody should send.
"""

import base64
import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import strategies as st
from PIL import Image

NASTY = [
    "",
    " ",
    "\x00",
    "abc\x00def",
    "\r\n\t\x0b\x0c\x1b[31m",
    "\u202eevil\u202c",
    "\ufeff",
    "😀👍🏽👨‍👩‍👧‍👦",
    "𝕳𝖊𝖑𝖑𝖔",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }}{% debug %}",
    "'; DROP TABLE interventions_intervention; --",
    "' OR '1'='1",
    "1; SELECT pg_sleep(0)",
    "%s%s%n%x",
    "../../../etc/passwd",
    '=HYPERLINK("http://x")',
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "-1",
    "0",
    "-0",
    "99999999999999999999999999999",
    "-99999999999999999999999999999",
    "1.000000000000000000000000001",
    "1,5",
    "0x10",
    "1_000",
    "2026-13-45",
    "2026-02-30T10:00",
    "0000-00-00",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2026-11-30T25:61",
    "true",
    "null",
    "[]",
    '{"a": 1}',
]

hostile_text = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),  # any code point but surrogates: control characters, NUL, emoji…
    st.builds(
        lambda chunk, n: chunk * n,
        st.sampled_from(["A", "é", "😀", "\x00", "<b>", "'", "9"]),
        st.integers(min_value=300, max_value=20_000),
    ),
)


def _local(value: datetime.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M")


def datetimes_around(now: datetime.datetime) -> st.SearchStrategy:
    """Near now (so that two of them come out of order as often as in order), or anywhere."""
    return st.one_of(
        st.integers(min_value=-72 * 60, max_value=72 * 60).map(
            lambda minutes: _local(now + datetime.timedelta(minutes=minutes))
        ),
        st.datetimes(
            min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31)
        ).map(_local),
    )


def dates_around(today: datetime.date) -> st.SearchStrategy:
    return st.one_of(
        st.integers(min_value=-400, max_value=400).map(
            lambda days: (today + datetime.timedelta(days=days)).isoformat()
        ),
        st.dates().map(datetime.date.isoformat),
    )


numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.integers(min_value=-5, max_value=500).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
)


def ids(real: list[int]) -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from([str(pk) for pk in real]),
        st.integers(min_value=-(2**64), max_value=2**64).map(str),
    )


def choices(values: list[str]) -> st.SearchStrategy:
    return st.sampled_from(values)


def _png(width: int, height: int, ink: bool) -> str:
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if ink:
        from PIL import ImageDraw

        ImageDraw.Draw(image).line([(10, 40), (80, 10), (150, 45)], fill=(0, 0, 80, 255), width=5)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def signatures(*, allow_ink: bool) -> st.SearchStrategy:
    """Drawn signatures as the canvas sends them, and broken ones. Image bombs are the image
    guard's tests (tests/interventions), not this one's: none is sent here."""
    values = [_png(160, 50, ink=False), "data:image/png;base64,", "data:image/png;base64,AAAA"]
    if allow_ink:
        values.append(_png(160, 50, ink=True))
    return st.one_of(
        st.sampled_from(values),
        st.binary(max_size=200).map(
            lambda raw: "data:image/png;base64," + base64.b64encode(raw).decode()
        ),
        st.binary(max_size=200).map(
            lambda raw: (
                "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + raw).decode()
            )
        ),
    )


files = st.one_of(
    st.binary(max_size=300).map(lambda raw: SimpleUploadedFile("stamp.png", raw, "image/png")),
    st.binary(max_size=300).map(
        lambda raw: SimpleUploadedFile("../../x.svg", b"<svg onload=alert(1)>" + raw, "image/svg")
    ),
)


def versions(current: int) -> st.SearchStrategy:
    """The version a form read its object at (optimistic locking, interventions/conflicts.py):
    the current one (the save goes through), a stale or future one (refused as a conflict,
    nothing saved), or not a version at all."""
    return st.one_of(
        st.just(str(current)),
        st.sampled_from([str(current - 1), str(current + 1), "0", "-1", f" {current} "]),
        numbers,
    )


def _csv_upload(cells: list[str], encoding: str, separator: str) -> SimpleUploadedFile:
    header = separator.join(["Numéro client", "Nom", "Code postal", "Téléphone", "E-mail"])
    line = separator.join(cell.replace("\n", " ") for cell in cells)
    raw = f"{header}\n{line}\n".encode(encoding, errors="replace")
    return SimpleUploadedFile("import.csv", raw, "text/csv")


# Import files (interventions-import): a CSV of the application's format with hostile cells
# in any encoding and separator, random bytes, a broken workbook, a path in the name.
import_files = st.one_of(
    st.builds(
        _csv_upload,
        st.lists(st.one_of(st.sampled_from(NASTY), st.text(max_size=30)), min_size=5, max_size=5),
        st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
        st.sampled_from([";", ",", "\t", "|"]),
    ),
    st.binary(max_size=400).map(lambda raw: SimpleUploadedFile("clients.csv", raw, "text/csv")),
    st.binary(max_size=400).map(
        lambda raw: SimpleUploadedFile("../../clients.xlsx", b"PK\x03\x04" + raw, "application/zip")
    ),
)


def device_times(now: datetime.datetime) -> st.SearchStrategy:
    """`X-Device-Time` of a replayed action (docs/offline.md): ISO 8601 with an offset, near
    now or anywhere (years 1 and 9999 overflow in UTC), without offset, or any text."""
    offsets = st.integers(min_value=-14 * 60, max_value=14 * 60).map(
        lambda minutes: datetime.timezone(datetime.timedelta(minutes=minutes))
    )
    return st.one_of(
        st.integers(min_value=-72 * 60, max_value=72 * 60).map(
            lambda minutes: (now + datetime.timedelta(minutes=minutes)).isoformat()
        ),
        st.builds(
            lambda value, tz: value.replace(tzinfo=tz).isoformat(),
            st.datetimes(
                min_value=datetime.datetime(1, 1, 1), max_value=datetime.datetime(9999, 12, 31)
            ),
            offsets,
        ),
        st.datetimes().map(datetime.datetime.isoformat),
        hostile_text,
    )


# `Idempotency-Key`: a real uuid4 (the same one drawn again is a replay), or any text.
idempotency_keys = st.one_of(
    st.uuids(version=4).map(str), st.sampled_from(["", "short", "a" * 65]), hostile_text
)
