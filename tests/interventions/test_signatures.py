import base64
import io
import os

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from interventions.models import TechnicianSignature
from interventions.signatures import (
    MAX_STAMP_BYTES,
    SIGNATURE_BOX,
    SignatureField,
    clean_signature,
    clean_stamp,
)
from tests.interventions.tablet_helpers import drawn_signature


def decode(data_uri):
    header, _, payload = data_uri.partition(",")
    return header, Image.open(io.BytesIO(base64.b64decode(payload)))


def test_signature_is_trimmed_downscaled_and_small():
    raw = drawn_signature()
    cleaned = clean_signature(raw)
    header, image = decode(cleaned)
    assert header == "data:image/png;base64"
    assert image.width <= SIGNATURE_BOX[0] and image.height <= SIGNATURE_BOX[1]
    # The transparent margins are gone: the ink touches the borders.
    alpha = image.convert("RGBA").getchannel("A")
    assert alpha.getbbox() == (0, 0, image.width, image.height)
    assert len(cleaned) < len(raw)
    assert len(cleaned) < 20_000


def test_large_tablet_signature_is_accepted():
    # Far above django-signature-pad's 100 KB default limit.
    noisy = Image.frombytes("RGBA", (1000, 300), os.urandom(1000 * 300 * 4))
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    raw = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()
    assert len(raw) > 100_000
    assert clean_signature(raw).startswith("data:image/png;base64,")


@pytest.mark.parametrize(
    "value",
    ["", None, "None", drawn_signature(ink=False)],
    ids=["blank", "none", "None-string", "transparent"],
)
def test_empty_signature_is_refused_in_french(value):
    with pytest.raises(ValidationError) as error:
        clean_signature(value)
    assert "La signature est vide" in error.value.messages[0]


def test_signature_that_is_not_a_png_is_refused():
    with pytest.raises(ValidationError) as error:
        clean_signature("data:image/png;base64," + base64.b64encode(b"GIF89a...").decode())
    assert "PNG" in error.value.messages[0]


def test_signature_field_never_renders_none():
    html = SignatureField().widget.render("signature", None)
    assert 'value=""' in html
    assert "None" not in html


def upload(fmt, size=(1600, 1200), name="stamp.jpg"):
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_stamp_photo_is_reencoded_as_small_jpeg(fmt):
    cleaned = clean_stamp(upload(fmt))
    header, image = decode(cleaned)
    assert header == "data:image/jpeg;base64"
    assert max(image.size) == 800


def test_stamp_in_another_format_is_refused():
    with pytest.raises(ValidationError) as error:
        clean_stamp(upload("GIF", name="stamp.jpg"))
    assert "JPEG ou PNG" in error.value.messages[0]


def test_stamp_that_is_not_an_image_is_refused():
    with pytest.raises(ValidationError):
        clean_stamp(SimpleUploadedFile("stamp.jpg", b"not an image", content_type="image/jpeg"))


def test_stamp_too_large_is_refused():
    big = SimpleUploadedFile("stamp.jpg", b"0" * (MAX_STAMP_BYTES + 1), content_type="image/jpeg")
    with pytest.raises(ValidationError) as error:
        clean_stamp(big)
    assert "trop lourde" in error.value.messages[0] or "trop grande" in error.value.messages[0]


def test_stored_signature_column_refuses_what_is_not_a_png():
    # django-signature-pad's model field checks what full_clean() stores.
    field = TechnicianSignature._meta.get_field("image")
    jpeg = io.BytesIO()
    Image.new("RGB", (40, 20), "black").save(jpeg, format="JPEG")
    with pytest.raises(ValidationError):
        field.clean("data:image/png;base64," + base64.b64encode(jpeg.getvalue()).decode(), None)
    with pytest.raises(ValidationError):
        field.clean("data:image/png;base64,not base64!", None)


def test_stored_signature_column_accepts_the_noisiest_cleaned_signature():
    # Noise is the worst case for PNG compression: the cleaned image is far above the usual
    # 5-15 KB, and must still pass the column's size cap.
    noisy = Image.frombytes("RGBA", (900, 300), os.urandom(900 * 300 * 4))
    out = io.BytesIO()
    noisy.save(out, format="PNG")
    cleaned = clean_signature("data:image/png;base64," + base64.b64encode(out.getvalue()).decode())
    assert len(base64.b64decode(cleaned.partition(",")[2])) > 40_000
    field = TechnicianSignature._meta.get_field("image")
    assert field.clean(cleaned, None) == cleaned
