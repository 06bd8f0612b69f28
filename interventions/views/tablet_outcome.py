"""The technician ends the work on the tablet: resolve, follow-up, another request of the
customer, handover to a colleague, out-of-conditions observation, submit for signature, reopen.
Same rules as `tablet`: assigned intervention only, one service call per view."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import roles, selectors, services, tablet_forms
from ..billing_forms import OutOfConditionsForm
from ..forms import HandoverForm
from ..idempotency import replayable
from ..people import display_name
from ..roles import role_required
from ..workflow import TransitionError
from . import replay
from .access import add_form_errors, assigned_intervention, refused, show_conflict, work_url
from .detail import render_detail_with_errors
from .tablet import render_work


def _work_text_form(request, intervention, form, *, form_key: str, field: str, anchor: str, act):
    """A one-text form of the tablet page (`form_key` in its context): `act(text)` calls the
    service and returns the success message. An invalid form, or a refusal by the service,
    shows the work page again with the error on the field and what was typed."""
    if form.is_valid():
        try:
            messages.success(request, act(form.cleaned_data[field]))
            return redirect(work_url(intervention, anchor))
        except ValidationError as error:
            intervention.refresh_from_db()
            if not intervention.report_open:
                refused(request, error)  # the page no longer shows the form: say it on top
                return redirect(work_url(intervention))
            for text in error.messages:
                form.add_error(field, text)
    return render_work(request, intervention, status=400, **{form_key: form})


@replayable(replay.other_request)
@require_POST
@role_required(roles.TECHNICIAN)
def work_additional_request(request, pk: int):
    intervention = assigned_intervention(request, pk)

    def act(text):
        child = services.intervention_additional_request(
            intervention=intervention, actor=request.user, object=text
        )
        return _("Intervention %(number)s created for the dispatcher.") % {"number": child.number}

    form = tablet_forms.AdditionalRequestForm(request.POST)
    return _work_text_form(
        request,
        intervention,
        form,
        form_key="additional_form",
        field="object",
        anchor="other",
        act=act,
    )


@replayable(replay.resolve)
@require_POST
@role_required(roles.TECHNICIAN)
def work_resolve(request, pk: int):
    intervention = assigned_intervention(request, pk)
    try:
        services.intervention_resolve(intervention=intervention, actor=request.user)
        messages.success(request, _("Marked as resolved."))
    except ValidationError as error:
        refused(request, error)
    return redirect(work_url(intervention, "outcome"))


@replayable(replay.follow_up)
@require_POST
@role_required(roles.TECHNICIAN)
def work_follow_up(request, pk: int):
    intervention = assigned_intervention(request, pk)

    def act(text):
        child = services.intervention_follow_up(
            intervention=intervention, actor=request.user, reason=text
        )
        return _("Follow-up intervention %(number)s opened.") % {"number": child.number}

    form = tablet_forms.FollowUpForm(request.POST)
    return _work_text_form(
        request,
        intervention,
        form,
        form_key="follow_up_form",
        field="reason",
        anchor="outcome",
        act=act,
    )


@replayable(None)
@role_required(roles.TECHNICIAN)
def work_handover(request, pk: int):
    """The tablet's page for `services.intervention_handover`: the same form and partial as the
    detail page (`dispatch.intervention_handover_view`); back to the technician's list after."""
    intervention = assigned_intervention(request, pk)
    form = HandoverForm(request.POST or None, intervention=intervention)
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_handover(
                intervention=intervention,
                to_technician=form.cleaned_data["to_technician"],
                actor=request.user,
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
            messages.success(
                request,
                _("Intervention %(number)s handed over to %(name)s.")
                % {
                    "number": intervention.number,
                    "name": display_name(form.cleaned_data["to_technician"]),
                },
            )
            return redirect("interventions-mine")
        except services.EditConflict as conflict:
            show_conflict(form, conflict)
        except ValidationError as error:
            add_form_errors(form, error)
    return render(
        request,
        "interventions/intervention_work_handover.html",
        {"intervention": intervention, "handover_form": form},
    )


@replayable(replay.submit)
@require_POST
@role_required(roles.TECHNICIAN)
def work_submit(request, pk: int):
    intervention = assigned_intervention(request, pk)
    try:
        services.report_submit(intervention=intervention, actor=request.user)
    except (ValidationError, TransitionError) as error:
        refused(request, error)
        return redirect(work_url(intervention, "finish"))
    return redirect("interventions-sign", pk=intervention.pk)


@replayable(replay.reopen)
@require_POST
@role_required(roles.TECHNICIAN)
def work_reopen(request, pk: int):
    intervention = assigned_intervention(request, pk)
    try:
        services.report_reopen(intervention=intervention, actor=request.user)
        messages.info(request, _("The report is open again; you will sign it again."))
    except (ValidationError, TransitionError) as error:
        refused(request, error)
    return redirect(work_url(intervention))


@replayable(replay.out_of_conditions)
@require_POST
@role_required(roles.TECHNICIAN)
def out_of_conditions(request, pk: int):
    """The technician's observation, from the detail page or the tablet (`from=work`).

    The answer goes back to the page the form was on; an invalid form is shown again there,
    with what was typed.
    """
    intervention = selectors.get_intervention_for(request.user, pk)
    if intervention.technician_id != request.user.pk:
        raise PermissionDenied
    on_tablet = request.POST.get("from") == "work"
    back = (
        work_url(intervention, "out-of-conditions")
        if on_tablet
        else reverse("interventions-detail", args=[pk])
    )
    form = OutOfConditionsForm(request.POST)
    if form.is_valid():
        try:
            services.out_of_conditions_record(
                intervention=intervention,
                actor=request.user,
                out_of_conditions=form.cleaned_data["out_of_conditions"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            refused(request, error)
            return redirect(back)
        messages.success(request, _("Observation recorded."))
        return redirect(back)
    if on_tablet:
        return render_work(request, intervention, status=400, conditions_form=form)
    return render_detail_with_errors(request, intervention, conditions_form=form)
