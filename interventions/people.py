"""A person: how they are named everywhere (events, forms, the report snapshot, the PDF, the
history), and the language they chose for the interface."""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .models import UserPreference


def display_name(user, empty: str = "") -> str:
    """Full name, else login; `empty` when there is nobody."""
    if user is None:
        return empty
    return user.get_full_name() or user.get_username()


def person_data(user, side: str) -> dict:
    """What an event stores about the person on `side` ("from" or "to") of a move: the login
    (as before), the id (to show the current name) and the name at the time (if the user goes)."""
    if user is None:
        return {side: None, f"{side}_id": None, f"{side}_name": None}
    return {side: user.get_username(), f"{side}_id": user.pk, f"{side}_name": display_name(user)}


def user_language(user) -> str:
    """The interface language the user chose, else French (`settings.LANGUAGE_CODE`).

    Never the browser's: a tablet set to English still gets French until its user chooses.
    Costs no query when the user was loaded by `language.PreferenceBackend`."""
    if user is None or not user.is_authenticated:
        return settings.LANGUAGE_CODE
    try:
        preference = user.preference
    except ObjectDoesNotExist:
        return settings.LANGUAGE_CODE
    return preference.language


def user_language_set(*, user, language: str):
    """Keep `language` on the user: it follows them to every device and every login."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Unknown language."), code="invalid")
    with transaction.atomic():
        preference, _created = UserPreference.objects.update_or_create(
            user=user, defaults={"language": language}
        )
    user.preference = preference
    return preference
