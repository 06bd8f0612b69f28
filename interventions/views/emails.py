"""The e-mails the application sends in the background: the manager's list (state, attempts,
reason), « Renvoyer », and « Renvoyer le rapport » from an intervention's page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import roles, selectors, services
from ..email_forms import EmailFilterForm
from ..models import OutgoingEmail
from ..roles import role_required
from .access import refused

EMAILS_PAGE_SIZE = 50


@role_required(roles.MANAGER)
def email_list(request):
    form = EmailFilterForm(request.GET or None)
    emails = selectors.outgoing_emails(**(form.cleaned_data if form.is_valid() else {}))
    page = Paginator(emails, EMAILS_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.outgoing_email_counts()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "interventions/outgoingemail_list.html",
        {
            "form": form,
            "page": page,
            "state_options": [
                (value, label, counts.get(value, 0))
                for value, label in form.fields["state"].choices
            ],
            "query": query.urlencode(),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_POST
@role_required(roles.MANAGER)
def email_resend(request, pk: int):
    email = get_object_or_404(OutgoingEmail, pk=pk)
    try:
        services.email_resend(email=email, actor=request.user)
    except ValidationError as error:
        refused(request, error)
    else:
        messages.success(request, _("The e-mail is queued to be sent again."))
    return redirect(reverse("interventions-emails") + _back_query(request))


def _back_query(request) -> str:
    """The list's filters the button was pressed under (only the form's own fields)."""
    form = EmailFilterForm(request.POST)
    if not form.is_valid():
        return ""
    kept = {k: v for k, v in form.cleaned_data.items() if v}
    if "intervention" in kept:
        kept["intervention"] = kept["intervention"].pk
    return "?" + urlencode(kept) if kept else ""


@require_POST
@role_required(roles.DISPATCHER, roles.MANAGER)
def report_resend(request, pk: int):
    """« Renvoyer le rapport »: the signed PDF e-mailed again (a new send to every address)."""
    intervention = selectors.get_intervention_for(request.user, pk)
    try:
        services.report_email_queue(intervention=intervention, actor=request.user)
    except ValidationError as error:
        refused(request, error)
    else:
        messages.success(request, _("The signed report is queued to be e-mailed again."))
    return redirect("interventions-detail", pk=intervention.pk)
