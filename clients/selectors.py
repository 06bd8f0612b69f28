import datetime

from django.db.models import Q, QuerySet

from .models import Client, Contract, Equipment


def active_contract_for(
    client: Client, equipment: Equipment | None, day: datetime.date
) -> Contract | None:
    """The contract that entitles this call, as the dispatcher must identify it.

    The equipment's own contract when it is active on `day`; otherwise a client-wide contract
    (one that no equipment is attached to, e.g. an assistance contract) active on `day`.
    A contract attached to other equipment does not cover this one.
    """
    if equipment is not None and equipment.contract_id:
        contract = equipment.contract
        if contract.is_active_on(day):
            return contract
    return (
        Contract.objects.filter(client=client, start_date__lte=day, end_date__gte=day)
        .filter(equipment__isnull=True)
        .order_by("-start_date")
        .first()
    )


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
