"""Every write that matters on clients and what they own."""

from django.db import IntegrityError, transaction
from django.db.models import Max

from .models import Client, Site

CLIENT_NUMBER_PREFIX = "CLI-"


def _next_client_number() -> str:
    last = Client.objects.filter(number__startswith=CLIENT_NUMBER_PREFIX).aggregate(
        m=Max("number")
    )["m"]
    next_value = int(last.removeprefix(CLIENT_NUMBER_PREFIX)) + 1 if last else 1
    return f"{CLIENT_NUMBER_PREFIX}{next_value:05d}"


def client_create(
    *,
    name: str,
    address: str = "",
    postal_code: str = "",
    city: str = "",
    phone: str = "",
    email: str = "",
    notes: str = "",
    number: str = "",
) -> Client:
    """Create a client; without `number`, take the next free CLI-xxxxx.

    Two dispatchers creating clients at once may compute the same number: the unique index
    refuses the second insert and it simply takes the next one.
    """
    for _attempt in range(5):
        client = Client(
            number=number or _next_client_number(),
            name=name.strip(),
            address=address.strip(),
            postal_code=postal_code.strip(),
            city=city.strip(),
            phone=phone.strip(),
            email=email.strip(),
            notes=notes,
        )
        client.full_clean()
        try:
            with transaction.atomic():
                client.save()
            return client
        except IntegrityError:
            if number:
                raise
    raise IntegrityError("Could not allocate a client number.")


@transaction.atomic
def site_create(
    *,
    client: Client,
    label: str,
    address: str = "",
    postal_code: str = "",
    city: str = "",
    access_notes: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
) -> Site:
    site = Site(
        client=client,
        label=label.strip(),
        address=address,
        postal_code=postal_code,
        city=city,
        access_notes=access_notes,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email.strip(),
    )
    site.full_clean()
    site.save()
    return site
