"""Where each role lands, and the manager's dashboard (statistics, each table as CSV)."""

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation

from .. import billing, roles, selectors, stats
from ..billing_forms import PeriodForm
from ..filters import TO_SIGN
from ..roles import role_required

ROLE_HOME = {
    roles.DISPATCHER: "interventions-list",
    roles.TECHNICIAN: "interventions-mine",
    roles.MANAGER: "interventions-dashboard",
}


@login_required
def home(request):
    role = roles.user_role(request.user)
    if role is None:
        return render(request, "interventions/no_role.html", status=403)
    return redirect(ROLE_HOME[role])


def _table_csv(table: stats.Table, start: datetime.date, end: datetime.date):
    response = StreamingHttpResponse(
        billing.csv_stream([table.columns, *table.rows]), content_type="text/csv"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="statistiques-{table.key}-{start}-{end}.csv"'
    )
    return response


@role_required(roles.MANAGER)
def dashboard(request):
    """Statistics for a period: charts, their tables, and each table as CSV (`?csv=key`)."""
    today = timezone.localdate()
    form = PeriodForm(request.GET or None)
    start, end = form.period(default=(today.replace(day=1) - datetime.timedelta(days=365), today))
    wanted = request.GET.get("csv")
    # A CSV is an export: French whatever the user's language (README, "Langue").
    with translation.override("fr" if wanted else translation.get_language()):
        tables = stats.dashboard_tables(start, end, full=bool(wanted))
    if wanted:
        table = next((t for t in tables if t.key == wanted), None)
        if table is None:
            raise Http404
        return _table_csv(table, start, end)
    return render(
        request,
        "interventions/dashboard.html",
        {
            "by_status": selectors.count_by_status(),
            "to_sign_count": selectors.to_sign_count(),
            "to_sign": TO_SIGN,
            "form": form,
            "start": start,
            "end": end,
            "tables": tables,
            "query": urlencode({"date_from": start, "date_to": end}),
        },
    )


VISITS_PAGE_SIZE = 50


@role_required(roles.MANAGER)
def dashboard_visits(request):
    """« Voir tout » of the dashboard's annual visits: every contract, most behind first."""
    rows = stats.annual_visit_rows()
    page = Paginator(rows, VISITS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "interventions/dashboard_visits.html",
        {"page": page, "columns": stats.annual_visit_columns()},
    )
