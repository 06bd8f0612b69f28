"""What a report shows, as plain data.

`report_snapshot()` reads the live objects once and returns a JSON-serialisable dict. At the
customer's signature this dict is frozen on the signed record; the PDF is always rendered from
such a dict (never from live objects), so a signed report reads the same forever, whatever
later happens to the client, the contract or the catalogue.

Schema (version 1) — every key is always present:

    version, number, status, status_label
    company: {name, address, phone, email, siret, logo}
    client: {number, name, address}            address = one line, "street, postcode city"
    site: {label, address, differs}            differs = site address ≠ client address
    object, caller_name, caller_phone, channel_label, priority_label
    planned_tasks                              tasks of a planned visit ("" for a call)
    equipment: {kind_label, brand, model, serial_number} | None
    contract: {number, kind_label, covers_labour, covers_travel, covers_parts,
               response_time_hours, conditions} | None
    under_contract, under_warranty, warranty_until (ISO date | None)
    billable: {travel, labour, parts}
    diagnostics, work_done, remarks
    parts: [{reference, description, quantity (str), unit_price (str), total (str)}]
    visits: [{technician, arrived_at, left_at (ISO | None), duration_minutes, travel_km (str),
              travel_minutes}]
    requested_at, deadline_at, first_arrival_at, resolved_at (ISO datetimes | None)
    met_deadline (bool | None), outcome, outcome_label
    total_minutes, total_km (str), total_travel_minutes
    technician: {username, name} | None
    signatures: {}   filled at signing (services.report_freeze):
        {"technician": {"name", "signed_at" (ISO), "image" (PNG data URI)},
         "customer": {"name", "signed_at" (ISO), "image" (PNG data URI),
                      "stamp" (PNG/JPEG data URI | None)}}
    signed_at        ISO datetime, only on a frozen snapshot
    signed_content_sha256   only on a frozen snapshot: fingerprint of the content shown on the
                     sign page and signed (`services.report_content`)
    figures          only on a frozen snapshot: what billing reads,
        {minutes, travel_minutes, km, visits, parts_price, parts_cost, parts_quantity}
        (billing.snapshot_figures; parts_cost is not printed, but the fingerprint covers it)
    extras: {}       filled by other apps (`extensions.snapshot_extras`), e.g. procedures:
        {"acceptance": [{"title", "version", "steps": [{"label", "result": "passed"|"failed",
                                                        "comment"}]}]}
"""

from decimal import Decimal

from django.conf import settings
from django.utils import translation

from . import extensions
from .models import Intervention
from .people import display_name

SNAPSHOT_VERSION = 1


def _iso(value):
    return value.isoformat() if value else None


def report_snapshot(intervention: Intervention) -> dict:
    """Everything the report shows, read from the database now. Labels are in French."""
    i = (
        Intervention.objects.select_related("client", "site", "equipment", "technician")
        .prefetch_related("visits__technician", "parts")
        .get(pk=intervention.pk)
    )
    extras = {name: provider(i) for name, provider in extensions.snapshot_extras.items()}
    return build_snapshot(i, list(i.visits.all()), list(i.parts.all()), extras)


def build_snapshot(i: Intervention, visits: list, parts: list, extras: dict) -> dict:
    """The snapshot of `i` from objects already in memory: no query as long as the client,
    site, equipment and technician of `i` and the technician of each visit are loaded. Shared
    by `report_snapshot` and the data generator (`demo/scale.py`), which builds 100,000 of
    them without reading them back."""
    with translation.override(settings.LANGUAGE_CODE):
        total_minutes = sum(v.duration_minutes or 0 for v in visits)
        contract = i.contract_snapshot or None
        client_address = i.client.full_address
        site_address = i.site.full_address if i.site else ""
        return {
            "version": SNAPSHOT_VERSION,
            "number": i.number,
            "status": i.status,
            "status_label": str(i.get_status_display()),
            "company": dict(settings.COMPANY),
            "client": {"number": i.client.number, "name": i.client.name, "address": client_address},
            "site": {
                "label": i.site.label if i.site else "",
                "address": site_address,
                "differs": bool(site_address) and site_address != client_address,
            },
            "object": i.object,
            "planned_tasks": i.planned_tasks,
            "caller_name": i.caller_name,
            "caller_phone": i.caller_phone,
            "channel_label": str(i.get_channel_display()),
            "priority_label": str(i.get_priority_display()),
            "equipment": {
                "kind_label": str(i.equipment.get_kind_display()),
                "brand": i.equipment.brand,
                "model": i.equipment.model,
                "serial_number": i.equipment.serial_number,
            }
            if i.equipment
            else None,
            "contract": {
                "number": contract["number"],
                "kind_label": contract.get("kind_label", ""),
                "covers_labour": contract.get("covers_labour", False),
                "covers_travel": contract.get("covers_travel", False),
                "covers_parts": contract.get("covers_parts", False),
                "response_time_hours": contract.get("response_time_hours"),
                "conditions": contract.get("conditions", ""),
            }
            if contract
            else None,
            "under_contract": i.under_contract,
            "under_warranty": i.under_warranty,
            "warranty_until": _iso(i.warranty_until),
            "billable": {
                "travel": i.billable_travel,
                "labour": i.billable_labour,
                "parts": i.billable_parts,
            },
            "diagnostics": i.diagnostics,
            "work_done": i.work_done,
            "remarks": i.remarks,
            "parts": [
                {
                    "reference": p.reference,
                    "description": p.description,
                    "quantity": str(p.quantity.normalize()),
                    "unit_price": str(p.unit_price),
                    "total": str(p.total_price),
                }
                for p in parts
            ],
            "visits": [
                {
                    "technician": display_name(v.technician),
                    "arrived_at": _iso(v.arrived_at),
                    "left_at": _iso(v.left_at),
                    "duration_minutes": v.duration_minutes,
                    "travel_km": str(v.travel_km),
                    "travel_minutes": v.travel_minutes,
                }
                for v in visits
            ],
            "requested_at": _iso(i.requested_at),
            "deadline_at": _iso(i.deadline_at),
            "first_arrival_at": _iso(i.first_arrival_at),
            "resolved_at": _iso(i.resolved_at),
            "met_deadline": i.met_deadline,
            "outcome": i.outcome,
            "outcome_label": str(i.get_outcome_display()) if i.outcome else "",
            "total_minutes": total_minutes,
            "total_km": str(sum((v.travel_km for v in visits), Decimal("0"))),
            "total_travel_minutes": sum(v.travel_minutes for v in visits),
            "technician": {
                "username": i.technician.get_username(),
                "name": display_name(i.technician),
            }
            if i.technician
            else None,
            "signatures": {},
            "extras": extras,
        }
