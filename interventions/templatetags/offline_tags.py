from django import template

from ..views.tablet_app import offline_cache_days as _offline_cache_days

register = template.Library()


@register.simple_tag
def offline_cache_days() -> int:
    """How many days the tablet keeps the cached jobs (README, « Tablette hors ligne »)."""
    return _offline_cache_days()
