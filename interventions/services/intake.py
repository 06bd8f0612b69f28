"""Intake: a call (or a planned visit) becomes a numbered intervention, with what the customer
is entitled to at the time of the call and the response deadline."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clients.models import Client, Contract, Equipment, Site
from clients.selectors import active_contract_for

from .. import extensions
from ..models import (
    Channel,
    Intervention,
    InterventionCounter,
    InterventionEvent,
    Priority,
    Relation,
    Status,
)
from ..sla import response_deadline


def _take_number(year: int) -> tuple[int, str]:
    """Next number of `year`, inside the caller's transaction.

    Gap-free: the counter row stays locked until commit, and a rollback gives the number back.
    """
    InterventionCounter.objects.bulk_create(
        [InterventionCounter(year=year, last_number=0)], ignore_conflicts=True
    )
    counter = InterventionCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number, f"{year}-{counter.last_number:05d}"


def _equipment_contract_rules() -> ValidationError:
    return ValidationError(
        {
            "contract": _(
                "The equipment's contract applies: a contract is chosen only for a call that "
                "names no equipment."
            )
        }
    )


def contract_choice_check(*, client: Client, contract: Contract | None, day: datetime.date):
    """The dispatcher's choice for a call that names no equipment: one of the client's
    contracts, active on the day of the call; None is "no contract, everything billed"."""
    if contract is None:
        return
    if contract.client_id != client.pk:
        raise ValidationError({"contract": _("This contract belongs to another client.")})
    if not contract.is_active_on(day):
        raise ValidationError(
            {
                "contract": _(
                    "Contract %(number)s is not active on %(day)s: choose another contract, "
                    "or no contract."
                )
                % {"number": contract.number, "day": date_format(day, "SHORT_DATE_FORMAT")}
            }
        )


def entitlement_snapshot(
    *,
    client: Client,
    equipment: Equipment | None,
    day: datetime.date,
    contract: Contract | None = None,
    contract_chosen: bool = False,
) -> dict:
    """What the customer is entitled to on `day`: contract (as a snapshot) and warranty.

    `contract_chosen`: `contract` is the dispatcher's choice for a call that names no equipment
    (None: no contract), checked by `contract_choice_check`; with equipment, the equipment's
    contract rules and nobody chooses. Otherwise `contract` imposes the contract (a planned
    visit of this contract), and None looks it up (`active_contract_for`).
    """
    if contract_chosen:
        if equipment is not None:
            raise _equipment_contract_rules()
        contract_choice_check(client=client, contract=contract, day=day)
    elif contract is None:
        contract = active_contract_for(client, equipment, day)
    under_warranty = bool(equipment and equipment.under_warranty_on(day))
    return {
        "contract": contract,
        "contract_snapshot": contract.snapshot() if contract else {},
        "under_contract": contract is not None,
        "under_warranty": under_warranty,
        "warranty_until": equipment.warranty_until if equipment else None,
    }


def _deadline(
    requested_at: datetime.datetime, contract: Contract | None, channel: str
) -> datetime.datetime | None:
    if contract is None or channel == Channel.PLANNED:
        return None
    return response_deadline(requested_at, contract.response_time_hours)


def intervention_create(
    *,
    client: Client,
    object: str,
    actor=None,
    site: Site | None = None,
    equipment: Equipment | None = None,
    caller_name: str = "",
    caller_phone: str = "",
    channel: str = Channel.PHONE,
    priority: int = Priority.NORMAL,
    requested_at: datetime.datetime | None = None,
    parent: Intervention | None = None,
    relation: str = Relation.NONE,
    contract: Contract | None = None,
    contract_chosen: bool = False,
    planned_tasks: str = "",
) -> Intervention:
    """Open a ticket: number it, record what the customer is entitled to at the time of the call,
    and set the response deadline (contract's response time in business hours; none for a
    planned visit, which is scheduled, not answered).

    `contract` and `contract_chosen`: see `entitlement_snapshot` (the intake page passes the
    dispatcher's choice when the call names no equipment)."""
    requested_at = requested_at or timezone.now()
    if equipment is not None and site is None:
        site = equipment.site
    entitlement = entitlement_snapshot(
        client=client,
        equipment=equipment,
        day=timezone.localdate(requested_at),
        contract=contract,
        contract_chosen=contract_chosen,
    )
    intervention = Intervention(
        client=client,
        site=site,
        equipment=equipment,
        object=object.strip(),
        caller_name=caller_name.strip(),
        caller_phone=caller_phone.strip(),
        channel=channel,
        priority=priority,
        requested_at=requested_at,
        parent=parent,
        relation=relation,
        created_by=actor,
        deadline_at=_deadline(requested_at, entitlement["contract"], channel),
        planned_tasks=planned_tasks.strip(),
        **entitlement,
    )
    if not intervention.object:
        raise ValidationError({"object": _("The object of the intervention is required.")})
    with transaction.atomic():
        intervention.year = timezone.localdate().year
        intervention.sequence, intervention.number = _take_number(intervention.year)
        intervention.full_clean()
        intervention.save()
        InterventionEvent.objects.create(
            intervention=intervention,
            kind=InterventionEvent.Kind.CREATED,
            code=InterventionEvent.Code.CREATED,
            actor=actor,
            to_status=intervention.status,
            note=intervention.object,
            data={"parent": parent.number, "relation": relation} if parent else {},
        )
        for _name, hook in extensions.on_intervention_created.items():
            hook(intervention, actor=actor)
    return intervention


def contract_choosable(intervention: Intervention) -> bool:
    """The dispatcher may (still) choose the contract: no equipment is named, and the work has
    not started (new or scheduled, nobody arrived yet: the first arrival judges the deadline)."""
    return (
        intervention.equipment_id is None
        and intervention.status in (Status.NEW, Status.SCHEDULED)
        and intervention.first_arrival_at is None
    )


def intervention_contract_choose(
    *, intervention: Intervention, contract: Contract | None, actor
) -> Intervention:
    """The dispatcher chooses which of the client's contracts applies to a ticket that names no
    equipment (an other request made on site, or a call to correct): the same check as at
    intake, against the day of the request; the snapshot and the deadline follow. Only while
    `contract_choosable`."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update().get(pk=intervention.pk)
        if locked.equipment_id is not None:
            raise _equipment_contract_rules()
        if not contract_choosable(locked):
            raise ValidationError(
                {
                    "contract": _(
                        "The contract of intervention %(number)s can no longer be changed: "
                        "the work has started or the intervention is closed."
                    )
                    % {"number": locked.number}
                }
            )
        previous = locked.contract_snapshot.get("number")
        entitlement = entitlement_snapshot(
            client=locked.client,
            equipment=None,
            day=timezone.localdate(locked.requested_at),
            contract=contract,
            contract_chosen=True,
        )
        for field, value in entitlement.items():
            setattr(locked, field, value)
        locked.deadline_at = _deadline(locked.requested_at, contract, locked.channel)
        locked.full_clean()
        locked.save(update_fields=[*entitlement, "deadline_at", "updated_at"])
        if contract:
            code = InterventionEvent.Code.CONTRACT_CHOSEN
            data = {"from": previous, "contract": contract.number, "contract_kind": contract.kind}
        else:
            code = InterventionEvent.Code.CONTRACT_NONE
            data = {"from": previous, "contract": None}
        InterventionEvent.objects.create(
            intervention=locked, kind=InterventionEvent.Kind.NOTE, code=code, actor=actor, data=data
        )
    return locked


def planned_visits_create(*, contract: Contract, actor) -> list[Intervention]:
    """Create this year's missing planned visits of a contract (channel "planned"), each
    pre-filled with the contract's standard tasks. Visits already planned (not cancelled)
    count: running it twice creates nothing more."""
    year = timezone.localdate().year
    if not contract.annual_visits:
        raise ValidationError(_("This contract includes no planned visit."))
    with transaction.atomic():
        # Serialise two dispatchers clicking at once on the same contract.
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        existing = (
            Intervention.objects.filter(
                contract=contract, channel=Channel.PLANNED, requested_at__year=year
            )
            .exclude(status=Status.CANCELLED)
            .count()
        )
        site = contract.client.sites.order_by("pk").first()
        created = []
        for rank in range(existing + 1, contract.annual_visits + 1):
            created.append(
                intervention_create(
                    client=contract.client,
                    site=site,
                    contract=contract,
                    channel=Channel.PLANNED,
                    object=_("Planned visit %(rank)s/%(total)s %(year)s — contract %(number)s")
                    % {
                        "rank": rank,
                        "total": contract.annual_visits,
                        "year": year,
                        "number": contract.number,
                    },
                    planned_tasks=contract.standard_tasks,
                    actor=actor,
                )
            )
    return created


# What the intake form (page and API) hands to `intervention_create`.
INTAKE_FIELDS = (
    "client",
    "site",
    "equipment",
    "object",
    "caller_name",
    "caller_phone",
    "channel",
    "priority",
    "requested_at",
    "contract",
    "contract_chosen",
)


def intervention_create_from_intake(data: dict, *, actor) -> Intervention:
    """`intervention_create` with the intake form's cleaned data: the page and the API call it
    alike, so both create exactly the same intervention from the same answers."""
    return intervention_create(actor=actor, **{name: data[name] for name in INTAKE_FIELDS})
