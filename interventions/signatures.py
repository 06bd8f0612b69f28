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
downscales and re-encodes the drawing as a small PNG (typically 5–15 KB) before it is stored
(`images.py`, the pipeline shared with the PDF).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .images import (
    MAX_JPEG_PIXELS,
    MAX_PHOTO_PIXELS,
    MAX_SIGNATURE_BYTES,
    MAX_SIGNATURE_SIZE,
    MAX_STAMP_BYTES,
    SIGNATURE_BOX,
    STAMP_BOX,
    STAMP_FORMATS,
    ImageRejected,
    stored_signature,
    stored_stamp,
)

__all__ = [
    "EMPTY_SIGNATURE",
    "MAX_SIGNATURE_BYTES",
    "MAX_STAMP_BYTES",
    "SIGNATURE_BOX",
    "STAMP_BOX",
    "STAMP_FORMATS",
    "SignatureField",
    "SignatureFormMixin",
    "SignatureWidget",
    "clean_signature",
    "clean_stamp",
]

EMPTY_SIGNATURE = _("The signature is empty: please sign in the box before confirming.")


def clean_signature(value: str | None) -> str:
    """A signature drawn on the pad (PNG data URI) → trimmed, downscaled PNG data URI
    (`images.stored_signature`).

    Raises ValidationError (French message) if it is empty, too large or not a PNG image.
    """
    value = (value or "").strip()
    if not value or value == "None":
        raise ValidationError(EMPTY_SIGNATURE, code="empty")
    try:
        return stored_signature(value)
    except ImageRejected as rejected:
        messages = {
            "empty": EMPTY_SIGNATURE,
            "too_large": _("The signature is too large."),
            "too_many_pixels": _(
                "The signature is too large (at most %(width)s × %(height)s pixels): "
                "clear the box and sign again on this page."
            )
            % {"width": MAX_SIGNATURE_SIZE[0], "height": MAX_SIGNATURE_SIZE[1]},
            "implausible": _(
                "This is not a signature: the box is almost entirely filled in. "
                "Clear it and sign again."
            ),
            "invalid": _("The signature is not a PNG image."),
        }
        raise ValidationError(messages[rejected.code], code=rejected.code) from rejected


def clean_stamp(upload) -> str | None:
    """A photo of the company stamp (uploaded file) → re-encoded JPEG data URI, or None
    (`images.stored_stamp`).

    Only JPEG and PNG are accepted (checked by Pillow, not by the file name), up to
    MAX_STAMP_BYTES; the image is re-encoded so nothing but pixels is kept.
    """
    if not upload:
        return None
    try:
        return stored_stamp(upload)
    except ImageRejected as rejected:
        if rejected.code == "too_large":
            message = _("The stamp photo is too large (maximum %(mb)s MB).") % {
                "mb": MAX_STAMP_BYTES // (1024 * 1024)
            }
        elif rejected.code == "too_many_pixels":
            message = _(
                "The stamp photo is too large (at most %(png)s megapixels in PNG, "
                "%(jpeg)s in JPEG): take the photo again or send a smaller image."
            ) % {
                "png": MAX_PHOTO_PIXELS // 1_000_000,
                "jpeg": MAX_JPEG_PIXELS // 1_000_000,
            }
        else:
            message = _("The stamp photo must be a JPEG or PNG image.")
        raise ValidationError(message, code=rejected.code) from rejected


class SignatureWidget(forms.Widget):
    """A signature_pad canvas with a hidden input; see static/js/signature-field.js."""

    template_name = "interventions/_signature_widget.html"

    def format_value(self, value):
        # Never render "None": an empty pad is an empty string.
        return "" if value in (None, "None") else str(value)

    def render(self, name, value, attrs=None, renderer=None):
        # The project's template folder, not the form renderer's (which ignores it).
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


class SignatureFormMixin:
    """A refused signature is not drawn back on the pad: the page would hand the tablet's
    browser the very image refused (a bomb decodes there too). The pad comes back empty, the
    other fields as typed."""

    def full_clean(self):
        super().full_clean()
        if self.is_bound and "signature" in self.errors:
            self.data = self.data.copy()
            self.data[self.add_prefix("signature")] = ""
