"""The tablet's actions replayed after working offline (`X-Offline-Replay: 1`): the same form
fields and services as the pages' views, answered in JSON (docs/offline.md §2–3).

Each function here is the `json_view` of `idempotency.replayable` on the page's view of the
same URL: the decorator has checked the role and the idempotency key and runs it once, in the
transaction that stores its answer. 200 {"ok", "versions", ...}, 409 {"conflict"}, 422
{"errors"}; a job not assigned to this technician is a 404 (raised, answered in JSON by the
decorator).
"""

import json
import re

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import offline, selectors, services, tablet_forms
from ..billing_forms import OutOfConditionsForm
from ..idempotency import conflict, created_id, errors_of, json_errors, ok
from ..models import Intervention, PartUsed, Visit
from ..workflow import TransitionError
from .access import assigned_intervention


def _device_time(request):
    """X-Device-Time, parsed (None when absent); a French ValidationError when unreadable."""
    return offline.parse_device_time(request.headers.get("X-Device-Time"))


def _form_errors(form) -> dict:
    return {field: list(messages) for field, messages in form.errors.items()}


def _edit_conflict(error: services.EditConflict, *, field: str, yours, intervention):
    return conflict(
        field=field,
        yours=yours,
        theirs=error.theirs,
        by=error.by_name,
        at=error.at_display,
        message=error.messages[0],
        version=error.version,
        intervention=intervention,
    )


def _visit(request, intervention: Intervention, visit_pk: int) -> Visit:
    """The visit of the URL; `0` = the one created by `created_by_key`, or else the open
    visit of this technician on this job (a departure stamped offline)."""
    if visit_pk:
        return selectors.get_visit(intervention, visit_pk)
    created = created_id(request, "visit")
    if created is not None:
        return selectors.get_visit(intervention, created)
    visit = intervention.visits.filter(technician=request.user, left_at__isnull=True).first()
    if visit is None:
        raise ValidationError(_("You have no visit in progress on this intervention."))
    return visit


def arrive(request, pk: int):
    intervention = assigned_intervention(request, pk)
    try:
        visit = services.visit_arrive(
            intervention=intervention,
            technician=request.user,
            device_time=_device_time(request),
        )
    except (ValidationError, TransitionError) as error:
        return json_errors(errors_of(error))
    return ok(intervention, created={"visit": visit.pk}, visit_id=visit.pk)


def depart(request, pk: int, visit_pk: int):
    intervention = assigned_intervention(request, pk)
    form = tablet_forms.DepartureForm(request.POST)
    if not form.is_valid():
        return json_errors(_form_errors(form))
    try:
        visit = _visit(request, intervention, visit_pk)
        visit = services.visit_depart(
            visit=visit, actor=request.user, device_time=_device_time(request), **form.cleaned_data
        )
    except ValidationError as error:
        return json_errors(errors_of(error))
    return ok(intervention, visit_id=visit.pk)


def visit_edit(request, pk: int, visit_pk: int):
    intervention = assigned_intervention(request, pk)
    form = tablet_forms.VisitForm(request.POST)
    if not form.is_valid():
        return json_errors(_form_errors(form))
    try:
        visit = _visit(request, intervention, visit_pk)
        visit = services.visit_update(visit=visit, actor=request.user, **form.cleaned_data)
    except services.EditConflict as error:
        yours = {k: request.POST.get(k, "") for k in ("arrived_at", "left_at", "travel_km")}
        return _edit_conflict(error, field="visit", yours=yours, intervention=intervention)
    except ValidationError as error:
        return json_errors(errors_of(error))
    return ok(intervention, visit_id=visit.pk)


def report(request, pk: int):
    intervention = assigned_intervention(request, pk)
    form = tablet_forms.ReportTextsForm(request.POST)
    if not form.is_valid():
        return json_errors(_form_errors(form))
    texts = {
        name: form.cleaned_data[name] for name in services.REPORT_FIELDS if name in request.POST
    }
    try:
        services.report_update(
            intervention=intervention,
            actor=request.user,
            version=form.cleaned_data["version"],
            page=form.cleaned_data["page"],
            **texts,
        )
    except services.EditConflict as error:
        return _edit_conflict(error, field="texts", yours=texts, intervention=intervention)
    except ValidationError as error:
        return json_errors(errors_of(error))
    return ok(intervention)


def _parts_now(intervention: Intervention) -> list[dict]:
    return [
        {
            "id": line.pk,
            "reference": line.reference,
            "designation": line.description,
            "quantity": offline.decimal_text(line.quantity),
        }
        for line in PartUsed.objects.filter(intervention=intervention).order_by("pk")
    ]


def part_add(request, pk: int):
    intervention = assigned_intervention(request, pk)
    form = tablet_forms.PartAddForm(request.POST)
    if not form.is_valid():
        return json_errors(_form_errors(form))
    try:
        line = services.part_add(intervention=intervention, actor=request.user, **form.cleaned_data)
    except services.EditConflict as error:
        yours = {
            "part": request.POST.get("part", ""),
            "description": request.POST.get("description", ""),
            "quantity": request.POST.get("quantity", ""),
        }
        error.theirs = {"parts": _parts_now(intervention)}
        return _edit_conflict(error, field="parts", yours=yours, intervention=intervention)
    except ValidationError as error:
        return json_errors(errors_of(error))
    return ok(intervention, created={"part_line": line.pk}, part_line_id=line.pk)


def part_remove(request, pk: int, part_pk: int):
    intervention = assigned_intervention(request, pk)
    form = tablet_forms.PartRemoveForm(request.POST)
    if not form.is_valid():
        return json_errors(_form_errors(form))
    line_pk = part_pk or created_id(request, "part_line")
    line = selectors.get_part_used(intervention, line_pk)
    try:
        services.part_remove(
            part_used=line, actor=request.user, version=form.cleaned_data["version"]
        )
    except services.EditConflict as error:
        yours = {"remove": line.pk, "designation": line.description}
        error.theirs = {"parts": _parts_now(intervention)}
        return _edit_conflict(error, field="parts", yours=yours, intervention=intervention)
    except ValidationError as error:
        return json_errors(errors_of(error))
    return ok(intervention)


def other_request(request, pk: int):
    intervention = assigned_intervention(request, pk)
    form = tablet_forms.AdditionalRequestForm(request.POST)
    if not form.is_valid():
        return json_errors(_form_errors(form))
    try:
        child = services.intervention_additional_request(
            intervention=intervention, actor=request.user, object=form.cleaned_data["object"]
        )
    except ValidationError as error:
        return json_errors(errors_of(error))
    return ok(intervention, child_number=child.number)


def resolve(request, pk: int):
    intervention = assigned_intervention(request, pk)
    try:
        services.intervention_resolve(
            intervention=intervention, actor=request.user, device_time=_device_time(request)
        )
    except ValidationError as error:
        return json_errors(errors_of(error))
    return ok(intervention)


def follow_up(request, pk: int):
    intervention = assigned_intervention(request, pk)
    form = tablet_forms.FollowUpForm(request.POST)
    if not form.is_valid():
        return json_errors(_form_errors(form))
    try:
        child = services.intervention_follow_up(
            intervention=intervention, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        return json_errors(errors_of(error))
    return ok(intervention, child_number=child.number)


def out_of_conditions(request, pk: int):
    intervention = assigned_intervention(request, pk)
    form = OutOfConditionsForm(request.POST)
    if not form.is_valid():
        return json_errors(_form_errors(form))
    try:
        services.out_of_conditions_record(
            intervention=intervention,
            actor=request.user,
            out_of_conditions=form.cleaned_data["out_of_conditions"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        return json_errors(errors_of(error))
    return ok(intervention)


def submit(request, pk: int):
    intervention = assigned_intervention(request, pk)
    try:
        services.report_submit(intervention=intervention, actor=request.user)
    except (ValidationError, TransitionError) as error:
        return json_errors(errors_of(error))
    return ok(intervention)


def reopen(request, pk: int):
    intervention = assigned_intervention(request, pk)
    try:
        services.report_reopen(intervention=intervention, actor=request.user)
    except (ValidationError, TransitionError) as error:
        return json_errors(errors_of(error))
    return ok(intervention)


def _offline_signature_fields(request):
    """(summary fingerprint, device time) of an offline signature; French errors if absent."""
    errors = {}
    fingerprint = (request.POST.get("summary_fingerprint") or "").strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", fingerprint):
        errors["summary_fingerprint"] = [
            _("The summary shown to the signatory is missing: sign again on the tablet.")
        ]
    device_at = None
    try:
        device_at = offline.parse_device_time(
            request.POST.get("signed_on_device_at") or request.headers.get("X-Device-Time")
        )
    except ValidationError as error:
        errors["signed_on_device_at"] = error.messages
    if device_at is None and "signed_on_device_at" not in errors:
        errors["signed_on_device_at"] = [_("The time of the signature on the tablet is missing.")]
    return fingerprint, device_at, errors


def _signature_refused(error: offline.OfflineSummaryChanged, request, intervention):
    try:
        yours = json.loads(request.POST.get("summary_json") or "null")
    except ValueError:
        yours = None
    return conflict(
        field="signature",
        yours=yours,
        theirs=error.theirs,
        by=error.by,
        at=error.at,
        message=error.messages[0],
        intervention=intervention,
    )


def _report_changed(error: services.ReportChanged, intervention):
    """`ReportChanged` (after the offline summary matched): a conflict with no summaries to show."""
    return conflict(
        field="signature",
        yours=None,
        theirs=None,
        by="",
        at="",
        message=error.messages[0],
        intervention=intervention,
    )


def sign_technician(request, pk: int):
    intervention = assigned_intervention(request, pk)
    fingerprint, device_at, errors = _offline_signature_fields(request)
    form = tablet_forms.OfflineTechnicianSignatureForm(request.POST)
    if not form.is_valid():
        errors.update(_form_errors(form))
    if errors:
        return json_errors(errors)
    try:
        services.report_sign_technician_offline(
            intervention=intervention,
            actor=request.user,
            image=form.cleaned_data["signature"],
            summary_sha256=fingerprint,
            signed_on_device_at=device_at,
        )
    except offline.OfflineSummaryChanged as error:
        return _signature_refused(error, request, intervention)
    except services.ReportChanged as error:
        return _report_changed(error, intervention)
    except ValidationError as error:
        return json_errors(errors_of(error))
    return ok(intervention, signed=False)


def sign_customer(request, pk: int):
    intervention = assigned_intervention(request, pk)
    fingerprint, device_at, errors = _offline_signature_fields(request)
    form = tablet_forms.OfflineCustomerSignatureForm(request.POST, request.FILES)
    if not form.is_valid():
        errors.update(_form_errors(form))
    if errors:
        return json_errors(errors)
    try:
        services.report_sign_customer_offline(
            intervention=intervention,
            actor=request.user,
            signatory_name=form.cleaned_data["signatory_name"],
            image=form.cleaned_data["signature"],
            stamp=form.cleaned_data["stamp"],
            signatory_email=form.cleaned_data["signatory_email"],
            summary_sha256=fingerprint,
            signed_on_device_at=device_at,
        )
    except offline.OfflineSummaryChanged as error:
        return _signature_refused(error, request, intervention)
    except services.ReportChanged as error:
        return _report_changed(error, intervention)
    except (ValidationError, TransitionError) as error:
        return json_errors(errors_of(error))
    return ok(
        intervention,
        signed=True,
        pdf_url=reverse("interventions-report-pdf", args=[intervention.pk]),
    )
