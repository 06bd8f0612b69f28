"""A period already marked billed can be listed and downloaded again, from the billing page
(status and date filters) as from the command line."""

import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from interventions import billing, services
from interventions.models import Intervention, InterventionEvent, SignedReport, Status

from .billing_helpers import signed_intervention
from .integrity_helpers import triggers_off

LONG_AGO = 40  # days


def _rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content), delimiter=";"))


def _numbers(response) -> list[str]:
    return [row[0] for row in _rows(response)[1:]]


@pytest.fixture
def period(technician, manager):
    """signed_long_ago: signed 40 days ago, billed today. to_bill: signed today, not billed.
    billed_now: signed and billed today. billed_long_ago: signed and billed 40 days ago."""
    signed_long_ago = signed_intervention(technician)
    to_bill = signed_intervention(technician)
    billed_now = signed_intervention(technician)
    billed_long_ago = signed_intervention(technician)
    services.interventions_mark_billed(
        pks=[signed_long_ago.pk, billed_now.pk, billed_long_ago.pk], actor=manager
    )
    # Noon, local time, LONG_AGO days before today: the same calendar day in Paris whatever
    # the hour the suite runs at and whatever daylight saving time did in between (at 22:17 UTC
    # in late November, "now - 40 days" fell on the next day in Paris under summer time).
    past = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() - datetime.timedelta(days=LONG_AGO), datetime.time(12)
        )
    )
    with triggers_off():  # the past cannot be written through the application
        SignedReport.objects.filter(intervention__in=[signed_long_ago, billed_long_ago]).update(
            signed_at=past
        )
        InterventionEvent.objects.filter(
            intervention=billed_long_ago, to_status=Status.BILLED
        ).update(at=past)
        Intervention.objects.filter(pk=billed_long_ago.pk).update(billed_at=past)
    return {
        "signed_long_ago": signed_long_ago,
        "to_bill": to_bill,
        "billed_now": billed_now,
        "billed_long_ago": billed_long_ago,
    }


def _week():
    today = timezone.localdate()
    return {"date_from": today - datetime.timedelta(days=7), "date_to": today}


@pytest.mark.parametrize(
    "status,basis,expected",
    [
        ("", "", ["to_bill"]),  # the default: what is left to bill, by signature date
        ("billed", "", ["billed_now"]),
        ("billed", "billed", ["signed_long_ago", "billed_now"]),
        ("all", "", ["to_bill", "billed_now"]),
        ("all", "billed", ["signed_long_ago", "billed_now"]),
    ],
)
def test_web_export_chooses_status_and_date(client, manager, period, status, basis, expected):
    client.force_login(manager)
    query = {**_week(), "status": status, "date_basis": basis}
    response = client.get(reverse("interventions-billing-export", args=["csv"]), query)
    assert response.status_code == 200
    assert sorted(_numbers(response)) == sorted(period[name].number for name in expected)
    page = client.get(reverse("interventions-billing"), query)
    assert sorted(line.number for line in page.context["lines"]) == sorted(
        period[name].number for name in expected
    )


def test_billed_export_says_when_each_was_billed(client, manager, period):
    client.force_login(manager)
    day = timezone.localdate()
    long_ago = day - datetime.timedelta(days=LONG_AGO)
    query = {
        "date_from": long_ago - datetime.timedelta(days=1),
        "date_to": day,
        "status": "billed",
        "date_basis": "billed",
    }
    rows = _rows(client.get(reverse("interventions-billing-export", args=["csv"]), query))
    header, data = rows[0], rows[1:]
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in data}
    assert set(by_number) == {
        period[name].number for name in ("signed_long_ago", "billed_now", "billed_long_ago")
    }
    french = "%d/%m/%Y"
    old = by_number[period["billed_long_ago"].number]
    assert (old["Signée le"], old["Facturée le"]) == (long_ago.strftime(french),) * 2
    late = by_number[period["signed_long_ago"].number]
    assert (late["Signée le"], late["Facturée le"]) == (
        long_ago.strftime(french),
        day.strftime(french),
    )


def test_page_links_its_exports_to_the_chosen_filters(client, manager, period):
    client.force_login(manager)
    response = client.get(reverse("interventions-billing"), {"status": "billed"})
    html = response.content.decode()
    assert "status=billed" in response.context["query"]
    export = reverse("interventions-billing-export", args=["xlsx"])
    assert f"{export}?{response.context['query']}".replace("&", "&amp;") in html
    # Billed lines cannot be ticked again; the button is for signed lines only.
    assert 'name="pk"' not in html and 'data-testid="mark-billed"' not in html
    assert "Facturée le" in html


def test_billing_date_of_interventions_still_to_bill_is_refused_on_the_form(client, manager):
    client.force_login(manager)
    response = client.get(
        reverse("interventions-billing"), {"status": "to_bill", "date_basis": "billed"}
    )
    html = response.content.decode()
    assert "n’ont pas encore de date de facturation" in html
    # The choices typed are kept on the form.
    assert '<option value="billed" selected>Date de facturation</option>' in html


def test_interventions_billed_again_are_dated_by_their_last_billing(
    manager, admin_user, technician
):
    job = signed_intervention(technician)
    services.interventions_mark_billed(pks=[job.pk], actor=manager)
    # Noon, local time, LONG_AGO days before today: the same calendar day in Paris whatever
    # the hour the suite runs at and whatever daylight saving time did in between (at 22:17 UTC
    # in late November, "now - 40 days" fell on the next day in Paris under summer time).
    past = timezone.make_aware(
        datetime.datetime.combine(
            timezone.localdate() - datetime.timedelta(days=LONG_AGO), datetime.time(12)
        )
    )
    with triggers_off():
        InterventionEvent.objects.filter(intervention=job, to_status=Status.BILLED).update(at=past)
        Intervention.objects.filter(pk=job.pk).update(billed_at=past)
    services.intervention_unbill(intervention=job, actor=admin_user, reason="Avoir émis")
    week = _week()
    # Back to "signed": not billed any more, to bill again.
    [line] = billing.billing_lines(billing.billable_queryset(**week))
    assert line.number == job.number and line.billed_at is None
    services.interventions_mark_billed(pks=[job.pk], actor=manager)
    [line] = billing.billing_lines(
        billing.billable_queryset(**week, statuses=[Status.BILLED], date_basis=billing.BILLED_DATE)
    )
    assert timezone.localtime(line.billed_at).date() == timezone.localdate()


def test_command_exports_by_billing_date(period, tmp_path):
    week = _week()
    out = tmp_path / "billed.csv"
    call_command(
        "export_billing",
        "--from",
        week["date_from"].isoformat(),
        "--to",
        week["date_to"].isoformat(),
        "--include-billed",
        "--billed-date",
        "-o",
        str(out),
    )
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert sorted(r[0] for r in rows[1:]) == sorted(
        period[name].number for name in ("signed_long_ago", "billed_now")
    )
    with pytest.raises(CommandError, match="--include-billed"):
        call_command(
            "export_billing", "--from", "2026-01-01", "--to", "2026-01-31", "--billed-date",
            "-o", str(out),
        )  # fmt: skip
