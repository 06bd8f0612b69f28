"""What every page shares: the user's language choice, the error pages, the favicon.

The error pages use the site's layout (base.html) and the language the middleware activated
(the user's, else French), and always offer a way back. The 500 page is rendered without the
request: no context processor, no session, no database, since any of them may be what failed.
"""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .. import people

logger = logging.getLogger(__name__)

# Shown if even the 500 template fails (a missing static file, a broken template).
BARE_500 = (
    '<!DOCTYPE html><html lang="fr"><meta charset="utf-8"><title>Erreur</title>'
    "<h1>Erreur du serveur</h1><p>Réessayez dans un instant. "
    '<a href="/">Retour à l’accueil</a></p></html>'
)


def _safe_next(request, url: str | None) -> str | None:
    """`url` if it is a path of this site (no control character), else None."""
    if (
        url
        and url.startswith("/")
        and url.isprintable()
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return url
    return None


@require_POST
@login_required
def language_set(request):
    """The language menu of the account: stored on the user (every device, every login)."""
    try:
        people.user_language_set(user=request.user, language=request.POST.get("language", ""))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    return HttpResponseRedirect(_safe_next(request, request.POST.get("next")) or reverse("home"))


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def csrf_failure(request, reason=""):
    """A form sent with a stale or missing CSRF token (page open too long, logged out in
    another tab): said plainly, with a link back to the page the form came from."""
    back = _safe_next(request, request.META.get("HTTP_REFERER"))
    logger.warning("CSRF failure on %s: %s", request.path, reason)
    return render(request, "403_csrf.html", {"back_url": back}, status=403)


def server_error(request):
    try:
        body = loader.get_template("500.html").render()
    except Exception:
        logger.exception("The 500 page itself failed")
        body = BARE_500
    return HttpResponseServerError(body)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: the icon under static/."""
    return redirect(static("favicon.ico"), permanent=True)
