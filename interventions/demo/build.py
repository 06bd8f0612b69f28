"""Create the demo data set of `data` through the services, like real work. Idempotent:
reference data is matched by its natural key, the interventions are created only once."""

import base64
import datetime
import io
import math
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from PIL import Image, ImageDraw

from clients.models import Client, Contract, Equipment, Site
from interventions import services, workflow
from interventions.models import Channel, Intervention, Part, Priority, Status
from interventions.people import display_name
from interventions.roles import GROUP_NAMES

from . import data
from .data import Workday


def demo_signature(seed: str) -> str:
    """A hand-drawn-looking signature as a PNG data URI (what the tablet would store)."""
    rng = random.Random(seed)
    image = Image.new("LA", (300, 100), (255, 0))
    draw = ImageDraw.Draw(image)
    points, x = [], 15.0
    while x < 280:
        y = 55 + 28 * math.sin(x / (9 + rng.random() * 6)) * (0.6 + 0.4 * rng.random())
        points.append((x, y))
        x += 3 + rng.random() * 3
    draw.line(points, fill=(20, 255), width=3, joint="curve")
    draw.line([(30, 82), (260, 76)], fill=(20, 255), width=2)
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def users_create() -> dict:
    """One user per role (password `data.DEMO_PASSWORD`) and the superuser; by username."""
    User = get_user_model()
    users = {}
    for username, first, last, role in data.USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@{data.EMAIL_DOMAIN}",
            },
        )
        if created:
            user.set_password(data.DEMO_PASSWORD)
            user.save()
        user.groups.add(Group.objects.get(name=GROUP_NAMES[role]))
        users[username] = user
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", f"admin@{data.EMAIL_DOMAIN}", data.ADMIN_PASSWORD)
    return users


def reference_data_create() -> None:
    """Clients, their sites, the parts catalogue, contracts and equipment (updated in place)."""
    for fields in data.CLIENTS:
        Client.objects.update_or_create(number=fields["number"], defaults=fields)
    for fields in data.SITES:
        fields = dict(fields)
        client = Client.objects.get(number=fields.pop("client"))
        label = fields.pop("label")
        Site.objects.update_or_create(client=client, label=label, defaults=fields)
    for reference, name, price, cost in data.PARTS:
        Part.objects.update_or_create(
            reference=reference,
            defaults={"name": name, "unit_price": Decimal(price), "unit_cost": Decimal(cost)},
        )

    year = timezone.localdate().year
    for fields in data.CONTRACTS:
        fields = dict(fields)
        number = fields.pop("number").format(year=year)
        fields["client"] = Client.objects.get(number=fields["client"])
        fields["start_date"] = datetime.date(year, 1, 1)
        fields["end_date"] = datetime.date(year, 12, 31)
        Contract.objects.update_or_create(number=number, defaults=fields)

    today = timezone.localdate()
    for fields in data.EQUIPMENT:
        fields = dict(fields)
        serial = fields.pop("serial_number")
        client = Client.objects.get(number=fields["client"])
        contract = fields.pop("contract")
        warranty_days = fields.pop("warranty_days")
        fields.update(
            client=client,
            site=Site.objects.get(client=client, label=fields["site"]),
            installed_on=today - datetime.timedelta(days=fields.pop("installed_days_ago")),
            warranty_until=(
                None if warranty_days is None else today + datetime.timedelta(days=warranty_days)
            ),
            contract=(
                Contract.objects.get(number=contract.format(year=year)) if contract else None
            ),
        )
        Equipment.objects.update_or_create(serial_number=serial, defaults=fields)


def _workday_at(moment: Workday) -> datetime.datetime:
    day = timezone.localdate()
    days_ago = moment.days_ago
    while days_ago:
        day -= datetime.timedelta(days=1)
        if day.weekday() < 5:
            days_ago -= 1
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(moment.hour, moment.minute))
    )


def interventions_create(users: dict) -> int:
    """Play the stories of `data.INTERVENTIONS` once; returns how many interventions exist
    afterwards, 0 when the demo interventions were already there."""
    if Intervention.objects.filter(client__number__in=[c["number"] for c in data.CLIENTS]).exists():
        return 0
    now = timezone.now().replace(second=0, microsecond=0)

    def at(moment) -> datetime.datetime:
        return _workday_at(moment) if isinstance(moment, Workday) else now - moment

    equipment = {e.serial_number: e for e in Equipment.objects.select_related("client", "site")}
    parts = {p.reference: p for p in Part.objects.all()}
    for story in data.INTERVENTIONS:
        _story_play(story, users=users, equipment=equipment, parts=parts, at=at)
    return Intervention.objects.count()


def _story_play(story: dict, *, users: dict, equipment: dict, parts: dict, at) -> None:
    dispatcher = users["sophie"]
    caller, phone = story["caller"]
    item = equipment[story["equipment"]]
    job = services.intervention_create(
        client=item.client,
        equipment=item,
        object=story["object"],
        caller_name=caller,
        caller_phone=phone,
        channel=Channel.PHONE,
        priority=story.get("priority", Priority.NORMAL),
        requested_at=at(story["requested_at"]),
        actor=dispatcher,
    )
    technician = users[story["assign"][0]] if "assign" in story else None
    if technician is not None:
        _username, start, end = story["assign"]
        services.intervention_assign(
            intervention=job,
            technician=technician,
            actor=dispatcher,
            scheduled_start=at(start),
            scheduled_end=at(end),
        )
    if "visit" in story:
        visit = story["visit"]
        services.visit_record(
            intervention=job,
            technician=technician,
            arrived_at=at(visit["arrived_at"]),
            left_at=at(visit["left_at"]) if "left_at" in visit else None,
            travel_km=Decimal(visit["travel_km"]),
            travel_minutes=visit["travel_minutes"],
        )
    if "report" in story:
        services.report_update(intervention=job, actor=technician, **story["report"])
    for reference, quantity in story.get("parts", []):
        services.part_add(
            intervention=job, part=parts[reference], quantity=quantity, actor=technician
        )
    if "resolved_at" in story:
        services.intervention_resolve(
            intervention=job, actor=technician, resolved_at=at(story["resolved_at"])
        )
        workflow.transition(job, Status.AWAITING_SIGNATURE, actor=technician)
    if "signed_at" in story:
        signed_at = at(story["signed_at"])
        services.report_freeze(
            intervention=job,
            actor=technician,
            signed_at=signed_at,
            signatures=_signatures(technician, caller, signed_at),
        )
    if "billed" in story:
        workflow.transition(job, Status.BILLED, actor=users[story["billed"]])
    if "cancelled" in story:
        services.intervention_cancel(intervention=job, actor=dispatcher, reason=story["cancelled"])


def _signatures(technician, customer: str, signed_at: datetime.datetime) -> dict:
    """What the tablet sends at signature: both names, the moment and the drawn images."""
    name = display_name(technician)
    return {
        "technician": {
            "name": name,
            "signed_at": signed_at.isoformat(),
            "image": demo_signature(name),
        },
        "customer": {
            "name": customer,
            "signed_at": signed_at.isoformat(),
            "image": demo_signature(customer),
            "stamp": None,
        },
    }
