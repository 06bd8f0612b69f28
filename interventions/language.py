"""Which language a request is served in: French, unless the user chose English.

Replaces Django's LocaleMiddleware, which lets the browser's Accept-Language (and a language
cookie) decide: a tablet set to English then showed an English interface to a French
technician. Here the choice is the user's, kept on the user (`people.user_language_set`), so
it follows them to every device and survives logging out and in. Nobody logged in: French.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.utils import translation

from .people import user_language


class UserLanguageMiddleware:
    """Activates the user's stored language, else French. Placed after AuthenticationMiddleware.

    French is activated first, so that a failure while reading the user (database down) still
    shows the error page in French."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(settings.LANGUAGE_CODE)
        language = user_language(getattr(request, "user", None))
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class PreferenceBackend(ModelBackend):
    """Django's ModelBackend, loading the user's preference in the same query as the user:
    the middleware reads the language on every request without one more query."""

    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("preference").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def public_language(view):
    """For a public page (the verify page the printed QR code leads to): `?lang=en` or
    `?lang=fr` chooses the language of this page only; without it, the reader's language
    (French for a visitor who is not logged in)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        wanted = request.GET.get("lang")
        if wanted in dict(settings.LANGUAGES):
            # Activated, not overridden: a 404 raised by the view is shown in it too.
            translation.activate(wanted)
            request.LANGUAGE_CODE = wanted
        return view(request, *args, **kwargs)

    return wrapper
