"""Billing rows of a period: the billing export's rows (`billing.export_rows`, the same
iterator as the CSV and XLSX files), paginated, for the manager as the billing pages."""

import datetime
from decimal import Decimal

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from .. import billing, selectors
from . import permissions, serializers
from .base import ApiLanguageMixin, errors
from .pagination import Pagination


class BillingPagination(Pagination):
    page_size = 100
    max_page_size = 500


def json_cell(value):
    """A typed cell of the export as JSON: a date in ISO, an amount as a decimal string."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def rows_json(lines, *, with_costs: bool) -> tuple[list[str], list[list]]:
    rows = billing.export_rows(lines, with_costs=with_costs)
    header = next(rows)
    return header, [[json_cell(cell) for cell in row] for row in rows]


class BillingRowsView(ApiLanguageMixin, GenericAPIView):
    permission_classes = [permissions.MANAGER]
    pagination_class = BillingPagination
    filter_backends = []

    @extend_schema(
        summary="The billing export's rows for a period",
        description=(
            "Manager. The filters of the billing page: the period (`date_from`, `date_to`, "
            "both included; by default the previous month up to today), `status` (to_bill, "
            "billed, all), `date_basis` (signed, billed), `client`, `contract`. The columns "
            "and rows are the CSV export's; amounts are decimal strings, dates ISO."
        ),
        parameters=[
            OpenApiParameter("date_from", datetime.date),
            OpenApiParameter("date_to", datetime.date),
            OpenApiParameter("status", str, enum=["to_bill", "billed", "all"]),
            OpenApiParameter("date_basis", str, enum=["signed", "billed"]),
            OpenApiParameter("client", int),
            OpenApiParameter("contract", int),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: serializers.BillingRowsSerializer, **errors(400, 404)},
    )
    def get(self, request):
        check = serializers.BillingFilterSerializer(data=request.query_params)
        check.is_valid(raise_exception=True)
        filters = check.form.filters()  # the billing page's filters, from the form just checked
        with_costs = request.user.has_perm("interventions.view_costs")
        lines = self.paginate_queryset(selectors.billing_lines_list(filters))
        columns, rows = rows_json(lines, with_costs=with_costs)
        page = self.paginator
        return Response(
            {
                "count": page.page.paginator.count,
                "next": page.get_next_link(),
                "previous": page.get_previous_link(),
                "columns": columns,
                "rows": rows,
            }
        )
