"""Signing on the tablet: the technician, then the customer, sign what the page shows; later
the customer signs an amendment (on the tablet, or with a manager)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import roles, selectors, services, tablet_forms
from ..billing import flag_label
from ..billing_forms import AmendmentSignatureForm
from ..guards import ReportLocked, ensure_editable
from ..idempotency import replayable
from ..models import Intervention
from ..roles import role_required
from ..services import amendments
from ..workflow import TransitionError
from . import replay
from .access import (
    add_form_errors,
    assigned_intervention,
    refused,
    signing_intervention,
    work_url,
)


def _sign_context(intervention: Intervention, **extra) -> dict:
    signature = selectors.technician_signature(intervention)
    content, shown_sha256 = services.report_content(intervention)
    stale = signature is not None and signature.content_sha256 != shown_sha256
    if stale:
        # Signed on content that has changed since: the technician signs what is shown now.
        signature = None
    context = {
        "intervention": intervention,
        "r": content,
        "shown_sha256": shown_sha256,
        "technician_signature": signature,
        "technician_signature_stale": stale,
    }
    if signature is None:
        context.setdefault("technician_form", tablet_forms.TechnicianSignatureForm())
    else:
        context.setdefault(
            "customer_form",
            tablet_forms.CustomerSignatureForm(
                initial={"signatory_email": selectors.signatory_email_guess(intervention)}
            ),
        )
    context.update(extra)
    return context


def _not_open_for_signature(request, intervention: Intervention):
    """Checked before the posted images are read (a bomb costs nothing on a closed job): a
    locked job goes back to its page, saying why, an unfinished one to its last step; else
    None."""
    if intervention.is_locked:
        try:
            ensure_editable(intervention)
        except ReportLocked as error:
            refused(request, error)
        return redirect(work_url(intervention))
    if not selectors.intervention_state(intervention).awaiting_signature:
        messages.error(request, _("Finish the report before signing it."))
        return redirect(work_url(intervention, "finish"))
    return None


def _sign_again(request, intervention: Intervention, error: ValidationError):
    """The report changed after it was shown: nothing was signed; the page is shown again
    with the current content."""
    refused(request, error)
    return redirect("interventions-sign", pk=intervention.pk)


@role_required(roles.TECHNICIAN)
def intervention_sign(request, pk: int):
    intervention = assigned_intervention(request, pk)
    if closed := _not_open_for_signature(request, intervention):
        return closed
    return render(request, "interventions/intervention_sign.html", _sign_context(intervention))


@replayable(replay.sign_technician)
@require_POST
@role_required(roles.TECHNICIAN)
def sign_technician(request, pk: int):
    intervention = assigned_intervention(request, pk)
    if closed := _not_open_for_signature(request, intervention):
        return closed
    form = tablet_forms.TechnicianSignatureForm(request.POST)
    if form.is_valid():
        try:
            services.report_sign_technician(
                intervention=intervention,
                actor=request.user,
                image=form.cleaned_data["signature"],
                shown_sha256=form.cleaned_data["shown_sha256"],
            )
            return redirect("interventions-sign", pk=intervention.pk)
        except services.ReportChanged as error:
            return _sign_again(request, intervention, error)
        except ValidationError as error:
            if (
                intervention.is_locked
                or not selectors.intervention_state(intervention).awaiting_signature
            ):
                refused(request, error)
                return redirect(work_url(intervention))
            form.add_error(None, error)
    return render(
        request,
        "interventions/intervention_sign.html",
        _sign_context(intervention, technician_form=form),
        status=400,
    )


@replayable(replay.sign_customer)
@require_POST
@role_required(roles.TECHNICIAN)
def sign_customer(request, pk: int):
    intervention = assigned_intervention(request, pk)
    if closed := _not_open_for_signature(request, intervention):
        return closed
    form = tablet_forms.CustomerSignatureForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.report_sign_customer(
                intervention=intervention,
                actor=request.user,
                signatory_name=form.cleaned_data["signatory_name"],
                image=form.cleaned_data["signature"],
                stamp=form.cleaned_data["stamp"],
                shown_sha256=form.cleaned_data["shown_sha256"],
                signatory_email=form.cleaned_data["signatory_email"],
            )
            messages.success(request, _("Report signed. The PDF is stored."))
            return redirect(work_url(intervention))
        except services.ReportChanged as error:
            return _sign_again(request, intervention, error)
        except (ValidationError, TransitionError) as error:
            intervention.refresh_from_db()
            if not selectors.intervention_state(intervention).awaiting_signature:
                refused(request, error)
                return redirect(work_url(intervention))
            add_form_errors(form, error)
    return render(
        request,
        "interventions/intervention_sign.html",
        _sign_context(intervention, customer_form=form),
        status=400,
    )


@replayable(None, roles.TECHNICIAN, roles.MANAGER)
@role_required(roles.TECHNICIAN, roles.MANAGER)
def amendment_sign(request, pk: int):
    """The customer signs the pending amendment: on the technician's tablet, or later with a
    manager. The page shows what changes and why before the signature."""
    intervention = signing_intervention(request, pk)
    on_tablet = roles.user_role(request.user) == roles.TECHNICIAN
    back = work_url(intervention) if on_tablet else reverse("interventions-detail", args=[pk])
    amendment = selectors.pending_amendment(intervention)
    if amendment is None:
        messages.info(request, _("No amendment is awaiting the customer's signature."))
        return redirect(back)
    form = AmendmentSignatureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            amendments.amendment_sign(
                amendment=amendment,
                actor=request.user,
                signatory_name=form.cleaned_data["signatory_name"],
                image=form.cleaned_data["signature"],
            )
        except ValidationError as error:
            add_form_errors(form, error)
        else:
            messages.success(
                request,
                _("Amendment no. %(version)s signed. Its PDF is stored.")
                % {"version": amendment.version},
            )
            return redirect(back)
    return render(
        request,
        "interventions/amendment_sign.html",
        {
            "intervention": intervention,
            "amendment": amendment,
            "changes": [
                (flag_label(flag), change["from"], change["to"])
                for flag, change in amendment.changes.items()
            ],
            "base": selectors.latest_signed_version(intervention),
            "form": form,
            "back": back,
        },
        status=400 if request.method == "POST" else 200,
    )
