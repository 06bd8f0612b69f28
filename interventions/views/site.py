"""What every page shares: the user's language choice, the error pages, the favicon.

The error pages use the site's layout (base.html) and the language the middleware activated
(the user's, else French), and always offer a way back. The 500 page is rendered without the
request: no context processor, no session, no database, since any of them may be what failed.
"""

import logging
import sys

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.middleware import DATABASE_ERRORS, database_unavailable_response

from .. import lockouts, people, roles
from ..roles import role_required

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


def _safe_referer(request, url: str | None) -> str | None:
    """The Referer (an absolute URL) if it is a page of this site, else None."""
    if (
        url
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
    back = _safe_referer(request, request.META.get("HTTP_REFERER"))
    logger.warning("CSRF failure on %s: %s", request.path, reason)
    if request.headers.get("X-Offline-Replay") == "1":
        # A queued action replayed with a dead token (docs/offline.md): nothing ran.
        return JsonResponse(
            {
                "csrf": True,
                "error": _(
                    "The security token of the tablet is out of date: fetch a new one and "
                    "send again."
                ),
            },
            status=403,
        )
    return render(request, "403_csrf.html", {"back_url": back}, status=403)


def server_error(request):
    # Called inside Django's `except`: a database outage met outside a view (the session, the
    # user in a middleware) gets the 503 page too.
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable_response()
    try:
        body = loader.get_template("500.html").render()
    except Exception:
        logger.exception("The 500 page itself failed")
        body = BARE_500
    return HttpResponseServerError(body)


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: the icon under static/."""
    return redirect(static("favicon.ico"), permanent=True)


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout answer (AXES_LOCKOUT_CALLABLE): the login page again, with the
    typed username and a French message, as 429 Too Many Requests."""
    form = AuthenticationForm(request, data=request.POST or None)
    form.is_bound = False  # shown, not validated again
    form.initial = {"username": request.POST.get("username", "")}
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many login attempts for this username from this device. Try again in "
        "%(minutes)s minutes, or ask a manager to unlock the account."
    ) % {"minutes": minutes}
    return render(
        request,
        "registration/login.html",
        {"form": form, "lockout_message": message, "next": request.POST.get("next", "")},
        status=429,
    )


@role_required(roles.MANAGER)
def login_lockouts(request):
    """The manager's list of locked logins, each with an « Unlock » button."""
    return render(
        request,
        "interventions/login_lockouts.html",
        {
            "attempts": lockouts.locked_attempts(),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
    )


@require_POST
@role_required(roles.MANAGER)
def login_unlock(request):
    pk = request.POST.get("attempt", "")
    attempt = get_object_or_404(AccessAttempt, pk=int(pk) if pk.isdigit() else 0)
    lockouts.lockout_release(attempt=attempt, actor=request.user)
    text = _("%(username)s is unlocked: they can log in again.")
    messages.success(request, text % {"username": attempt.username})
    return redirect("interventions-login-lockouts")
