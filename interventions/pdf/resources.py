"""What a report is rendered with, loaded once per process: fonts, stylesheets, and a fetcher
that reads local files only."""

import base64
import functools
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint import CSS
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

REPORT_CSS = "css/report.css"


class LocalOnlyFetcher(URLFetcher):
    """Serves `data:` URIs, the report's own images (`report-image:NAME`) and files from the
    static folders; refuses everything else (http, https, ftp, other files).

    A report is rendered inside a request or at signature: it must never wait on the network.
    """

    def __init__(self, roots, images: dict | None = None):
        super().__init__(timeout=1)
        self.roots = [Path(r).resolve() for r in roots]
        self.images = images or {}

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower()
        if scheme == "report-image" and url[13:] in self.images:
            return _data_uri_response(self.images[url[13:]])
        if scheme == "data":
            return _data_uri_response(url)
        if scheme == "file":
            path = Path(unquote(urlparse(url).path)).resolve()
            if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
        raise ValueError(f"Refused to fetch {url[:80]!r}: reports use local resources only.")


def _data_uri_response(url: str) -> URLFetcherResponse:
    header, _sep, payload = url.partition(",")
    mime = header[5:].split(";")[0] or "text/plain"
    body = base64.b64decode(payload) if header.endswith(";base64") else unquote(payload).encode()
    return URLFetcherResponse(url[:64], body, {"Content-Type": mime})


def _resource_roots() -> list[Path]:
    roots = [Path(d) for d in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    logo = _logo_path(settings.COMPANY.get("logo", ""))
    if logo:
        roots.append(logo.parent)
    return roots


# WeasyPrint applies its HTML user-agent stylesheet (browser defaults: page and paragraph
# margins, heading sizes and bookmarks, cell padding, grey borders...); report.css is written
# for none of them. This sheet, given to WeasyPrint as the first user stylesheet, sets the
# elements the report uses back to what they are without those defaults. Its selectors are
# wrapped in :where() (no weight), so every rule of report.css, which comes after, wins.
BASE_CSS = """
:where(body, p, h1, h2, h3) { margin: 0 }
:where(h1, h2, h3) { font-size: inherit; bookmark-level: none;
                     break-after: auto; break-inside: auto }
:where(table) { border-spacing: 0 }
:where(table, thead, tbody, tr, td, th) { border-color: currentcolor }
:where(thead, tbody, tr, td, th) { vertical-align: baseline }
:where(td, th) { padding: 0; text-align: left }
:where(img) { overflow: visible }
:where(html) { color-scheme: normal }
"""


@functools.cache
def _resources() -> tuple[FontConfiguration, list[CSS], list[Path]]:
    """The font configuration, the stylesheets (BASE_CSS, report.css) and the folders the
    fetcher may read, loaded once per process."""
    fonts = FontConfiguration()
    roots = _resource_roots()
    fetcher = LocalOnlyFetcher(roots)
    stylesheets = [
        CSS(string=BASE_CSS, font_config=fonts, url_fetcher=fetcher),
        CSS(filename=finders.find(REPORT_CSS), font_config=fonts, url_fetcher=fetcher),
    ]
    return fonts, stylesheets, roots


@functools.cache
def _logo_path(logo: str) -> Path | None:
    """The company logo: an absolute path, or a path inside the static folders."""
    if not logo:
        return None
    path = Path(logo)
    if not path.is_absolute():
        found = finders.find(logo)
        path = Path(found) if found else path
    return path.resolve() if path.is_file() else None
