"""Turning the tablet between drawing and signing keeps the whole signature.

The Galaxy Tab S4 is held in landscape (1138×712), the signature drawn across the whole pad, the
tablet turned to portrait (712×1138) and the form sent. What is stored must hold every stroke.

How it is measured: the drawing is a horizontal stroke from 2 % to 98 % of the pad's width at
half height, closed by two vertical bars (x = 4 % and x = 96 %, from 20 % to 80 % of the height).
The stored PNG is trimmed to its ink, so:
- its width/height must match what was drawn, 0.96 W / 0.60 H of the pad measured in the browser
  when drawing (within 12 %: the pen's own thickness adds a few pixels);
- a column near each end (the first and the last 6 % of the columns) must carry ink over at least
  70 % of the image height: the two bars. A drawing cut on the right ends with the horizontal
  stroke alone, a few pixels high.
"""

import base64
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from interventions import roles, services
from interventions.models import SignedReport, TechnicianSignature
from tests.e2e.conftest import login, screenshot
from tests.factories import UserFactory
from tests.interventions.tablet_helpers import drawn_signature, finished_job
from tests.interventions.tablet_helpers import shown as shown_content

PASSWORD = "secret-pass-123"
LANDSCAPE = {"width": 1138, "height": 712}
PORTRAIT = {"width": 712, "height": 1138}
# In fractions of the pad, when drawn: a full-width stroke closed by a bar at each end.
STROKES = [
    [(0.02 + 0.96 * i / 24, 0.5) for i in range(25)],
    [(0.96, 0.2), (0.96, 0.5), (0.96, 0.8)],
    [(0.04, 0.2), (0.04, 0.5), (0.04, 0.8)],
]
DRAWN_WIDTH, DRAWN_HEIGHT = 0.98 - 0.02, 0.8 - 0.2
# Longer than the pad's resize debounce and than the tablet's resize ~250 ms after load.
SETTLE_MS = 700


@pytest.fixture
def landscape_tablet(browser, live_server, playwright):
    """A Galaxy Tab S4 held in landscape: touch, device pixel ratio 2.25."""
    context = browser.new_context(**playwright.devices["Galaxy Tab S4 landscape"], locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def job_awaiting_signature(db):
    karim = UserFactory(
        username="karim-pad", first_name="Karim", last_name="Haddad", role=roles.TECHNICIAN
    )
    return karim, finished_job(karim)


def draw(page, canvas, strokes=STROKES):
    """Touch strokes through the DevTools protocol; returns the pad's box (CSS px) when drawn."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    cdp = page.context.new_cdp_session(page)

    def touch(kind, fx, fy):
        point = {"x": box["x"] + fx * box["width"], "y": box["y"] + fy * box["height"]}
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [point]})

    for stroke in strokes:
        touch("touchStart", *stroke[0])
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False):
            for step in range(1, 9):
                t = step / 8
                touch("touchMove", x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()
    # Chromium drops a tap that follows the last stroke within a few hundred milliseconds.
    page.wait_for_timeout(1000)
    return box


def rotate(page, viewport):
    page.set_viewport_size(viewport)
    page.wait_for_timeout(SETTLE_MS)


def ink(data_uri):
    """A stored PNG → (width, height of its ink, ink height of each ink column / ink height).

    The technician's signature is stored transparent, the customer's (in the frozen snapshot)
    grey on white with a margin: both are flattened on white and the ink (dark pixels) measured.
    """
    header, _sep, encoded = data_uri.partition(",")
    assert header == "data:image/png;base64"
    image = Image.open(io.BytesIO(base64.b64decode(encoded))).convert("RGBA")
    flat = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("L")
    dark = flat.point(lambda v: 255 if v < 160 else 0)
    bbox = dark.getbbox()
    assert bbox is not None, "no ink at all"
    dark = dark.crop(bbox)
    columns = []
    for x in range(dark.width):
        column = dark.crop((x, 0, x + 1, dark.height)).getbbox()
        columns.append(0 if column is None else (column[3] - column[1]) / dark.height)
    return dark.width, dark.height, columns


def assert_whole_drawing(data_uri, box):
    width, height, columns = ink(data_uri)
    drawn_ratio = (DRAWN_WIDTH * box["width"]) / (DRAWN_HEIGHT * box["height"])
    assert width / height == pytest.approx(drawn_ratio, rel=0.12), (width, height, box)
    edge = max(1, round(width * 0.06))
    assert max(columns[:edge]) >= 0.7, "the bar at the left end is missing"
    assert max(columns[-edge:]) >= 0.7, "the bar at the right end is missing"


def shown(page):
    """What the pad shows now, as a PNG data URI of the whole canvas."""
    return page.evaluate(
        "() => document.querySelector('[data-testid=signature-canvas-signature]').toDataURL()"
    )


def open_sign_page(page, live_server, job):
    login(page, live_server, "karim-pad", PASSWORD)
    page.wait_for_url(f"{live_server.url}/interventions/mine/")
    page.goto(f"{live_server.url}/interventions/{job.pk}/sign/")
    page.wait_for_timeout(SETTLE_MS)


def test_technician_signature_drawn_in_landscape_survives_the_rotation(
    landscape_tablet, live_server, job_awaiting_signature
):
    page = landscape_tablet
    karim, job = job_awaiting_signature
    open_sign_page(page, live_server, job)

    box = draw(page, page.get_by_test_id("signature-canvas-signature"))
    assert box["width"] > 900
    rotate(page, PORTRAIT)
    screenshot(page, "pad-technician-portrait")
    page.get_by_test_id("technician-sign").tap()
    expect(page.get_by_test_id("technician-signed")).to_be_visible()

    stored = TechnicianSignature.objects.get(intervention=job)
    assert_whole_drawing(stored.image, box)


def test_customer_signature_survives_turning_the_tablet_back_and_forth(
    landscape_tablet, live_server, job_awaiting_signature
):
    page = landscape_tablet
    karim, job = job_awaiting_signature
    services.report_sign_technician(
        intervention=job, actor=karim, image=drawn_signature(), shown_sha256=shown_content(job)
    )
    open_sign_page(page, live_server, job)

    page.get_by_label("Nom du signataire").fill("Mme Claire Roux")
    canvas = page.get_by_test_id("signature-canvas-signature")
    box = draw(page, canvas)
    screenshot(page, "pad-customer-landscape")
    for viewport in (PORTRAIT, LANDSCAPE, PORTRAIT, LANDSCAPE):
        rotate(page, viewport)
    screenshot(page, "pad-customer-landscape-after-rotations")
    rotate(page, PORTRAIT)
    canvas.scroll_into_view_if_needed()
    screenshot(page, "pad-customer-portrait")
    assert_whole_drawing(shown(page), box)
    page.get_by_test_id("customer-sign").tap()
    expect(page.get_by_test_id("locked-banner")).to_be_visible(timeout=30_000)

    report = SignedReport.objects.get(intervention=job)
    assert report.snapshot["signatures"]["customer"]["name"] == "Mme Claire Roux"
    assert_whole_drawing(report.snapshot["signatures"]["customer"]["image"], box)


def test_a_drawing_sent_back_with_an_error_survives_the_rotation(
    landscape_tablet, live_server, job_awaiting_signature
):
    """The name forgotten: the page comes back with the drawing, the tablet is turned, the name
    typed, the form sent again: the stored image is still the whole drawing."""
    page = landscape_tablet
    karim, job = job_awaiting_signature
    services.report_sign_technician(
        intervention=job, actor=karim, image=drawn_signature(), shown_sha256=shown_content(job)
    )
    open_sign_page(page, live_server, job)

    box = draw(page, page.get_by_test_id("signature-canvas-signature"))
    page.get_by_test_id("customer-sign").tap()
    expect(page.get_by_text("Le nom du signataire est obligatoire.")).to_be_visible()
    page.wait_for_timeout(SETTLE_MS)
    rotate(page, PORTRAIT)
    # The pad shows it again, whole, on the narrower canvas.
    assert_whole_drawing(shown(page), box)
    page.get_by_label("Nom du signataire").fill("M. Paul Girard")
    page.get_by_test_id("customer-sign").tap()
    expect(page.get_by_test_id("locked-banner")).to_be_visible(timeout=30_000)

    report = SignedReport.objects.get(intervention=job)
    assert_whole_drawing(report.snapshot["signatures"]["customer"]["image"], box)


def test_clear_and_empty_pad_after_a_rotation(
    landscape_tablet, live_server, job_awaiting_signature
):
    page = landscape_tablet
    karim, job = job_awaiting_signature
    services.report_sign_technician(
        intervention=job, actor=karim, image=drawn_signature(), shown_sha256=shown_content(job)
    )
    open_sign_page(page, live_server, job)
    sign_url = page.url

    page.get_by_label("Nom du signataire").fill("Mme Claire Roux")
    draw(page, page.get_by_test_id("signature-canvas-signature"))
    rotate(page, PORTRAIT)
    page.get_by_role("button", name="Effacer").tap()
    # A later rotation does not bring the cleared drawing back.
    rotate(page, LANDSCAPE)
    assert page.locator("input[type=hidden][name=signature]").input_value() == ""
    page.get_by_test_id("customer-sign").tap()

    message = page.locator("[data-signature-empty]")
    expect(message).to_be_visible()
    expect(message).to_have_text(re.compile(r"^La signature est vide\s:\ssignez dans le cadre"))
    assert re.sub(r"#.*$", "", page.url) == sign_url
    expect(page.get_by_label("Nom du signataire")).to_have_value("Mme Claire Roux")
    assert not SignedReport.objects.filter(intervention=job).exists()
    # The page is still usable: draw again, sign.
    box = draw(page, page.get_by_test_id("signature-canvas-signature"))
    expect(message).to_be_hidden()
    page.get_by_test_id("customer-sign").tap()
    expect(page.get_by_test_id("locked-banner")).to_be_visible(timeout=30_000)
    report = SignedReport.objects.get(intervention=job)
    assert_whole_drawing(report.snapshot["signatures"]["customer"]["image"], box)
