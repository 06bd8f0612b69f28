"""A database outage answers a French 503 page, not a 500 with a traceback."""

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader

DATABASE_ERRORS = (OperationalError, InterfaceError)

# Shown if even the 503 template fails.
BARE_503 = (
    '<!DOCTYPE html><html lang="fr"><meta charset="utf-8"><title>Indisponible</title>'
    "<h1>Service momentanément indisponible</h1><p>La base de données ne répond pas. "
    "Réessayez dans une minute.</p></html>"
)


def database_unavailable_response() -> HttpResponse:
    """The 503 page, rendered without the request (no context processor, no session, no
    query: the database is what failed), asking the browser to retry in a minute."""
    try:
        body = loader.get_template("503.html").render()
    except Exception:
        body = BARE_503
    response = HttpResponse(body, status=503)
    response["Retry-After"] = "60"
    return response


class DatabaseUnavailableMiddleware:
    """A view that meets OperationalError/InterfaceError (server down, connection killed,
    too many connections) answers 503. What fails in another middleware (the session, the
    user) reaches `handler500`, which answers the same page (`views.site.server_error`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            # Django logs the 503 itself, as one line ("Service Unavailable: /path").
            return database_unavailable_response()
        return None
