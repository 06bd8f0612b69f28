"""Fixtures shared by the interventions tests."""

from decimal import Decimal

import pytest

from interventions.models import BillingRates


@pytest.fixture
def rates(db):
    return BillingRates.objects.update_or_create(
        pk=1,
        defaults={
            "hourly_rate": Decimal("60"),
            "travel_per_km": Decimal("0.50"),
            "travel_flat_fee": Decimal("15"),
            "vat_rate": Decimal("20"),
            "internal_hourly_cost": Decimal("30"),
            "vehicle_cost_per_km": Decimal("0.40"),
        },
    )[0]
