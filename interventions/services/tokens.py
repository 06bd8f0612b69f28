"""The REST API's token of a user (DRF's authtoken: one per user)."""

from django.db import transaction
from rest_framework.authtoken.models import Token


def api_token_regenerate(*, user) -> Token:
    """A new token for `user`: the previous one (if any) stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)
