"""The one image pipeline of signatures and stamps: decode, trim, fit in a box, encode.

Two moments use it, with the same steps:

* upload (`signatures.clean_signature`, `signatures.clean_stamp`): what the tablet sends is
  checked (size, format) and stored compactly — `stored_signature`, `stored_stamp`;
* freeze (`services.report_freeze`, amendments): what was stored is fitted to its printed box
  before the report is rendered once — `printed_signature`, `printed_stamp`,
  `prepare_signatures`.

A refused image raises `ImageRejected` with a code ("empty", "too_large", "too_many_pixels",
"implausible", "invalid", "format"); the upload path turns it into a French form error, the
freeze path into None.

Image bombs (issue 15): a 17 KB one-colour PNG can declare 12000 × 12000 pixels and take a
gigabyte once decoded. `Image.open` only reads the header, so every path checks the byte size,
then the declared width × height (`check_pixels`), and only then decodes. The caps:

* signature: at most MAX_SIGNATURE_SIZE (4096 × 2048) and MAX_SIGNATURE_PIXELS (4 MP) — the
  3:1 pad of a 1280-CSS-px-wide page at device pixel ratio 3 is ~3800 × 1270 = 4.8 MP, a real
  tablet (Galaxy Tab S4, ratio 2.25) sends ~1600 × 500 = 0.8 MP;
* stamp photo in PNG: at most MAX_PHOTO_PIXELS (4 MP), decoded whole;
* stamp photo in JPEG: at most MAX_JPEG_PIXELS (24 MP: any tablet camera), decoded by libjpeg
  at 1/2, 1/4 or 1/8 scale straight to about STAMP_BOX (`Image.draft`), so a 24 MP photo costs
  the memory of ~1.5 MP;
* what the freeze reads back was stored by the upload path (≤ 800 × 800): MAX_PHOTO_PIXELS.

A signature must also look like one: a drawing whose trimmed box is more than
MAX_SIGNATURE_INK (75 %) solid ink on both sides ≥ 64 px is a filled area, not a signature.
"""

import base64
import binascii
import io

from PIL import Image, ImageOps, UnidentifiedImageError

# Upload: what the browser may send (a data URI of the whole canvas), before trimming.
MAX_SIGNATURE_BYTES = 3 * 1024 * 1024
# Upload: the drawing is stored to fit in this box (CSS px of a print signature at ~2×).
SIGNATURE_BOX = (600, 200)
# Upload: the photo of the company stamp taken with the tablet camera.
MAX_STAMP_BYTES = 10 * 1024 * 1024
STAMP_BOX = (800, 800)
STAMP_FORMATS = frozenset({"JPEG", "PNG"})
# Pixel caps read from the header, before decoding (see the module docstring).
MAX_SIGNATURE_SIZE = (4096, 2048)
MAX_SIGNATURE_PIXELS = 4_000_000
MAX_PHOTO_PIXELS = 4_000_000
MAX_JPEG_PIXELS = 24_000_000
# Share of the signed box covered by solid ink (alpha ≥ 128) above which it is a filled area.
MAX_SIGNATURE_INK = 0.75
FILLED_AREA_MIN_SIDE = 64

# Freeze: printed size of a signature box and of the stamp (mm, `.sig-img` in report.css) and
# the resolution images are kept at.
SIGNATURE_BOX_MM = (70, 24)
STAMP_BOX_MM = (30, 20)
SIGNATURE_DPI = 150

_DECODE_ERRORS = (binascii.Error, ValueError, OSError, UnidentifiedImageError)


class ImageRejected(ValueError):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


# --- decode -------------------------------------------------------------------------------------


def check_pixels(
    image: Image.Image, *, max_pixels: int, max_size: tuple[int, int] | None = None
) -> None:
    """Refuse (`too_many_pixels`) an opened, not yet decoded image whose header declares more
    than `max_pixels`, or a side beyond `max_size`."""
    width, height = image.size
    if width * height > max_pixels or (
        max_size is not None and (width > max_size[0] or height > max_size[1])
    ):
        raise ImageRejected("too_many_pixels")


def _open(source, *, formats, code: str) -> Image.Image:
    """`Image.open` (reads the header only), refusing with `code` what is not of `formats`.
    Pillow's own bomb guard (over ~179 MP) is a refusal too, never a server error."""
    try:
        image = Image.open(source)
    except Image.DecompressionBombError as exc:
        raise ImageRejected("too_many_pixels") from exc
    except _DECODE_ERRORS as exc:
        raise ImageRejected(code) from exc
    if formats is not None and image.format not in formats:
        raise ImageRejected(code)
    return image


def _load(image: Image.Image, code: str) -> Image.Image:
    try:
        image.load()
    except (*_DECODE_ERRORS, Image.DecompressionBombError) as exc:
        raise ImageRejected(code) from exc
    return image


def decode_data_uri(
    value: str,
    *,
    strict: bool = False,
    formats=None,
    max_pixels: int = MAX_PHOTO_PIXELS,
    max_size: tuple[int, int] | None = None,
) -> Image.Image:
    """The image of a `data:image/...;base64,` URI, loaded once its header is within
    `max_pixels` / `max_size`.

    `strict`: the base64 must be valid (an upload); `formats`: the formats Pillow must
    recognise (by content, not by the header)."""
    if not value or not value.startswith("data:image/"):
        raise ImageRejected("invalid")
    try:
        raw = base64.b64decode(value.partition(",")[2], validate=strict)
    except (binascii.Error, ValueError) as exc:
        raise ImageRejected("invalid") from exc
    image = _open(io.BytesIO(raw), formats=formats, code="invalid")
    check_pixels(image, max_pixels=max_pixels, max_size=max_size)
    return _load(image, "invalid")


def decode_upload(upload, *, max_bytes: int, formats, box: tuple[int, int]) -> Image.Image:
    """An uploaded photo, loaded: at most `max_bytes`, of one of `formats`, within the pixel
    caps; a JPEG is decoded at the smallest scale that still covers `box`."""
    if upload.size > max_bytes:
        raise ImageRejected("too_large")
    image = _open(upload, formats=formats, code="format")
    if image.format == "JPEG":
        check_pixels(image, max_pixels=MAX_JPEG_PIXELS)
        image.draft("RGB", box)
    else:
        check_pixels(image, max_pixels=MAX_PHOTO_PIXELS)
    return _load(image, "format")


# --- transform ----------------------------------------------------------------------------------


def on_white(image: Image.Image, mode: str = "RGB") -> Image.Image:
    """Transparency flattened on a white background, in `mode` ("RGB" or "L")."""
    rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert(mode)


def trim(
    image: Image.Image, mask: Image.Image, *, threshold: int, pad: int = 0
) -> Image.Image | None:
    """`image` cropped to where `mask` (one channel, same size) is above `threshold`, plus
    `pad` pixels; None when nothing is."""
    box = mask.point(lambda v: 255 if v > threshold else 0).getbbox()
    if box is None:
        return None
    return image.crop(
        (
            max(box[0] - pad, 0),
            max(box[1] - pad, 0),
            min(box[2] + pad, image.width),
            min(box[3] + pad, image.height),
        )
    )


def fit(image: Image.Image, box: tuple[int, int]) -> Image.Image:
    """Downscaled (never enlarged) to fit in `box` (pixels), aspect ratio kept."""
    image.thumbnail(box, Image.Resampling.LANCZOS)
    return image


def box_at_dpi(box_mm: tuple[int, int], dpi: int = SIGNATURE_DPI) -> tuple[int, int]:
    """A printed box (mm) in pixels at `dpi`."""
    return (round(box_mm[0] / 25.4 * dpi), round(box_mm[1] / 25.4 * dpi))


# --- encode -------------------------------------------------------------------------------------


def data_uri(payload: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def png_data_uri(image: Image.Image) -> str:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return data_uri(out.getvalue(), "image/png")


def jpeg_data_uri(image: Image.Image, *, quality: int) -> str:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality, optimize=True)
    return data_uri(out.getvalue(), "image/jpeg")


# --- upload: what is stored ---------------------------------------------------------------------


def stored_signature(value: str) -> str:
    """A signature drawn on the pad (PNG data URI of the canvas) → trimmed to the ink,
    downscaled to SIGNATURE_BOX, 32-colour PNG data URI (typically 5–15 KB)."""
    if len(value) > MAX_SIGNATURE_BYTES * 4 // 3 + 100:
        raise ImageRejected("too_large")
    if value.partition(",")[0] != "data:image/png;base64":
        raise ImageRejected("invalid")
    image = decode_data_uri(
        value,
        strict=True,
        formats={"PNG"},
        max_pixels=MAX_SIGNATURE_PIXELS,
        max_size=MAX_SIGNATURE_SIZE,
    ).convert("RGBA")
    # The transparent borders go: what is left is the ink.
    image = trim(image, image.getchannel("A"), threshold=16)
    # Nothing, a dot or a tiny tick is not a signature.
    if image is None or (image.width < 8 and image.height < 8):
        raise ImageRejected("empty")
    if filled_area(image):
        raise ImageRejected("implausible")
    image = fit(image, SIGNATURE_BOX)
    # Ink of one colour with anti-aliased edges: a 32-colour palette (with transparency) looks
    # the same and weighs a third of true-colour RGBA.
    return png_data_uri(image.quantize(colors=32, method=Image.Quantize.FASTOCTREE))


def filled_area(image: Image.Image) -> bool:
    """A trimmed drawing (RGBA) that is mostly solid ink on a box ≥ 64 px both ways: a filled
    rectangle, not pen strokes (signature_pad draws lines at most ~8 device px wide)."""
    if min(image.size) < FILLED_AREA_MIN_SIDE:
        return False
    solid = image.getchannel("A").point(lambda v: 255 if v >= 128 else 0)
    covered = solid.histogram()[255] / (image.width * image.height)
    return covered > MAX_SIGNATURE_INK


def stored_stamp(upload) -> str:
    """A photo of the company stamp (uploaded JPEG or PNG) → upright, flattened on white,
    downscaled to STAMP_BOX, JPEG data URI: nothing but pixels is kept."""
    image = decode_upload(upload, max_bytes=MAX_STAMP_BYTES, formats=STAMP_FORMATS, box=STAMP_BOX)
    image = ImageOps.exif_transpose(image)
    image = on_white(image) if image.mode in ("RGBA", "LA", "P") else image.convert("RGB")
    return jpeg_data_uri(fit(image, STAMP_BOX), quality=80)


# --- freeze: what is printed --------------------------------------------------------------------


def printed_signature(value: str | None) -> str | None:
    """A signature as the report prints it: trimmed to the ink, flattened on white, grey,
    downscaled to the printed box at SIGNATURE_DPI, PNG. Unreadable input gives None.

    Called once at signature, so every later render is cheap."""
    try:
        grey = on_white(decode_data_uri(value or ""), "L")
    except ImageRejected:
        return None
    grey = trim(grey, ImageOps.invert(grey), threshold=24, pad=4)
    if grey is None:
        return None
    return png_data_uri(fit(grey, box_at_dpi(SIGNATURE_BOX_MM)))


def printed_stamp(value: str | None) -> str | None:
    """The company stamp photo at its printed size, in colour (a stamp's ink colour is part of
    what proves it), as JPEG. Unreadable input gives None."""
    try:
        image = ImageOps.exif_transpose(decode_data_uri(value or "")).convert("RGB")
    except (ImageRejected, *_DECODE_ERRORS):
        return None
    return jpeg_data_uri(fit(image, box_at_dpi(STAMP_BOX_MM)), quality=85)


def prepare_signatures(signatures: dict) -> dict:
    """Copy of `signatures` with each signature passed through `printed_signature` and the
    stamp through `printed_stamp`."""
    prepared = {}
    for who, data in (signatures or {}).items():
        data = dict(data or {})
        if data.get("image"):
            data["image"] = printed_signature(data["image"])
        if data.get("stamp"):
            data["stamp"] = printed_stamp(data["stamp"])
        prepared[who] = data
    return prepared
