"""The tablet's offline data (docs/offline.md §1): the bundle of the technician's jobs to
cache, and a fresh CSRF token for replaying the queue after the browser restarted."""

from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .. import offline, roles
from ..idempotency import json_error, login_required_json
from ..roles import role_required


@require_GET
@never_cache
def offline_bundle(request):
    if not request.user.is_authenticated and request.headers.get("X-Offline-Replay") == "1":
        return login_required_json(request)
    return _offline_bundle(request)


@role_required(roles.TECHNICIAN)
def _offline_bundle(request):
    bundle = offline.offline_bundle(request.user)
    bundle["csrf_token"] = get_token(request)
    return JsonResponse(bundle)


@require_GET
@never_cache
def offline_csrf(request):
    """A token valid with the browser's CSRF cookie now (login rotates it: the token of a page
    cached before is dead)."""
    if not request.user.is_authenticated:
        return login_required_json(request)
    if not roles.has_role(request.user, roles.TECHNICIAN):
        return json_error(403, _("Your role does not allow this action."))
    return JsonResponse({"csrf_token": get_token(request)})
