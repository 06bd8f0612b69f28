"""Amounts always carry two decimals, durations round one way, and "facturé" agrees with the
billing item, on the pages and in the exports."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from interventions import billing, services, stats
from tests.factories import make_intervention

from .billing_helpers import covered_equipment, signed_intervention


def _text(html: str) -> str:
    """The page's text, tags out and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_amounts_of_nothing_keep_two_decimals(client, manager, technician, rates):
    job = signed_intervention(technician, equipment=covered_equipment(labour=True))
    client.force_login(manager)
    response = client.get(reverse("interventions-billing-export", args=["csv"]))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(content), delimiter=";"))
    cells = dict(zip(header, row, strict=True))
    assert cells["Main-d'œuvre HT"] == "0,00"
    assert cells["Déplacement HT"] == "27,00"

    detail = _text(client.get(reverse("interventions-detail", args=[job.pk])).content.decode())
    assert "main-d'œuvre 0,00" in detail
    assert "(main-d'œuvre 0,00 · déplacement 27,00 · pièces 100,00)" in detail

    page = client.get(reverse("interventions-billing"))
    totals = page.context["totals"]
    assert str(totals.labour) == "0.00"
    footer = _text(page.content.decode().split('data-testid="billing-totals">')[1])
    assert footer.split()[:8] == [
        "Total",
        "1,50",
        "24,0",
        "0,00",
        "27,00",
        "100,00",
        "127,00",
        "152,40",
    ]


def test_money_display_groups_thousands_with_two_decimals():
    assert billing.money_display(Decimal("1234.5")) == "1\u202f234,50"
    assert billing.money_display(Decimal("0")) == "0,00"
    assert billing.money_display(Decimal("-0.005")) == "-0,01"
    assert billing.money_display(None) == ""


def test_not_billed_agrees_with_the_item(client, manager, technician, rates):
    equipment = covered_equipment(labour=True, travel=True, parts=True)
    job = signed_intervention(technician, equipment=equipment)
    client.force_login(manager)
    row = client.get(reverse("interventions-billing")).content.decode()
    row = _text(row.split(f'data-number="{job.number}"')[1].split("</tr>")[0])
    assert "non facturée non facturé non facturées" in row  # labour, travel, parts

    panel = client.get(reverse("interventions-detail", args=[job.pk])).content.decode()
    for flag, label in [
        ("travel", "Non facturé"),
        ("labour", "Non facturée"),
        ("parts", "Non facturées"),
    ]:
        cells = panel.split(f'data-flag="{flag}"')[1].split("</tr>")[0]
        assert f'<span class="badge bg-secondary">{label}</span>' in cells


def test_history_names_the_item_and_its_state(client, manager, technician, rates):
    job = signed_intervention(technician)
    services.billing_override(
        intervention=job, actor=manager, flag="labour", billable=False, reason="Geste commercial"
    )
    client.force_login(manager)
    response = client.get(reverse("interventions-detail", args=[job.pk]))
    changes = [line.change for line in response.context["history"] if line.event.kind == "billing"]
    # "facturable" agrees with every item; the item is named, then before → after.
    assert changes == [
        "Main-d'œuvre\u00a0: facturable → non facturable (proposition\u00a0: facturable)"
    ]


@pytest.mark.parametrize(
    "flag,billed,label",
    [
        ("travel", True, "Déplacement — facturé"),
        ("labour", True, "Main-d'œuvre — facturée"),
        ("parts", True, "Pièces — facturées"),
        ("travel", False, "Déplacement — non facturé"),
        ("labour", False, "Main-d'œuvre — non facturée"),
        ("parts", False, "Pièces — non facturées"),
    ],
)
def test_item_states_agree_in_gender_and_number(flag, billed, label):
    assert billing.flag_decision(flag, billed) == label


def test_hours_round_half_up_alike(technician, other_technician):
    """4 h 15 and 5 h 45 on site: 4.3 h and 5.8 h (half to even gave 4.2 and 5.8)."""
    now = timezone.now().replace(microsecond=0)
    for tech, minutes in [(technician, 255), (other_technician, 345)]:
        job = make_intervention()
        services.intervention_assign(intervention=job, technician=tech, actor=tech)
        services.visit_record(
            intervention=job,
            technician=tech,
            arrived_at=now - datetime.timedelta(minutes=minutes),
            left_at=now,
        )
    today = timezone.localdate()
    table = stats.per_technician(today - datetime.timedelta(days=1), today)
    hours = sorted(row[1] for row in table.rows)
    assert hours == [Decimal("4.3"), Decimal("5.8")]


@pytest.mark.parametrize(
    "seconds,places,hours",
    [
        (15300, 1, "4.3"),  # 4.25 h
        (20700, 1, "5.8"),  # 5.75 h
        (-15300, 1, "-4.3"),  # overdue by 4.25 h
        (9000, 0, "3"),  # 2.5 h
        (12600, 0, "4"),  # 3.5 h
    ],
)
def test_hours_from_seconds_rounds_half_up(seconds, places, hours):
    assert billing.hours_from_seconds(seconds, places) == Decimal(hours)
