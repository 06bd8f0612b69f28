from django import template

register = template.Library()


@register.filter
def person(user, empty="—"):
    """A user's full name, else their login; `empty` when there is nobody."""
    if user is None:
        return empty
    return user.get_full_name() or user.get_username()


@register.inclusion_tag("interventions/_deadline_badge.html")
def deadline_badge(intervention):
    from interventions.sla import deadline_state

    return {"d": deadline_state(intervention)}


@register.filter
def duration(delta):
    """A timedelta as '2 h 05' (absolute value; the badge says whether it is late)."""
    if delta is None:
        return ""
    minutes = int(abs(delta.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return f"{days} j {hours} h"
    return f"{hours} h {minutes:02d}" if hours else f"{minutes} min"
