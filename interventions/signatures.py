"""On-screen signatures and the company stamp photo: checked, then stored compactly.

Decision — our own small field and widget around signature_pad 5, not django-signature-pad.
django-signature-pad 0.10 stays pinned in requirements (design card), but its form field and
widget are not used: its 100 KB default limit refuses real tablet signatures (a Galaxy Tab S4
canvas at device pixel ratio 2.25 easily gives 150 KB of PNG), an empty value renders as the
string "None", and its script clears the pad on the resize event a tablet fires ~250 ms after
load, wiping what the customer drew. `SignatureField` below accepts what the browser sends
(up to `MAX_SIGNATURE_BYTES`), `static/js/signature-field.js` keeps a 3:1 pad and redraws the
strokes from `toData()`, rescaled to the new canvas, on every resize or rotation (nothing drawn
is cut off or lost), and `clean_signature()` trims the transparent borders,
downscales and re-encodes the drawing as a small PNG (typically 5–15 KB) before it is stored.
"""

import base64
import binascii
import io

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

# What the browser may send (a data URI of the whole canvas), before trimming.
MAX_SIGNATURE_BYTES = 3 * 1024 * 1024
# What is stored: the drawing fits in this box (CSS px of a print signature at ~2×).
SIGNATURE_BOX = (600, 200)
# The photo of the company stamp taken with the tablet camera.
MAX_STAMP_BYTES = 10 * 1024 * 1024
STAMP_BOX = (800, 800)
STAMP_FORMATS = {"JPEG", "PNG"}

EMPTY_SIGNATURE = _("The signature is empty: please sign in the box before confirming.")


def _data_uri(payload: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def clean_signature(value: str | None) -> str:
    """A signature drawn on the pad (PNG data URI) → trimmed, downscaled PNG data URI.

    Raises ValidationError (French message) if it is empty, too large or not a PNG image.
    """
    value = (value or "").strip()
    if not value or value == "None":
        raise ValidationError(EMPTY_SIGNATURE, code="empty")
    if len(value) > MAX_SIGNATURE_BYTES * 4 // 3 + 100:
        raise ValidationError(_("The signature is too large."), code="too_large")
    header, _sep, encoded = value.partition(",")
    if header != "data:image/png;base64":
        raise ValidationError(_("The signature is not a PNG image."), code="invalid")
    try:
        raw = base64.b64decode(encoded, validate=True)
        image = Image.open(io.BytesIO(raw))
        if image.format != "PNG":
            raise ValidationError(_("The signature is not a PNG image."), code="invalid")
        image.load()
    except (binascii.Error, UnidentifiedImageError, OSError) as exc:
        raise ValidationError(_("The signature is not a PNG image."), code="invalid") from exc
    image = image.convert("RGBA")
    # Trim the transparent borders: what is left is the ink.
    bbox = image.getchannel("A").point(lambda a: 255 if a > 16 else 0).getbbox()
    if bbox is None:
        raise ValidationError(EMPTY_SIGNATURE, code="empty")
    image = image.crop(bbox)
    # A dot or a tiny tick is not a signature.
    if image.width < 8 and image.height < 8:
        raise ValidationError(EMPTY_SIGNATURE, code="empty")
    image.thumbnail(SIGNATURE_BOX, Image.LANCZOS)
    # Ink of one colour with anti-aliased edges: a 32-colour palette (with transparency) looks
    # the same and weighs a third of true-colour RGBA.
    image = image.quantize(colors=32, method=Image.Quantize.FASTOCTREE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return _data_uri(out.getvalue(), "image/png")


def clean_stamp(upload) -> str | None:
    """A photo of the company stamp (uploaded file) → re-encoded JPEG data URI, or None.

    Only JPEG and PNG are accepted (checked by Pillow, not by the file name), up to
    MAX_STAMP_BYTES; the image is re-encoded so nothing but pixels is kept.
    """
    if not upload:
        return None
    if upload.size > MAX_STAMP_BYTES:
        raise ValidationError(
            _("The stamp photo is too large (maximum %(mb)s MB).")
            % {"mb": MAX_STAMP_BYTES // (1024 * 1024)},
            code="too_large",
        )
    try:
        image = Image.open(upload)
        if image.format not in STAMP_FORMATS:
            raise ValidationError(_("The stamp photo must be a JPEG or PNG image."), code="format")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise ValidationError(
            _("The stamp photo must be a JPEG or PNG image."), code="format"
        ) from exc
    from PIL import ImageOps

    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    else:
        image = image.convert("RGB")
    image.thumbnail(STAMP_BOX, Image.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80, optimize=True)
    return _data_uri(out.getvalue(), "image/jpeg")


class SignatureWidget(forms.Widget):
    """A signature_pad canvas with a hidden input; see static/js/signature-field.js."""

    template_name = "interventions/_signature_widget.html"

    def format_value(self, value):
        # Never render "None": an empty pad is an empty string.
        return "" if value in (None, "None") else str(value)

    def render(self, name, value, attrs=None, renderer=None):
        # The project's template folder, not the form renderer's (which ignores it).
        from django.template.loader import render_to_string
        from django.utils.safestring import mark_safe

        context = self.get_context(name, value, attrs)
        return mark_safe(render_to_string(self.template_name, context))


class SignatureField(forms.CharField):
    """A drawn signature; cleaned to a compact PNG data URI by `clean_signature`."""

    widget = SignatureWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("error_messages", {"required": EMPTY_SIGNATURE})
        kwargs.setdefault("strip", True)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return "" if value == "None" else value

    def clean(self, value):
        value = super().clean(value)
        return clean_signature(value) if value else value
