import datetime

from django.db.models import Count, Q, QuerySet

from .models import Client, Contract, Equipment


def client_active_contracts(client: Client, day: datetime.date) -> list[Contract]:
    """Every contract of the client active on `day`, client-wide and equipment-bound, newest
    first, each with `equipment_count`: the choices offered for a call that names no
    equipment."""
    return list(
        Contract.objects.filter(client=client, start_date__lte=day, end_date__gte=day)
        .annotate(equipment_count=Count("equipment"))
        .order_by("-start_date", "number")
    )


def active_contract_for(
    client: Client, equipment: Equipment | None, day: datetime.date
) -> Contract | None:
    """The contract that entitles this call when nobody chose it.

    With equipment: its own contract when it is active on `day`; otherwise a client-wide
    contract (one that no equipment is attached to, e.g. an assistance contract) active on
    `day`. A contract attached to other equipment does not cover this one.

    Without equipment (the dispatcher normally chooses, see `client_active_contracts`): the
    client's only active contract, whether or not it is tied to machines; among several, the
    client-wide one as above.
    """
    if equipment is not None and equipment.contract_id:
        contract = equipment.contract
        if contract.is_active_on(day):
            return contract
    active = Contract.objects.filter(client=client, start_date__lte=day, end_date__gte=day)
    if equipment is None:
        only = list(active[:2])
        if len(only) == 1:
            return only[0]
    return active.filter(equipment__isnull=True).order_by("-start_date").first()


def client_search(query: str, *, limit: int = 20) -> QuerySet[Client]:
    """Clients matching a name, client number, phone (digits only compared) or city."""
    query = query.strip()
    qs = Client.objects.filter(active=True)
    if not query:
        return qs.none()
    condition = (
        Q(name__icontains=query)
        | Q(number__icontains=query)
        | Q(city__icontains=query)
        | Q(postal_code__startswith=query)
    )
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) >= 2:
        condition |= Q(phone_digits__contains=digits)
    return qs.filter(condition).order_by("name")[:limit]
