"""Errors of the API, in the user's language: a service's refusal becomes a status code.

* a `ValidationError` of a service or a form: 400, `{field: [messages]}` (`non_field_errors`
  for the whole request), the messages of the page;
* `ReportLocked` (signed, billed, cancelled, awaiting signatures): 423 Locked;
* `EditConflict` (read at an older version): 409 with the other person's values (`theirs`),
  who and when, and the current `version` to send again;
* `TransitionError` (the workflow refuses): 409;
* a body that is not JSON: 400 on `non_field_errors`; a 404 says DRF's translated "Not found".
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.response import Response
from rest_framework.views import exception_handler

from ..conflicts import EditConflict
from ..guards import ReportLocked
from ..people import display_name
from ..workflow import TransitionError

NON_FIELD = "non_field_errors"


def validation_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            (NON_FIELD if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {NON_FIELD: error.messages}


def form_errors(form) -> dict[str, list[str]]:
    """A Django form's errors as the API says them (the page's French messages)."""
    return {
        (NON_FIELD if field == "__all__" else field): [str(m) for m in messages]
        for field, messages in form.errors.items()
    }


def conflict_body(conflict: EditConflict) -> dict:
    return {
        "detail": conflict.messages[0],
        "code": "conflict",
        "theirs": conflict.theirs,
        "by": display_name(conflict.by) if conflict.by else conflict.by_name,
        "at": conflict.at,
        "version": conflict.version,
    }


def api_exception_handler(exc, context):
    if isinstance(exc, EditConflict):
        return Response(conflict_body(exc), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ReportLocked):
        return Response(
            {"detail": " ".join(exc.messages), "code": "locked"}, status=status.HTTP_423_LOCKED
        )
    if isinstance(exc, DjangoValidationError):
        return Response(validation_errors(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, TransitionError):
        return Response({"detail": str(exc), "code": "transition"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, exceptions.ParseError):
        # By field, as every 400 of the API, and in the user's language (DRF's is English).
        return Response(
            {NON_FIELD: [_("The request's body is not valid JSON.")]},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, Http404):
        # get_object_or_404's text names the model, in English: DRF's own, translated.
        exc = exceptions.NotFound()
    return exception_handler(exc, context)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
def not_found(request, *args, **kwargs):
    raise exceptions.NotFound()
