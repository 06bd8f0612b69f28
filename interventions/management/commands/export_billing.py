"""Scheduled billing export: `export_billing --from D --to D --format csv|xlsx -o FILE`."""

import datetime
import functools
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from interventions import billing
from interventions.models import Status


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Invalid date {value!r}: expected YYYY-MM-DD.") from error


class Command(BaseCommand):
    help = "Export the signed interventions of a period for billing (CSV or XLSX)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="date_from", required=True, help="YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", required=True, help="YYYY-MM-DD")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("-o", "--output", required=True, help="file to write, - for stdout")
        parser.add_argument(
            "--include-billed",
            action="store_true",
            help="also export the interventions already marked as billed",
        )
        parser.add_argument(
            "--billed-date",
            action="store_true",
            help="read the period on the day each intervention was marked billed (billed ones "
            "only), not on its signature date",
        )
        parser.add_argument("--no-costs", action="store_true", help="leave out cost and margin")

    def handle(self, *args, **options):
        date_from, date_to = _day(options["date_from"]), _day(options["date_to"])
        if date_to < date_from:
            raise CommandError("--to must not be before --from.")
        if options["billed_date"] and not options["include_billed"]:
            raise CommandError("--billed-date needs --include-billed.")
        statuses = [Status.SIGNED, Status.BILLED] if options["include_billed"] else [Status.SIGNED]
        basis = billing.BILLED_DATE if options["billed_date"] else billing.SIGNED_DATE
        with_costs = not options["no_costs"]
        with translation.override("fr"):
            qs = billing.billable_queryset(
                date_from=date_from, date_to=date_to, statuses=statuses, date_basis=basis
            )
            rows = billing.export_rows(billing.export_lines(qs), with_costs=with_costs)
            kinds = billing.export_kinds(with_costs=with_costs)
            if options["format"] == "xlsx":
                writer = functools.partial(billing.xlsx_stream, kinds=kinds)
            else:
                writer = billing.csv_stream
            count = 0

            def counted(rows):
                nonlocal count
                for row in rows:
                    count += 1
                    yield row

            if options["output"] == "-":
                out = sys.stdout.buffer
                for chunk in writer(counted(rows)):
                    out.write(chunk)
                out.flush()
            else:
                with open(options["output"], "wb") as out:
                    for chunk in writer(counted(rows)):
                        out.write(chunk)
        self.stderr.write(f"{max(count - 1, 0)} interventions exported.")
