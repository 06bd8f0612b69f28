"""Idempotency keys and JSON answers of the tablet's actions replayed after working offline
(docs/offline.md §2).

`replayable(json_view, *roles)` decorates a tablet POST view:

* a request with an `Idempotency-Key` header runs once: a `ReplayedAction` row (unique per
  user and key) is inserted first, in the transaction of the action, and the answer is stored
  in it before the commit; a second request with the key, even sent at the same moment (its
  insert waits on the unique index, then fails), gets the stored answer with
  `Idempotent-Replayed: true` and changes nothing. A 5xx answer or an exception is not
  stored (the transaction rolls back with the key), so the action may be sent again;
* with `X-Offline-Replay: 1`, the request is answered by `json_view` (same form fields, same
  services, JSON answers) instead of the page's view, and the key is required. Without the
  header the page behaves exactly as before. `json_view=None`: an action the tablet does not
  queue offline (handover, guided diagnostic, amendment): a replay is refused (422, not
  stored), a request with a key is still run once.

Keys are kept `settings.OFFLINE_KEY_DAYS` days: the oldest keys of a user are deleted when they
send a new one (and by `manage.py offline_purge_keys`).
"""

import datetime
import json
import re
from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from . import roles as role_names
from .models import ReplayedAction
from .workflow import TransitionError

KEY_RE = re.compile(r"[0-9A-Za-z][0-9A-Za-z_-]{7,63}")


def is_replay(request) -> bool:
    return request.headers.get("X-Offline-Replay") == "1"


def json_error(status: int, message: str, **extra) -> JsonResponse:
    return JsonResponse({"error": str(message), **extra}, status=status)


def json_errors(errors: dict, status: int = 422, **extra) -> JsonResponse:
    """{"errors": {field: [French messages]}} (field "__all__" for the whole action)."""
    return JsonResponse(
        {"errors": {field: [str(m) for m in messages] for field, messages in errors.items()}},
        status=status,
        **extra,
    )


def errors_of(error: ValidationError | TransitionError) -> dict:
    """A refusal as the replay's 422 errors: per field for a form's errors, else under
    `__all__`; a workflow refusal (`TransitionError`) with its message, as the pages show it."""
    if isinstance(error, TransitionError):
        return {"__all__": [str(error)]}
    if hasattr(error, "error_dict"):
        return {field: list(messages) for field, messages in error.message_dict.items()}
    return {"__all__": list(error.messages)}


def login_required_json(request) -> JsonResponse:
    login = redirect_to_login(request.get_full_path())
    return JsonResponse(
        {
            "login_required": True,
            "login_url": login.url,
            "error": _("Your session has ended: log in again to send the changes made offline."),
        },
        status=401,
    )


def _stored_answer(action: ReplayedAction) -> HttpResponse:
    if action.location:
        response = HttpResponseRedirect(action.location)
        response.status_code = action.status
    else:
        response = HttpResponse(
            action.body, status=action.status, content_type=action.content_type or None
        )
    response["Idempotent-Replayed"] = "true"
    return response


class _NotStored(Exception):
    def __init__(self, response):
        self.response = response


def _purge(user) -> None:
    cutoff = timezone.now() - datetime.timedelta(days=settings.OFFLINE_KEY_DAYS)
    ReplayedAction.objects.filter(user=user, created_at__lt=cutoff).delete()


def purge_expired() -> int:
    cutoff = timezone.now() - datetime.timedelta(days=settings.OFFLINE_KEY_DAYS)
    return ReplayedAction.objects.filter(created_at__lt=cutoff).delete()[0]


def run_once(request, key: str, handler, *args, **kwargs) -> HttpResponse:
    """Run `handler` once per (user, key); see the module's docstring."""
    path = request.path
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    action = ReplayedAction.objects.create(
                        user=request.user, key=key, method=request.method, path=path
                    )
            except IntegrityError:
                action = None
            if action is not None:
                response = handler(request, *args, **kwargs)
                if response.status_code >= 500 or getattr(response, "not_stored", False):
                    raise _NotStored(response)
                action.status = response.status_code
                if isinstance(response, HttpResponseRedirect) or response.has_header("Location"):
                    action.location = response["Location"][:300]
                else:
                    action.content_type = response.get("Content-Type", "")[:100]
                    action.body = response.content.decode("utf-8", "replace")
                action.created_ids = getattr(response, "created_ids", {}) or {}
                action.save()
                _purge(request.user)
                return response
    except _NotStored as not_stored:
        return not_stored.response
    earlier = ReplayedAction.objects.get(user=request.user, key=key)
    if earlier.path != path or earlier.method != request.method:
        return json_errors(
            {
                "__all__": [
                    _(
                        "This idempotency key was already used for another action "
                        "(%(path)s): give each action its own key."
                    )
                    % {"path": earlier.path}
                ]
            }
        )
    return _stored_answer(earlier)


def replayable(json_view, *roles: str):
    """Decorator of a tablet POST view: idempotency keys, and `json_view` answering the
    replays (`X-Offline-Replay: 1`) for users of `roles` (default: technicians)."""
    roles = roles or (role_names.TECHNICIAN,)

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            replay = is_replay(request)
            key = request.headers.get("Idempotency-Key", "").strip()
            if request.method != "POST" or not (replay or key):
                return view(request, *args, **kwargs)
            if not request.user.is_authenticated:
                return login_required_json(request) if replay else view(request, *args, **kwargs)
            if not KEY_RE.fullmatch(key):
                return json_errors(
                    {
                        "__all__": [
                            _("Each change sent from the tablet needs its idempotency key.")
                            if not key
                            else _("The idempotency key is not valid (expected a UUID).")
                        ]
                    }
                )
            if not replay:
                return run_once(request, key, view, *args, **kwargs)
            if json_view is None:
                return json_errors(
                    {
                        "__all__": [
                            _("This action is not kept offline: do it again with the network.")
                        ]
                    }
                )
            if not role_names.has_role(request.user, *roles):
                return json_error(403, _("Your role does not allow this action."))
            try:
                return run_once(request, key, json_view, *args, **kwargs)
            except Http404:
                return json_error(
                    404,
                    _("This intervention, visit or part line is not among yours any more."),
                )
            except PermissionDenied:
                return json_error(403, _("You cannot change this intervention."))

        return wrapper

    return decorator


def created_id(request, kind: str) -> int | None:
    """The id of the object (`kind`: "visit", "part_line") created by the action whose key
    is posted as `created_by_key` (an object created offline, docs/offline.md §2)."""
    key = (request.POST.get("created_by_key") or "").strip()
    if not key:
        return None
    if not KEY_RE.fullmatch(key):
        raise Http404
    created = (
        ReplayedAction.objects.filter(user=request.user, key=key)
        .values_list("created_ids", flat=True)
        .first()
    )
    if not created or kind not in created:
        raise Http404
    return int(created[kind])


def ok(intervention, *, created: dict | None = None, **extra) -> JsonResponse:
    """200 {"ok": true, "versions": ..., extra}; `created` ({"visit": id}) is stored with the
    key so that a later action refers to it by the key."""
    from .offline import versions

    intervention.refresh_from_db(fields=["texts_version", "parts_version", "assignment_version"])
    response = JsonResponse({"ok": True, "versions": versions(intervention), **extra})
    response.created_ids = created or {}
    return response


def conflict(
    *, field: str, yours, theirs, by: str, at: str, message: str, version=None, intervention=None
) -> JsonResponse:
    from .offline import versions

    body = {
        "conflict": {
            "field": field,
            "yours": yours,
            "theirs": theirs,
            "by": by,
            "at": at,
            "message": str(message),
            "version": version,
        }
    }
    if intervention is not None:
        intervention.refresh_from_db(
            fields=["texts_version", "parts_version", "assignment_version"]
        )
        body["versions"] = versions(intervention)
    return JsonResponse(json.loads(json.dumps(body, default=str)), status=409)
