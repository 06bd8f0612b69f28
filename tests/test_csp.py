"""Content-Security-Policy: no inline script, handler or style anywhere (issue 15, part C;
docs/reliability.md, « Content-Security-Policy »). The browser side is tests/e2e/test_csp.py."""

import re
from pathlib import Path

from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_DIRS = [ROOT / "templates", *ROOT.glob("*/templates")]
# A <script> element with a body (no src), an on…= handler attribute, a javascript: URL, a
# style attribute or <style> element (style-src has no 'unsafe-inline' either), htmx's
# hx-on (evaluated code) and hx-vals/hx-vars with `js:` (evaluated too).
INLINE = {
    "inline <script>": re.compile(
        r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I
    ),
    "on… handler": re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S),
    "javascript: URL": re.compile(r"javascript:", re.I),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.I | re.S),
    "<style> element": re.compile(r"<style[\s>]", re.I),
    "hx-on": re.compile(r"\shx-on[:-]", re.I),
    "js: in hx-vals": re.compile(r"hx-va(?:ls|rs)\s*=\s*['\"]\s*js:", re.I),
}
# Not served by the site: the PDF's template is rendered by WeasyPrint, which runs no script.
NOT_SERVED = {"report_pdf.html"}


def inline_code(text: str) -> list[str]:
    return [label for label, pattern in INLINE.items() if pattern.search(text)]


def test_the_detector_finds_each_kind_of_inline_code():
    assert inline_code("<script>alert(1)</script>") == ["inline <script>"]
    assert inline_code('<script type="module">x()</script>') == ["inline <script>"]
    assert inline_code('<script src="/static/js/a.js"></script>') == []
    assert inline_code('<script id="d" type="application/json">{"a": 1}</script>') == []
    assert inline_code('<select\n  onchange="this.form.submit()">') == ["on… handler"]
    assert inline_code('<form onsubmit="return false">') == ["on… handler"]
    assert inline_code('<a href="javascript:void(0)">') == ["javascript: URL"]
    assert inline_code('<div class="x" style="left: 3%">') == ["style attribute"]
    assert inline_code('<button hx-on:click="go()">') == ["hx-on"]
    assert inline_code("<div data-onboarding=\"1\" class='only'>") == []


def test_no_template_carries_inline_code():
    offenders = []
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html"):
            if template.name in NOT_SERVED:
                continue
            found = inline_code(template.read_text())
            if found:
                offenders.append(f"{template.relative_to(ROOT)}: {', '.join(found)}")
    assert not offenders, "move to static/js or static/css:\n" + "\n".join(offenders)


def test_every_page_sends_the_policy_without_unsafe_inline(client, manager):
    client.force_login(manager)
    for name in ("login", "interventions-list", "interventions-dashboard"):
        response = client.get(reverse(name))
        policy = response["Content-Security-Policy"]
        directives = {
            part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()
        }
        assert directives["default-src"] == ["'self'"], policy
        assert directives["script-src"] == ["'self'"], policy
        assert directives["style-src"] == ["'self'"], policy
        assert directives["object-src"] == ["'none'"], policy
        assert directives["frame-ancestors"] == ["'none'"], policy
        assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy


def test_error_pages_send_the_policy_too(client, manager):
    client.force_login(manager)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "script-src 'self'" in response["Content-Security-Policy"]
