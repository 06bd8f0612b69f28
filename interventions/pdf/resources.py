"""What a report is rendered with, loaded once per process and again only when it changes:
fonts, stylesheets, the images of local files (the logo), and a fetcher that reads local files
only.

What invalidates: the key of `_resources()` (`resources_version`) holds the settings a render
reads (the logo setting, the static folders) and the modification time and size of
report.css, the report template and the logo file. A logo replaced on disk, another
`COMPANY_LOGO` or a new stylesheet gives a new key, hence freshly loaded resources (and, in
`render.py`, other keys for the cached draft PDFs).
"""

import base64
import functools
import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template
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
        self.roots = tuple(Path(r).resolve() for r in roots)
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
                data = _file_bytes(path, _stamp(path))
                return URLFetcherResponse(url, data, {"Content-Type": mime})
        raise ValueError(f"Refused to fetch {url[:80]!r}: reports use local resources only.")


def _data_uri_response(url: str) -> URLFetcherResponse:
    header, _sep, payload = url.partition(",")
    mime = header[5:].split(";")[0] or "text/plain"
    body = base64.b64decode(payload) if header.endswith(";base64") else unquote(payload).encode()
    return URLFetcherResponse(url[:64], body, {"Content-Type": mime})


def _stamp(path: Path | None) -> tuple[int, int] | None:
    """(modification time, size) of a file: changes when the file is replaced."""
    try:
        stat = path.stat()
    except (AttributeError, OSError):
        return None
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=16)
def _file_bytes(path: Path, stamp) -> bytes:
    """A local file's bytes (the logo, mostly), read again when its stamp changes."""
    return path.read_bytes()


class RenderImageCache(dict):
    """WeasyPrint's image cache for one render (`render(cache=…)`, keyed by URL and by image
    data slots), over `shared`, the decoded images of local files (`file:` URLs: the logo)
    kept from one render to the next. Report images (`report-image:…`, `data:`) stay in this
    render's dict: the same name holds another report's signature in the next render.
    `shared` belongs to one `_resources()` key, so a replaced logo file is decoded again."""

    def __init__(self, shared: dict):
        super().__init__()
        self.shared = shared

    def __contains__(self, key):
        return super().__contains__(key) or key in self.shared

    def __missing__(self, key):
        return self.shared[key]

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        if isinstance(key, str) and key.startswith("file:"):
            self.shared[key] = value


def _resource_roots(*logos: str) -> list[Path]:
    roots = [Path(d) for d in settings.STATICFILES_DIRS]
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT))
    for logo in (settings.COMPANY.get("logo", ""), *logos):
        path = _logo_path(logo)
        if path and path.parent not in roots:
            roots.append(path.parent)
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


REPORT_TEMPLATE = "interventions/report_pdf.html"


@dataclass(frozen=True)
class Resources:
    fonts: FontConfiguration
    stylesheets: list
    roots: tuple
    images: dict
    version: str


def resources_version(logo: str = "") -> tuple:
    """What the loaded resources depend on: settings and files (see the module docstring).
    `logo` is the snapshot's logo setting (a frozen report keeps the one of its signature)."""
    css = _find(REPORT_CSS)
    template = _template_path()
    return (
        logo,
        settings.COMPANY.get("logo", ""),
        tuple(str(d) for d in settings.STATICFILES_DIRS),
        str(settings.STATIC_ROOT or ""),
        settings.SITE_URL,
        settings.TIME_ZONE,  # dates are printed in local time
        css,
        _stamp(Path(css)) if css else None,
        _stamp(template),
        _stamp(_logo_path(logo)),
    )


def _resources(logo: str = "") -> Resources:
    """The resources for a render, reloaded only when `resources_version` changes (a few
    `stat` calls per render)."""
    return _load(resources_version(logo))


@functools.lru_cache(maxsize=4)
def _load(version: tuple) -> Resources:
    fonts = FontConfiguration()
    roots = _resource_roots(version[0])  # the snapshot's logo
    fetcher = LocalOnlyFetcher(roots)
    stylesheets = [
        CSS(string=BASE_CSS, font_config=fonts, url_fetcher=fetcher),
        CSS(filename=_find(REPORT_CSS), font_config=fonts, url_fetcher=fetcher),
    ]
    digest = hashlib.sha256(repr(version).encode()).hexdigest()[:16]
    return Resources(fonts, stylesheets, tuple(roots), {}, digest)


def _find(name: str) -> str | None:
    return _find_cached(name, tuple(str(d) for d in settings.STATICFILES_DIRS))


@functools.lru_cache(maxsize=8)
def _find_cached(name: str, _dirs: tuple) -> str | None:
    return finders.find(name)


def _template_path() -> Path | None:
    return _template_path_cached(tuple(str(d) for d in settings.TEMPLATES[0]["DIRS"]))


@functools.lru_cache(maxsize=4)
def _template_path_cached(_dirs: tuple) -> Path | None:
    origin = get_template(REPORT_TEMPLATE).origin
    return Path(origin.name) if origin and origin.name else None


def _logo_path(logo: str) -> Path | None:
    """The company logo: an absolute path, or a path inside the static folders; None if no
    such file (checked at each render: a logo put in place later is found)."""
    if not logo:
        return None
    path = Path(logo)
    if not path.is_absolute():
        found = _find(logo)
        path = Path(found) if found else path
    return path.resolve() if path.is_file() else None
