"""The technician on a tablet: their interventions, the work page, visits, report texts, parts.

Every view: technician role, the intervention must be assigned to this user (else 404; the
one exception, a technician's own visit after a handover, is `work_visit_edit`), one
service call; a refused change (signed report, missing input) comes back as a French message.
The outcome of the work (resolve, follow-up, other request, handover, submit) is in
`tablet_outcome`.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import roles, selectors, services, tablet_forms
from ..history import handover_received
from ..idempotency import replayable
from ..models import Intervention
from ..roles import role_required
from ..workflow import TransitionError
from . import replay
from .access import add_form_errors, assigned_intervention, refused, show_conflict, work_url


@role_required(roles.TECHNICIAN)
def intervention_mine(request):
    agenda = selectors.technician_agenda(request.user)
    return render(
        request,
        "interventions/intervention_mine.html",
        {"today": agenda.today, "upcoming": agenda.upcoming, "unplanned": agenda.unplanned},
    )


def _parts_context(intervention: Intervention) -> dict:
    parts, total = selectors.parts_with_total(intervention)
    return {
        "intervention": intervention,
        "parts": parts,
        "parts_total": total,
        "part_form": tablet_forms.PartAddForm(),
        "editable": intervention.report_open,
    }


def _work_context(intervention: Intervention, user, **extra) -> dict:
    visits = list(selectors.intervention_visits(intervention))
    context = {
        "intervention": intervention,
        "state": selectors.intervention_state(intervention),
        "visits": visits,
        # Another technician's visit is read-only for this one (`services.visit_correctable_by`).
        "correctable": {v.pk for v in visits if services.visit_correctable_by(v, user)},
        "handover": handover_received(intervention, user) if not intervention.is_closed else None,
        "open_visit": selectors.open_visit(visits, intervention.technician_id),
        "editable": intervention.report_open,
        "departure_form": tablet_forms.DepartureForm(),
        "blockers": services.signature_blockers(intervention) if not intervention.is_closed else [],
        "children": selectors.child_interventions(intervention),
        "additional_form": tablet_forms.AdditionalRequestForm(),
        "follow_up_form": tablet_forms.FollowUpForm(),
        "pending_amendment": selectors.pending_amendment(intervention)
        if intervention.is_locked
        else None,
        **_parts_context(intervention),
    }
    context.update(extra)
    return context


def render_work(request, intervention, *, status: int = 200, **extra):
    """The tablet's work page; `extra` replaces context entries (a form with its errors)."""
    return render(
        request,
        "interventions/intervention_work.html",
        _work_context(intervention, request.user, **extra),
        status=status,
    )


@role_required(roles.TECHNICIAN)
def intervention_work(request, pk: int):
    return render_work(request, assigned_intervention(request, pk))


@replayable(replay.arrive)
@require_POST
@role_required(roles.TECHNICIAN)
def work_arrive(request, pk: int):
    intervention = assigned_intervention(request, pk)
    try:
        services.visit_arrive(intervention=intervention, technician=request.user)
        messages.success(request, _("Arrival stamped."))
    except (ValidationError, TransitionError) as error:
        refused(request, error)
    return redirect(work_url(intervention, "visits"))


@replayable(replay.depart)
@require_POST
@role_required(roles.TECHNICIAN)
def work_depart(request, pk: int, visit_pk: int):
    intervention = assigned_intervention(request, pk)
    visit = selectors.get_visit(intervention, visit_pk)
    form = tablet_forms.DepartureForm(request.POST)
    if form.is_valid():
        try:
            services.visit_depart(visit=visit, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Departure stamped."))
            return redirect(work_url(intervention, "visits"))
        except ValidationError as error:
            refused(request, error)
    else:
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
    return redirect(work_url(intervention, "visits"))


@replayable(replay.visit_edit)
@role_required(roles.TECHNICIAN)
def work_visit_edit(request, pk: int, visit_pk: int):
    """Correct a visit. The assigned technician reaches every visit of the job, but another
    technician's visit is shown read-only (the service refuses it anyway); a technician who
    handed the job over still corrects their own visit (a forgotten departure), from the
    intervention page."""
    intervention = selectors.get_intervention_for(request.user, pk)
    visit = selectors.get_visit(intervention, visit_pk)
    assigned = intervention.technician_id == request.user.pk
    if not assigned and visit.technician_id != request.user.pk:
        raise Http404
    back = (
        work_url(intervention, "visits")
        if assigned
        else reverse("interventions-detail", args=[intervention.pk])
    )
    correctable = services.visit_correctable_by(visit, request.user)
    form, status = None, 200
    if request.method == "POST":
        form = tablet_forms.VisitForm(request.POST)
        if form.is_valid():
            try:
                services.visit_update(visit=visit, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Visit corrected."))
                return redirect(back)
            except services.EditConflict as conflict:
                show_conflict(form, conflict)
                status = 400
            except ValidationError as error:
                add_form_errors(form, error)
                status = 400 if correctable else 403
    elif correctable:
        form = tablet_forms.VisitForm(
            initial={
                "arrived_at": timezone.localtime(visit.arrived_at),
                "left_at": timezone.localtime(visit.left_at) if visit.left_at else None,
                "travel_km": visit.travel_km,
                "travel_minutes": visit.travel_minutes,
                "version": visit.version,
            }
        )
    return render(
        request,
        "interventions/intervention_work_visit.html",
        {
            "intervention": intervention,
            "visit": visit,
            "form": form,
            "correctable": correctable,
            "back": back,
        },
        status=status,
    )


@replayable(replay.report)
@require_POST
@role_required(roles.TECHNICIAN)
def work_report_save(request, pk: int):
    """Autosave endpoint (fetch): JSON in, JSON out. 409 with a French message once locked,
    and with the other person's texts (`conflict`) when the texts were read at an older
    version; the page keeps what this user typed and lets them choose."""
    intervention = assigned_intervention(request, pk)
    form = tablet_forms.ReportTextsForm(request.POST)
    if not form.is_valid():
        errors = [text for field_errors in form.errors.values() for text in field_errors]
        return JsonResponse({"saved": False, "error": " ".join(errors)}, status=400)
    texts = {
        name: form.cleaned_data[name] for name in services.REPORT_FIELDS if name in request.POST
    }
    try:
        intervention = services.report_update(
            intervention=intervention,
            actor=request.user,
            version=form.cleaned_data["version"],
            page=form.cleaned_data["page"],
            **texts,
        )
    except services.EditConflict as conflict:
        return JsonResponse(
            {
                "saved": False,
                "conflict": True,
                "error": conflict.messages[0],
                "theirs": conflict.theirs,
                "by": conflict.by_name,
                "at": conflict.at_display,
                "version": conflict.version,
            },
            status=409,
        )
    except ValidationError as error:
        return JsonResponse({"saved": False, "error": " ".join(error.messages)}, status=409)
    return JsonResponse(
        {
            "saved": True,
            "at": timezone.localtime(intervention.updated_at).strftime("%H:%M:%S"),
            "version": intervention.texts_version,
        }
    )


@role_required(roles.TECHNICIAN)
def work_part_search(request, pk: int):
    intervention = assigned_intervention(request, pk)
    query = request.GET.get("q", "").strip()
    return render(
        request,
        "interventions/_work_part_results.html",
        {"intervention": intervention, "results": selectors.part_search(query), "query": query},
    )


def _parts_response(request, intervention, form=None, status=200):
    intervention.refresh_from_db(fields=["parts_version"])
    if request.htmx:
        context = _parts_context(intervention)
        if form is not None:
            context["part_form"] = form
        return render(request, "interventions/_work_parts.html", context, status=status)
    return redirect(work_url(intervention, "parts"))


@replayable(replay.part_add)
@require_POST
@role_required(roles.TECHNICIAN)
def work_part_add(request, pk: int):
    intervention = assigned_intervention(request, pk)
    form = tablet_forms.PartAddForm(request.POST)
    if form.is_valid():
        try:
            services.part_add(intervention=intervention, actor=request.user, **form.cleaned_data)
            return _parts_response(request, intervention)
        except services.EditConflict as conflict:
            show_conflict(form, conflict)
        except ValidationError as error:
            form.add_error(None, error.messages)
    if not request.htmx:
        for text in [e for errors in form.errors.values() for e in errors]:
            messages.error(request, text)
    return _parts_response(request, intervention, form, status=200)


@replayable(replay.part_remove)
@require_POST
@role_required(roles.TECHNICIAN)
def work_part_remove(request, pk: int, part_pk: int):
    intervention = assigned_intervention(request, pk)
    used = selectors.get_part_used(intervention, part_pk)
    form = tablet_forms.PartRemoveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.non_field_errors())
        services.part_remove(
            part_used=used, actor=request.user, version=form.cleaned_data["version"]
        )
    except ValidationError as error:
        if request.htmx:
            return HttpResponse(" ".join(error.messages), status=409)
        refused(request, error)
    return _parts_response(request, intervention)
