"""Login throttling with django-axes: who is locked out, and how a manager unlocks them.

Settings (config/settings.py, README « Connexion »): 5 failures for one username from one IP
address lock that pair for 15 minutes; a success resets the count. Another user on the same
tablet, or the same user from another address, can still log in.
"""

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' check, for logins that come with a request (the login page, any form
    built on Django's AuthenticationForm). A call without one (`Client.login` in tests, a
    management command) has no IP address to throttle on, and is left to the next backend."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def attempted_username(request, credentials=None) -> str | None:
    """The username django-axes records a failure under (AXES_USERNAME_CALLABLE): as typed,
    cut to its 255-character column (a longer one is no user's, and made the save fail)."""
    data = credentials or getattr(request, "data", request.POST)
    username = data.get(settings.AXES_USERNAME_FORM_FIELD)
    return username[:255] if isinstance(username, str) else username


def locked_attempts() -> QuerySet[AccessAttempt]:
    """The username + IP pairs locked out now: the failure limit reached within the cool-off."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).order_by("-attempt_time")


def lockout_release(*, attempt: AccessAttempt, actor) -> None:
    """A manager unlocks one username + IP pair: its failures are forgotten at once."""
    with transaction.atomic():
        AccessAttempt.objects.filter(
            username=attempt.username, ip_address=attempt.ip_address
        ).delete()
