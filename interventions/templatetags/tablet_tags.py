import datetime

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def iso_local(value: str | None) -> datetime.datetime | None:
    """An ISO datetime of a report snapshot, in local time (for the `date` filter)."""
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        return None
    return timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
