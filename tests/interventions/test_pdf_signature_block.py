"""The signature block of page one keeps its layout whatever the images' sizes.

Each case signs a report with images made by Pillow, passed through the real path (the form's
clean_signature / clean_stamp, then prepare_signatures), renders the PDF and reads it back with
poppler only: `pdftohtml -xml` gives the rectangles of the images as drawn on the page,
`pdftotext -bbox` the rectangles of the words, `pdftoppm` the picture (kept under
test-artifacts/ when PDF_ARTIFACTS is set, to look at).
"""

import base64
import io
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from interventions.pdf import frozen_copy, prepare_signatures, render_report_pdf
from interventions.signatures import clean_signature, clean_stamp
from interventions.snapshot import report_snapshot
from tests.factories import make_intervention

pytestmark = pytest.mark.django_db

ARTIFACTS = os.environ.get("PDF_ARTIFACTS")  # a folder: keep PDFs and PNGs of each case


def drawn_signature(width: int, height: int) -> str:
    """A signature as the pad sends it: transparent canvas with a margin, ink of that size."""
    image = Image.new("RGBA", (width + 40, height + 40), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 20 + width - 1, 20 + height - 1), outline=(10, 10, 60, 255), width=2)
    draw.line((20, 20 + height - 1, 20 + width - 1, 20), fill=(10, 10, 60, 255), width=2)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return clean_signature("data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode())


def stamp_photo(width: int, height: int) -> str:
    """A camera photo of a stamp: a JPEG of that size, red ink on paper."""
    image = Image.new("RGB", (width, height), (235, 230, 220))
    draw = ImageDraw.Draw(image)
    draw.ellipse((width // 8, height // 8, width * 7 // 8, height * 7 // 8), outline=(180, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    upload = SimpleUploadedFile("stamp.jpg", buffer.getvalue(), content_type="image/jpeg")
    return clean_stamp(upload)


NORMAL = (300, 90)
CASES = {
    "no-stamp": (NORMAL, None),
    "landscape-stamp": (NORMAL, (1600, 1200)),
    "portrait-stamp": (NORMAL, (1200, 1600)),
    "wide-signature": ((2000, 150), None),
    "tiny-signature": ((30, 12), None),
    "wide-signature-landscape-stamp": ((2000, 150), (1600, 1200)),
    "tall-signature-portrait-stamp": ((120, 400), (1200, 1600)),
}


def signed_snapshot(signature_size, stamp_size) -> dict:
    job = make_intervention(object="Imprimante à tickets hors service.")
    snapshot = report_snapshot(job)
    at = timezone.now().isoformat()
    snapshot["signed_at"] = at
    snapshot["signatures"] = prepare_signatures(
        {
            "technician": {
                "name": "Karim Haddad",
                "signed_at": at,
                "image": drawn_signature(*signature_size),
            },
            "customer": {
                "name": "Mme Françoise Lœuvre",
                "signed_at": at,
                "image": drawn_signature(*signature_size),
                "stamp": stamp_photo(*stamp_size) if stamp_size else None,
            },
        }
    )
    return frozen_copy(snapshot)


def images_on_pages(pdf: Path) -> list[dict]:
    """Every image drawn, as {page, top, left, bottom, right} in points from the top left
    (pdftohtml rounds them to whole points)."""
    out = subprocess.run(
        ["pdftohtml", "-xml", "-zoom", "1", "-stdout", "-q", str(pdf), str(pdf.with_suffix(""))],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    root = ET.fromstring(out)
    boxes = []
    for page in root.iter("page"):
        for image in page.iter("image"):
            top, left = float(image.get("top")), float(image.get("left"))
            boxes.append(
                {
                    "page": int(page.get("number")),
                    "top": top,
                    "left": left,
                    "bottom": top + float(image.get("height")),
                    "right": left + float(image.get("width")),
                }
            )
    return boxes


def words_on_pages(pdf: Path) -> list[dict]:
    """Every word, as {page, text, top, left, bottom, right} in points from the top left."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    words = []
    for number, page in enumerate(out.split("<page ")[1:], start=1):
        for x1, y1, x2, y2, text in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
            page,
        ):
            words.append(
                {
                    "page": number,
                    "text": text,
                    "left": float(x1),
                    "top": float(y1),
                    "right": float(x2),
                    "bottom": float(y2),
                }
            )
    return words


def find(words, *sequence, after=None):
    """The first run of consecutive words equal to `sequence` (after word `after`, if given)."""
    texts = [w["text"] for w in words]
    start = 0 if after is None else words.index(after) + 1
    for i in range(start, len(texts) - len(sequence) + 1):
        if texts[i : i + len(sequence)] == list(sequence):
            return words[i : i + len(sequence)]
    raise AssertionError(f"{' '.join(sequence)!r} not found in {' '.join(texts)!r}")


ROUNDING = 1  # pt: image rectangles come rounded to whole points


def overlap(a, b) -> bool:
    """The rectangles share more than the rounding on both axes."""
    across = min(a["right"], b["right"]) - max(a["left"], b["left"])
    down = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
    return across > ROUNDING and down > ROUNDING


def keep_artifacts(name: str, pdf: Path) -> None:
    if not ARTIFACTS:
        return
    folder = Path(ARTIFACTS)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.pdf").write_bytes(pdf.read_bytes())
    subprocess.run(
        ["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", str(pdf), str(folder / name)],
        check=True,
    )


@pytest.mark.parametrize("case", list(CASES))
def test_signature_block_never_overlaps(case, tmp_path):
    signature_size, stamp_size = CASES[case]
    pdf = tmp_path / f"{case}.pdf"
    pdf.write_bytes(render_report_pdf(signed_snapshot(signature_size, stamp_size), draft=False))
    keep_artifacts(case, pdf)

    words = words_on_pages(pdf)
    images = images_on_pages(pdf)
    assert {w["page"] for w in words} == {1}, "the report must stay on one page"
    # Two signatures, plus the stamp when there is one; all on page one.
    assert len(images) == (3 if stamp_size else 2), images
    assert {i["page"] for i in images} == {1}
    for a in images:
        for b in images:
            assert a is b or not overlap(a, b), (a, b)

    # The two signature boxes: each label opens its box; the box's images are below it.
    tech_label = find(words, "SIGNATURE", "DU", "TECHNICIEN")[0]
    cust_label = find(words, "CACHET", "ET", "SIGNATURE", "CLIENT")[0]
    middle = cust_label["left"] - 1
    blocks = {
        "technician": (tech_label, [i for i in images if i["right"] <= middle]),
        "customer": (cust_label, [i for i in images if i["left"] >= middle]),
    }
    assert len(blocks["technician"][1]) == 1
    assert len(blocks["customer"][1]) == (2 if stamp_size else 1)

    name_words = {
        "technician": ("Nom", "du", "technicien", ":", "Karim", "Haddad"),
        "customer": ("Nom", "du", "signataire", ":", "Mme", "Françoise", "Lœuvre"),
    }
    page = page_picture(pdf, tmp_path)
    for who, (label, own_images) in blocks.items():
        name = find(words, *name_words[who], after=label)
        signed = find(words, "Signé", "le", after=name[-1])
        below = name + signed
        images_bottom = max(i["bottom"] for i in own_images)
        for image in own_images:
            assert image["top"] > label["bottom"], (who, "image over the label", image)
        for word in below:
            assert word["top"] >= images_bottom - ROUNDING, (who, word["text"], word, own_images)
        # Inside the border: the box's bottom edge is the first dark pixel below the label in
        # the box's left padding (free of text and images); its right edge is the gap before
        # the customer's box, or the page margin.
        border = bottom_border(page, x=label["left"] - 2.5, below=label["bottom"])
        right_edge = cust_label["left"] - 8 if who == "technician" else 595.3 - 28.3
        for item in below + own_images:
            assert item["bottom"] < border - ROUNDING, (who, "below the border", item)
            assert item["right"] < right_edge - ROUNDING, (who, "right of the border", item)


PICTURE_DPI = 144  # 2 pixels per point


def page_picture(pdf: Path, tmp_path: Path) -> Image.Image:
    base = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-gray", "-png", "-r", str(PICTURE_DPI), "-singlefile", str(pdf), str(base)],
        check=True,
    )
    return Image.open(f"{base}.png").convert("L")


def bottom_border(page: Image.Image, *, x: float, below: float) -> float:
    """The y (points) of the first dark horizontal line under `below` in column `x` (points)."""
    scale = PICTURE_DPI / 72
    column = round(x * scale)
    for y in range(round(below * scale) + 1, page.height):
        if page.getpixel((column, y)) < 160:
            return y / scale
    raise AssertionError("no border found under the signature label")
