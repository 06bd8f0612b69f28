"""A simple scale data generator: N signed interventions with visits, parts and frozen reports.

bulk_create only (no services: speed), into whatever database Django is configured for — use a
throwaway one. The frozen snapshots carry signature images of a realistic size, so an export
that loaded them would show it in time and memory.

    from bench.scale_data import generate; generate(100_000)
"""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from clients.models import Client, Contract, Equipment
from interventions.models import (
    Channel,
    Intervention,
    InterventionCounter,
    PartUsed,
    ReportFigures,
    SignedReport,
    Status,
    Visit,
)

FAKE_SIGNATURE = "data:image/png;base64," + "iVBORw0KGgo" * 700  # ~8 KB, like a real stroke
YEAR = 2031  # far from real numbering so the generator never collides with it


def generate(n: int, *, batch: int = 5000, seed: int = 6, signed_on=None) -> None:
    rng = random.Random(seed)
    User = get_user_model()
    technicians = [
        User.objects.get_or_create(
            username=f"bench-tech{k}", defaults={"first_name": "Tech", "last_name": f"N°{k}"}
        )[0]
        for k in range(8)
    ]
    n_clients = max(10, n // 50)
    start = Client.objects.count()
    Client.objects.bulk_create(
        [
            Client(number=f"BCH-{start + k:06d}", name=f"Client {start + k}", city="Lyon")
            for k in range(n_clients)
        ]
    )
    clients = list(Client.objects.filter(number__startswith="BCH-").order_by("pk"))
    today = timezone.localdate()
    contracts = Contract.objects.bulk_create(
        [
            Contract(
                client=c,
                number=f"BCH-MAINT-{c.pk}",
                kind=Contract.Kind.MAINTENANCE,
                start_date=today - datetime.timedelta(days=200),
                end_date=today + datetime.timedelta(days=165),
                covers_labour=k % 2 == 0,
                covers_travel=k % 3 == 0,
                response_time_hours=8,
                annual_visits=2 if k % 5 == 0 else 0,
            )
            for k, c in enumerate(clients[: len(clients) // 2])
        ]
    )
    contracts_by_client = {
        c.client_id: c for c in Contract.objects.filter(number__startswith="BCH-")
    }
    equipment = Equipment.objects.bulk_create(
        [
            Equipment(client=c, kind=Equipment.Kind.PRINTER, brand="HP", model="M404")
            for c in clients
        ]
    )
    equipment_by_client = {e.client_id: e for e in equipment}
    signed_on = signed_on or (today - datetime.timedelta(days=5))
    base = timezone.make_aware(datetime.datetime.combine(signed_on, datetime.time(9)))
    first_seq = (
        InterventionCounter.objects.filter(year=YEAR).values_list("last_number", flat=True).first()
        or 0
    )
    del contracts
    for offset in range(0, n, batch):
        size = min(batch, n - offset)
        with transaction.atomic():
            rows = []
            for k in range(size):
                seq = first_seq + offset + k + 1
                client = clients[rng.randrange(len(clients))]
                contract = contracts_by_client.get(client.pk)
                requested = base - datetime.timedelta(days=rng.randrange(0, 300), hours=2)
                rows.append(
                    Intervention(
                        number=f"{YEAR}-{seq:06d}",
                        year=YEAR,
                        sequence=seq,
                        client=client,
                        equipment=equipment_by_client[client.pk],
                        contract=contract,
                        contract_snapshot=contract.snapshot() if contract else {},
                        under_contract=contract is not None,
                        object="=SOMME(A1:A9) imprimante" if k % 997 == 0 else "Imprimante HS",
                        channel=Channel.PHONE,
                        requested_at=requested,
                        resolved_at=requested + datetime.timedelta(hours=rng.randrange(1, 48)),
                        status=Status.SIGNED,
                        technician=technicians[k % len(technicians)],
                        diagnostics="Tambour rayé.",
                        work_done="Remplacement du tambour, tests d'impression.",
                        met_deadline=rng.random() < 0.85 if contract else None,
                        billable_travel=not (contract and contract.covers_travel),
                        billable_labour=not (contract and contract.covers_labour),
                        billable_parts=True,
                    )
                )
            created = Intervention.objects.bulk_create(rows)
            visits, parts, reports, figures = [], [], [], []
            for i in created:
                arrived = i.requested_at + datetime.timedelta(hours=1)
                minutes = rng.choice([30, 45, 60, 90, 120])
                km = Decimal(rng.randrange(5, 80))
                visits.append(
                    Visit(
                        intervention=i,
                        technician=i.technician,
                        arrived_at=arrived,
                        left_at=arrived + datetime.timedelta(minutes=minutes),
                        travel_km=km,
                        travel_minutes=int(km),
                    )
                )
                qty = Decimal(rng.randrange(1, 3))
                parts.append(
                    PartUsed(
                        intervention=i,
                        reference="TAMB-404",
                        description="Tambour d'imagerie",
                        quantity=qty,
                        unit_price=Decimal("89.00"),
                        unit_cost=Decimal("52.00"),
                    )
                )
                snapshot = {
                    "version": 1,
                    "number": i.number,
                    "client": {"number": i.client.number, "name": i.client.name, "address": ""},
                    "object": i.object,
                    "diagnostics": i.diagnostics,
                    "work_done": i.work_done,
                    "parts": [
                        {
                            "reference": "TAMB-404",
                            "description": "Tambour d'imagerie",
                            "quantity": str(qty),
                            "unit_price": "89.00",
                            "total": str(qty * Decimal("89.00")),
                        }
                    ],
                    "visits": [
                        {
                            "technician": "Tech",
                            "arrived_at": arrived.isoformat(),
                            "left_at": (arrived + datetime.timedelta(minutes=minutes)).isoformat(),
                            "duration_minutes": minutes,
                            "travel_km": str(km),
                            "travel_minutes": int(km),
                        }
                    ],
                    "total_minutes": minutes,
                    "total_km": str(km),
                    "total_travel_minutes": int(km),
                    "signatures": {
                        "technician": {"name": "Tech", "image": FAKE_SIGNATURE},
                        "customer": {"name": "Client", "image": FAKE_SIGNATURE, "stamp": None},
                    },
                    "extras": {},
                }
                figures.append(
                    ReportFigures(
                        intervention=i,
                        minutes=minutes,
                        travel_minutes=int(km),
                        km=km,
                        visits=1,
                        parts_price=qty * Decimal("89.00"),
                        parts_cost=qty * Decimal("52.00"),
                        parts_quantity=qty,
                    )
                )
                reports.append(
                    SignedReport(
                        intervention=i,
                        snapshot=snapshot,
                        pdf=f"reports/{YEAR}/{i.number}.pdf",
                        sha256="0" * 64,
                        signed_at=base + datetime.timedelta(minutes=rng.randrange(0, 600)),
                    )
                )
            Visit.objects.bulk_create(visits)
            PartUsed.objects.bulk_create(parts)
            SignedReport.objects.bulk_create(reports)
            ReportFigures.objects.bulk_create(figures)
    InterventionCounter.objects.update_or_create(year=YEAR, defaults={"last_number": first_seq + n})
