from django import template

from interventions import billing
from interventions.people import display_name
from interventions.sla import deadline_state

register = template.Library()


@register.filter
def person(user, empty="—"):
    """A user's display name (`people.display_name`); `empty` when there is nobody."""
    return display_name(user, empty)


@register.inclusion_tag("interventions/_deadline_badge.html")
def deadline_badge(intervention):
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


@register.filter
def money(value):
    """An amount with its two decimals, thousands grouped: "1 234,50", "0,00"."""
    return billing.money_display(value)


@register.filter
def flag_state(flag, billed):
    """ "facturé" / "facturée" / "facturées" agreeing with the billing item (`flag`)."""
    return billing.flag_state(flag, bool(billed))


@register.filter
def flag_decision(flag, billed):
    """The billing item and its state: "Main-d'œuvre — facturée"."""
    return billing.flag_decision(flag, bool(billed))
