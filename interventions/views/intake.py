"""The dispatcher takes a call: client search, inline client and site creation, the entitlement
preview (contract, deadline), then the intervention is created."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import reswap, retarget

from clients import services as client_services
from clients.selectors import client_active_contracts, client_search

from .. import roles, selectors, services, sla
from ..forms import (
    NO_CONTRACT,
    ClientQuickForm,
    IntakeForm,
    SiteQuickForm,
    requested_in_future,
)
from ..roles import role_required


def _entitlement(client, equipment, requested_at, choice: str = "") -> dict:
    """What the caller is entitled to, and the deadline the call would get if saved now.

    Without equipment, the client's active contracts are offered (`choices`) and `choice`
    (a contract's pk, NO_CONTRACT, or "") says which one the dispatcher picked; the only one
    is preselected. With equipment, its contract rules and nothing is offered."""
    day = timezone.localdate(requested_at)
    choices, selected = None, ""
    if equipment is None:
        choices = client_active_contracts(client, day)
        by_pk = {str(c.pk): c for c in choices}
        if choice == NO_CONTRACT or choice in by_pk:
            selected = choice
        elif not choice and len(choices) == 1:
            selected = str(choices[0].pk)
        ent = services.entitlement_snapshot(
            client=client,
            equipment=None,
            day=day,
            contract=by_pk.get(selected),
            contract_chosen=True,
        )
    else:
        ent = services.entitlement_snapshot(client=client, equipment=equipment, day=day)
    contract = ent["contract"]
    ent.update(
        {
            "deadline": sla.response_deadline(
                requested_at, contract.response_time_hours if contract else None
            ),
            "equipment": equipment,
            "choices": choices,
            "selected": selected,
            "choice_pending": bool(choices) and not selected,
            "requested_at": requested_at,
            "requested_in_future": requested_in_future(requested_at),
        }
    )
    return ent


def _intake_client_context(
    client, *, site=None, equipment=None, requested_at=None, contract_choice="", **extra
):
    requested_at = requested_at or timezone.now()
    return {
        "client": client,
        "sites": selectors.client_sites(client),
        "equipment_list": selectors.client_equipment(client),
        "selected_site": site,
        "selected_equipment": equipment,
        "ent": _entitlement(client, equipment, requested_at, contract_choice),
        "site_form": extra.pop("site_form", None) or SiteQuickForm(),
        **extra,
    }


def _typed_requested_at(raw) -> datetime.datetime:
    """The "requested at" as typed, even in the future (the preview flags it); now when it is
    empty or unreadable."""
    try:
        value = IntakeForm.base_fields["requested_at"].clean(raw) if raw else None
    except ValidationError:
        value = None
    return value or timezone.now()


def _requested_at(request) -> datetime.datetime:
    return _typed_requested_at(request.GET.get("requested_at") or request.POST.get("requested_at"))


def _contract_choice(request) -> str:
    return (request.GET.get("contract") or request.POST.get("contract") or "").strip()


def _created_message(intervention) -> str:
    if intervention.deadline_at:
        msg = _("Intervention %(number)s created. Response deadline: %(deadline)s.")
    else:
        msg = _("Intervention %(number)s created. No response deadline (no contract).")
    return msg % {
        "number": intervention.number,
        "deadline": date_format(timezone.localtime(intervention.deadline_at), "DATETIME_FORMAT")
        if intervention.deadline_at
        else "",
    }


@role_required(roles.DISPATCHER, roles.MANAGER)
def intervention_intake(request):
    form = IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            intervention = services.intervention_create_from_intake(data, actor=request.user)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _created_message(intervention))
            return redirect("interventions-detail", pk=intervention.pk)
    context = {"form": form, "new_client_form": ClientQuickForm()}
    client = selectors.active_client_or_none(form.data.get("client"))
    if client is not None:
        context.update(
            _intake_client_context(
                client,
                site=selectors.client_site_or_none(client, form.data.get("site")),
                equipment=selectors.client_equipment_or_none(client, form.data.get("equipment")),
                requested_at=_typed_requested_at(form.data.get("requested_at")),
                contract_choice=form.data.get("contract", "").strip(),
            )
        )
    return render(request, "interventions/intervention_intake.html", context)


@role_required(roles.DISPATCHER, roles.MANAGER)
def intake_client_search(request):
    query = request.GET.get("q", "")
    return render(
        request,
        "interventions/_intake_results.html",
        {"results": client_search(query), "query": query.strip()},
    )


@role_required(roles.DISPATCHER, roles.MANAGER)
def intake_client(request):
    client = selectors.get_active_client(request.GET.get("client"))
    return render(
        request,
        "interventions/_intake_client.html",
        _intake_client_context(
            client,
            site=selectors.client_site_or_none(client, request.GET.get("site")),
            equipment=selectors.client_equipment_or_none(client, request.GET.get("equipment")),
            requested_at=_requested_at(request),
            contract_choice=_contract_choice(request),
        ),
    )


@role_required(roles.DISPATCHER, roles.MANAGER)
def intake_entitlement(request):
    if not request.GET.get("client"):
        return HttpResponse(status=204)
    client = selectors.get_active_client(request.GET.get("client"))
    equipment = selectors.client_equipment_or_none(client, request.GET.get("equipment"))
    ent = _entitlement(client, equipment, _requested_at(request), _contract_choice(request))
    return render(request, "interventions/_entitlement.html", {"ent": ent, "client": client})


@require_POST
@role_required(roles.DISPATCHER, roles.MANAGER)
def intake_client_create(request):
    form = ClientQuickForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        site_label = data.pop("site_label")
        try:
            with transaction.atomic():
                client = client_services.client_create(**data)
                site = None
                if site_label:
                    site = client_services.site_create(
                        client=client,
                        label=site_label,
                        address=data["address"],
                        postal_code=data["postal_code"],
                        city=data["city"],
                    )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return render(
                request,
                "interventions/_intake_client.html",
                _intake_client_context(
                    client, site=site, requested_at=_requested_at(request), created=True
                ),
            )
    response = render(request, "interventions/_intake_new_client.html", {"new_client_form": form})
    return reswap(retarget(response, "#new-client"), "outerHTML")


@require_POST
@role_required(roles.DISPATCHER, roles.MANAGER)
def intake_site_create(request):
    client = selectors.get_active_client(request.POST.get("client"))
    form = SiteQuickForm(request.POST)
    site = None
    if form.is_valid():
        try:
            site = client_services.site_create(client=client, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = SiteQuickForm()
    return render(
        request,
        "interventions/_intake_client.html",
        _intake_client_context(
            client,
            site=site,
            equipment=selectors.client_equipment_or_none(client, request.POST.get("equipment")),
            requested_at=_requested_at(request),
            contract_choice=_contract_choice(request),
            site_form=form,
            site_form_open=site is None,
        ),
    )
