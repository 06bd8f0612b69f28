"""Image bombs: a few KB of PNG that decode to gigabytes. What the tablet posts (signatures as
data URIs, the stamp photo) is measured from its header before a single pixel is decoded, and
the job's status is checked before the image is read at all."""

import base64
import inspect
import io
import json
import struct
import subprocess
import sys
import textwrap
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from interventions.models import TechnicianSignature
from interventions.signatures import clean_signature, clean_stamp
from tests.interventions.tablet_helpers import (
    assigned_job,
    drawn_signature,
    finished_job,
    shown,
    shown_on_page,
)

ROOT = Path(__file__).resolve().parents[2]


def png_bomb(size: int, *, black_rgba: bool = False) -> bytes:
    """A square one-colour PNG written row by row (never held as pixels here): a 1-bit black
    image, or an opaque black RGBA one. Compresses ~1000:1, so a few KB on the wire."""
    bit_depth, colour_type, row_bytes = (8, 6, size * 4) if black_rgba else (1, 0, size // 8)
    row = b"\x00" + (b"\x00\x00\x00\xff" * size if black_rgba else bytes(row_bytes))
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(row) for _ in range(size)) + packer.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def as_data_uri(raw: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(raw).decode()


@pytest.fixture(scope="module")
def bomb_12k() -> bytes:
    return png_bomb(12_000)


def test_a_12k_bomb_is_a_few_kilobytes(bomb_12k):
    # The premise of the issue: 17 KB on the wire, 144 megapixels once decoded.
    assert len(bomb_12k) < 40_000


@pytest.mark.parametrize("size", [12_000, 20_000])
def test_signature_bomb_is_refused_in_french(size):
    with pytest.raises(ValidationError) as error:
        clean_signature(as_data_uri(png_bomb(size)))
    assert "La signature est trop grande" in error.value.messages[0]


def test_stamp_bomb_is_refused_in_french(bomb_12k):
    with pytest.raises(ValidationError) as error:
        clean_stamp(SimpleUploadedFile("stamp.png", bomb_12k, content_type="image/png"))
    assert "La photo du cachet est trop grande" in error.value.messages[0]
    assert "mégapixels" in error.value.messages[0]


def test_large_jpeg_camera_photo_is_still_accepted_as_stamp():
    # A 12-megapixel tablet camera photo is a real stamp photo, not a bomb: JPEG is decoded at
    # a reduced scale, so it stays cheap.
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), (200, 30, 30)).save(out, format="JPEG", quality=70)
    cleaned = clean_stamp(SimpleUploadedFile("stamp.jpg", out.getvalue()))
    assert cleaned.startswith("data:image/jpeg;base64,")


def test_a_filled_black_rectangle_is_not_a_signature():
    out = io.BytesIO()
    Image.new("RGBA", (900, 300), (0, 0, 0, 255)).save(out, format="PNG")
    with pytest.raises(ValidationError) as error:
        clean_signature(as_data_uri(out.getvalue()))
    assert "pas une signature" in error.value.messages[0]


def test_a_9000_black_square_is_not_a_signature():
    with pytest.raises(ValidationError) as error:
        clean_signature(as_data_uri(png_bomb(9_000, black_rgba=True)))
    assert error.value.code in ("too_many_pixels", "implausible")


def test_a_real_signature_is_still_accepted():
    assert clean_signature(drawn_signature()).startswith("data:image/png;base64,")


PROBE = textwrap.dedent(
    """
    import base64, io, json, resource, struct, sys, zlib
    import django
    django.setup()
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import translation
    from PIL import Image
    from interventions.tablet_forms import CustomerSignatureForm, TechnicianSignatureForm


    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    translation.activate("fr")
    small, large = png_bomb(12_000), png_bomb(20_000)
    uri = lambda raw: "data:image/png;base64," + base64.b64encode(raw).decode()
    before = peak_mb()
    errors = []
    for raw in (small, large):
        form = TechnicianSignatureForm({"shown_sha256": "x", "signature": uri(raw)})
        errors.append(form.is_valid() or form.errors["signature"][0])
        form = CustomerSignatureForm(
            {"shown_sha256": "x", "signatory_name": "Mme Roux", "signature": uri(raw)},
            {"stamp": SimpleUploadedFile("stamp.png", raw, content_type="image/png")},
        )
        errors.append(form.is_valid() or form.errors["stamp"][0])
    print(json.dumps({"before": before, "after": peak_mb(), "errors": errors}))
    """
)


def test_bombs_posted_to_the_signature_forms_stay_under_100_mb():
    """The signature and stamp forms (what the sign views validate) in a fresh process: its
    peak resident memory (ru_maxrss) may grow by less than 100 MB while refusing a 12k and a
    20k PNG bomb as signature and as stamp. Before the header check: +1 GB, or a crash."""
    result = subprocess.run(
        [sys.executable, "-c", inspect.getsource(png_bomb) + PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": "t",
            "PATH": "/usr/bin:/bin",
        },
    )
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    assert all("trop grande" in str(e) for e in measured["errors"]), measured["errors"]
    assert measured["after"] - measured["before"] < 100, measured


def sign_url(name, job):
    return reverse(name, args=[job.pk])


def test_bomb_posted_as_technician_signature_gets_a_form_error(client, technician, bomb_12k):
    job = finished_job(technician)
    client.force_login(technician)
    response = client.post(
        sign_url("interventions-sign-technician", job),
        {"signature": as_data_uri(bomb_12k), "shown_sha256": shown_on_page(client, job)},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "La signature est trop grande" in body
    # Not sent back to the pad either: the tablet's browser would decode it as the pad's
    # background.
    assert base64.b64encode(bomb_12k).decode()[:200] not in body
    assert not TechnicianSignature.objects.filter(intervention=job).exists()


def test_bomb_posted_as_stamp_keeps_what_was_typed(client, technician, bomb_12k):
    job = finished_job(technician)
    from interventions import services

    services.report_sign_technician(
        intervention=job, shown_sha256=shown(job), actor=technician, image=drawn_signature()
    )
    client.force_login(technician)
    response = client.post(
        sign_url("interventions-sign-customer", job),
        {
            "signatory_name": "Mme Roux-Bombe",
            "signature": drawn_signature(),
            "shown_sha256": shown(job),
            "stamp": SimpleUploadedFile("stamp.png", bomb_12k, content_type="image/png"),
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "La photo du cachet est trop grande" in body
    assert "Mme Roux-Bombe" in body
    job.refresh_from_db()
    assert job.status == "awaiting_signature"


def test_status_is_checked_before_the_signature_is_read(client, technician):
    """A job still in progress: the post is refused for its status, whatever it carries; the
    image is not even decoded (a broken PNG gets the status message, not a PNG error)."""
    job = assigned_job(technician)
    client.force_login(technician)
    response = client.post(
        sign_url("interventions-sign-technician", job),
        {"signature": "data:image/png;base64,AAAA", "shown_sha256": "x"},
    )
    assert response.status_code == 302
    assert not TechnicianSignature.objects.filter(intervention=job).exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Terminez le rapport" in m for m in messages), messages
