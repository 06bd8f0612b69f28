"""The installable tablet app: its web app manifest and its service worker (README, « Tablette
hors ligne : installation et usage »).

Both are served from the site root: a service worker only controls the pages under the folder
it is served from, and the technician's pages live under /interventions/ and /procedures/, not
under /static/. The worker's code is the static file static/js/offline-sw.js, preceded by one
line of settings (the static files to keep, under their hashed names once `collectstatic` has
run, and how many days the cached jobs last): a new release changes that line, so browsers
install the new worker.
"""

import hashlib
import json

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

SERVICE_WORKER = "js/offline-sw.js"
# Kept by the worker at installation: every page of the tablet uses them.
APP_SHELL_STATIC = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/htmx/htmx.min.js",
    "vendor/signature_pad/signature_pad.umd.min.js",
    "css/app.css",
    "css/tablet.css",
    "css/procedures.css",
    "js/site.js",
    "js/report-autosave.js",
    "js/signature-field.js",
    "js/offline-store.js",
    "js/offline-queue.js",
    "js/offline-sign.js",
    "js/offline-work.js",
    "icons/app-192.png",
    "icons/app-512.png",
    "favicon.svg",
)


def offline_cache_days() -> int:
    """How long the tablet keeps the technician's cached jobs (the server's setting)."""
    return int(getattr(settings, "OFFLINE_DAYS", 7))


def _worker_source() -> bytes:
    """The worker's source: the project's own file first (the finders), so that a `STATIC_ROOT`
    left by an earlier `collectstatic` never serves an old worker; the collected copy only where
    the sources are not deployed."""
    path = finders.find(SERVICE_WORKER)
    if path:
        with open(path, "rb") as handle:
            return handle.read()
    with staticfiles_storage.open(SERVICE_WORKER) as handle:
        return handle.read()


def _bundle_url() -> str:
    try:
        return reverse("interventions-offline")
    except NoReverseMatch:  # the server side of the offline mode is not installed
        return ""


@require_GET
def service_worker(request):
    config = {
        "static": [static(name) for name in APP_SHELL_STATIC],
        "bundle": _bundle_url(),
        "mine": reverse("interventions-mine"),
        "cacheDays": offline_cache_days(),
    }
    head = f"self.OFFLINE_CONFIG = {json.dumps(config, sort_keys=True)};\n".encode()
    source = _worker_source()
    body = (
        head
        + b"self.OFFLINE_VERSION = "
        + json.dumps(hashlib.sha256(head + source).hexdigest()[:16]).encode()
        + b";\n"
        + source
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    # Browsers check for a new worker at every visit; never serve them a stale one.
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def manifest(request):
    data = {
        "name": _("Intervention reports"),
        "short_name": _("Interventions"),
        "description": _("The technician's interventions, on site, with or without network."),
        "lang": getattr(request, "LANGUAGE_CODE", "fr"),
        "start_url": reverse("interventions-mine"),
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "icons": [
            {"src": static("icons/app-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/app-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/app-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    return response
