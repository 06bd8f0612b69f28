"""The one image pipeline of signatures and stamps: decode, trim, fit in a box, encode.

Two moments use it, with the same steps:

* upload (`signatures.clean_signature`, `signatures.clean_stamp`): what the tablet sends is
  checked (size, format) and stored compactly — `stored_signature`, `stored_stamp`;
* freeze (`services.report_freeze`, amendments): what was stored is fitted to its printed box
  before the report is rendered once — `printed_signature`, `printed_stamp`,
  `prepare_signatures`.

A refused image raises `ImageRejected` with a code ("empty", "too_large", "invalid",
"format"); the upload path turns it into a French form error, the freeze path into None.
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


def decode_data_uri(value: str, *, strict: bool = False, formats=None) -> Image.Image:
    """The image of a `data:image/...;base64,` URI, loaded.

    `strict`: the base64 must be valid (an upload); `formats`: the formats Pillow must
    recognise (by content, not by the header)."""
    if not value or not value.startswith("data:image/"):
        raise ImageRejected("invalid")
    try:
        raw = base64.b64decode(value.partition(",")[2], validate=strict)
        image = Image.open(io.BytesIO(raw))
        if formats is not None and image.format not in formats:
            raise ImageRejected("invalid")
        image.load()
    except _DECODE_ERRORS as exc:
        if isinstance(exc, ImageRejected):
            raise
        raise ImageRejected("invalid") from exc
    return image


def decode_upload(upload, *, max_bytes: int, formats) -> Image.Image:
    """An uploaded file's image, loaded: at most `max_bytes`, of one of `formats`."""
    if upload.size > max_bytes:
        raise ImageRejected("too_large")
    try:
        image = Image.open(upload)
        if image.format not in formats:
            raise ImageRejected("format")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ImageRejected("format") from exc
    return image


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
    image = decode_data_uri(value, strict=True, formats={"PNG"}).convert("RGBA")
    # The transparent borders go: what is left is the ink.
    image = trim(image, image.getchannel("A"), threshold=16)
    # Nothing, a dot or a tiny tick is not a signature.
    if image is None or (image.width < 8 and image.height < 8):
        raise ImageRejected("empty")
    image = fit(image, SIGNATURE_BOX)
    # Ink of one colour with anti-aliased edges: a 32-colour palette (with transparency) looks
    # the same and weighs a third of true-colour RGBA.
    return png_data_uri(image.quantize(colors=32, method=Image.Quantize.FASTOCTREE))


def stored_stamp(upload) -> str:
    """A photo of the company stamp (uploaded JPEG or PNG) → upright, flattened on white,
    downscaled to STAMP_BOX, JPEG data URI: nothing but pixels is kept."""
    image = decode_upload(upload, max_bytes=MAX_STAMP_BYTES, formats=STAMP_FORMATS)
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
