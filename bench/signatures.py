"""Signature compaction: what the tablet sends vs what is stored, and how long it takes.

Run: SECRET_KEY=x .venv/bin/python bench/signatures.py
A Galaxy Tab S4 canvas (712 CSS px × 220 px at device pixel ratio 2.25 = 1602 × 495 px) with
a handwritten-like signature (smooth anti-aliased strokes), cleaned by
`interventions.signatures.clean_signature` 30 times.
"""

import base64
import io
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench")

import django  # noqa: E402

django.setup()

from PIL import Image, ImageDraw  # noqa: E402

from interventions.signatures import clean_signature  # noqa: E402


def tablet_canvas() -> str:
    scale = 2  # supersampling for anti-aliased edges, as a browser canvas draws them
    width, height = 1602, 495
    image = Image.new("RGBA", (width * scale, height * scale), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = []
    for i in range(400):
        t = i / 399
        x = 150 + 1250 * t
        y = 250 + 110 * math.sin(t * 19) * math.cos(t * 3) + 40 * math.sin(t * 47)
        points.append((x * scale, y * scale))
    draw.line(points, fill=(11, 42, 111, 255), width=6 * scale, joint="curve")
    draw.line(
        [(300 * scale, 400 * scale), (1300 * scale, 380 * scale)],
        fill=(11, 42, 111, 255),
        width=5 * scale,
    )
    image = image.resize((width, height), Image.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


raw = tablet_canvas()
timings = []
for _ in range(30):
    start = time.perf_counter()
    stored = clean_signature(raw)
    timings.append((time.perf_counter() - start) * 1000)
print(
    f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}"
)
print(f"sent by the tablet: {len(raw) / 1024:.1f} KiB data URI (1602 × 495 px)")
print(f"stored:             {len(stored) / 1024:.1f} KiB data URI")
print(f"clean_signature median: {statistics.median(timings):.1f} ms (30 runs)")
