"""What every API view shares: the language of the answer, and the documented errors."""

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header
from drf_spectacular.utils import OpenApiResponse

from ..people import user_language
from .serializers import ConflictSerializer, ErrorSerializer

# An id in a URL: digits, at most a bigint's 18 (anything else: the JSON 404 of `api/urls.py`).
ID = r"[0-9]{1,18}"


def accept_language(request) -> str | None:
    """The first language of the Accept-Language header the site speaks, else None."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    if not header or len(header) > 255:
        return None
    for code, _quality in parse_accept_lang_header(header):
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None


# An API client says its language with Accept-Language (the pages never read it: a tablet set
# to English must not override the user's choice, README « Langue »); without the header, the
# user's stored language, else French. Active before authentication, so that a 401 is in the
# asked language too. (A comment, not a docstring: drf-spectacular would print it on every
# operation.)
class ApiLanguageMixin:
    def initial(self, request, *args, **kwargs):
        asked = accept_language(request)
        translation.activate(asked or settings.LANGUAGE_CODE)
        super().initial(request, *args, **kwargs)
        if asked is None:
            translation.activate(user_language(request.user))
        request.LANGUAGE_CODE = translation.get_language()


def _error(description: str, serializer=ErrorSerializer) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description)


VALIDATION = OpenApiResponse(
    {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    description="The request's errors, by field (non_field_errors: the whole request).",
)
UNAUTHENTICATED = _error("No valid token nor session.")
FORBIDDEN = _error("The user's role may not do this.")
NOT_FOUND = _error("Not found, or not visible to this user.")
LOCKED = _error("The intervention is signed, billed, cancelled or awaiting signatures.")
CONFLICT = _error("Read at an older version: the other person's change.", ConflictSerializer)
NOT_ACCEPTABLE = _error("The Accept header asks for a format the API does not serve.")
UNSUPPORTED = _error("The body is not JSON (Content-Type: application/json).")


def errors(*codes: int, body: bool = False) -> dict:
    """The documented error answers of an operation: 401, 403 and 406 always; with a `body`,
    400 and 415 too."""
    if body:
        codes = (400, 415, *codes)
    table = {
        400: VALIDATION,
        401: UNAUTHENTICATED,
        403: FORBIDDEN,
        404: NOT_FOUND,
        406: NOT_ACCEPTABLE,
        409: CONFLICT,
        415: UNSUPPORTED,
        423: LOCKED,
    }
    return {code: table[code] for code in sorted({401, 403, 406, *codes})}
