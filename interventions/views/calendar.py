"""« Mon agenda »: the technician's private calendar address, and the feed itself
(interventions/calendar.py; README, « Agenda (iCalendar) »)."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import roles
from ..calendar import build_calendar, calendar_feed_regenerate, feed_for_token
from ..models import CalendarFeed
from ..roles import role_required


@require_GET
@role_required(roles.TECHNICIAN)
def calendar_page(request):
    feed = CalendarFeed.objects.filter(user=request.user).first()
    url = (
        request.build_absolute_uri(reverse("interventions-calendar-feed", args=[feed.token]))
        if feed
        else ""
    )
    webcal = "webcal://" + url.split("://", 1)[1] if url else ""
    return render(
        request, "interventions/calendar.html", {"feed": feed, "feed_url": url, "webcal": webcal}
    )


@require_POST
@role_required(roles.TECHNICIAN)
def calendar_regenerate(request):
    existed = CalendarFeed.objects.filter(user=request.user).exists()
    calendar_feed_regenerate(user=request.user)
    if existed:
        messages.success(
            request, _("New address created: the previous one no longer works. Subscribe again.")
        )
    else:
        messages.success(request, _("Your calendar address is ready."))
    return redirect("interventions-calendar")


@require_GET
def calendar_feed(request, token: str):
    """No login (phones cannot log in): the token is the credential; unknown → 404."""
    feed = feed_for_token(token)
    if feed is None:
        raise Http404
    body = build_calendar(
        feed.user,
        base_url=f"{request.scheme}://{request.get_host()}",
        host=request.get_host().split(":")[0],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="interventions.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
