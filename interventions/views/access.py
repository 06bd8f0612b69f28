"""Helpers shared by the views of several surfaces: who may reach an intervention, how a
refusal by a service is shown, where the tablet's page is."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import reverse

from .. import roles, selectors
from ..models import Intervention


def assigned_intervention(request, pk: int) -> Intervention:
    """The intervention if it is assigned to the current technician, else 404."""
    return selectors.get_assigned_intervention(request.user, pk)


def signing_intervention(request, pk: int) -> Intervention:
    """A manager reaches any intervention; a technician only one assigned to them (else 404)."""
    if roles.user_role(request.user) == roles.TECHNICIAN:
        return assigned_intervention(request, pk)
    return selectors.get_intervention_for(request.user, pk)


def refused(request, error: Exception) -> None:
    """A change refused by a service, said on top of the next page."""
    if isinstance(error, ValidationError):
        for text in error.messages:
            messages.error(request, text)
    else:
        messages.error(request, str(error))


def add_form_errors(form, error: ValidationError) -> None:
    """A service's refusal shown on the form: on its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def work_url(intervention: Intervention, anchor: str = "") -> str:
    """The tablet's work page of `intervention`, at `anchor`."""
    return reverse("interventions-work", args=[intervention.pk]) + (f"#{anchor}" if anchor else "")


def pdf_response(data: bytes, filename: str, *, as_attachment: bool = False) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "attachment" if as_attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def show_conflict(form, conflict) -> None:
    """A save refused as stale (`EditConflict`): the form keeps what was typed, says whose
    change came first, and now carries the current version, so saving again is a choice."""
    data = form.data.copy()
    data[form.add_prefix("version")] = conflict.version
    form.data = data
    form.add_error(None, conflict)
