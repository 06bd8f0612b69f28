from django import template
from django.utils.translation import gettext, pgettext

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


@register.simple_tag
def colon():
    """The colon after a label, as the active language writes it: "Likely cause: " in
    English, "Cause probable : " (a non-breaking space before it) in French."""
    return pgettext("punctuation after a label", ":")


@register.filter
def duration(delta):
    """A timedelta as '1 d 20 h' / '2 h 05 min' / '5 min' in English, '1 j 20 h' / '2 h 05' /
    '5 min' in French (absolute value; the badge says whether it is late)."""
    if delta is None:
        return ""
    minutes = int(abs(delta.total_seconds()) // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        days, hours = divmod(hours, 24)
        return gettext("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return gettext("%(hours)s h %(minutes)s min") % {
            "hours": hours,
            "minutes": f"{minutes:02d}",
        }
    return gettext("%(minutes)s min") % {"minutes": minutes}


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
