"""The shared dashboard, and each of its tables as a CSV download (`?format=csv&chart=name`)."""

import csv
import io
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tandem.core.errors import NotFound
from tandem.core.pages import CSV_TYPE, MemberRequest, download, team_page
from tandem.leads.queries import require_role
from tandem.reports import rollups
from tandem.reports.breakdowns import Breakdown
from tandem.reports.charts import breakdown_chart, dashboard_charts
from tandem.reports.dashboard import (
    TABLES,
    UNKNOWN_CHART,
    Dashboard,
    dashboard,
    data_days,
    default_period,
)
from tandem.reports.forms import DashboardForm, shown_form
from tandem.reports.kpis import Grain

FORM_FIELDS = ("first_day", "last_day", "grain", "segment", "team", "campaign")


@team_page
@require_GET
def dashboard_page(request: MemberRequest) -> HttpResponse:
    require_role(request.user)
    with rollups.up_to_date():
        return _dashboard_page(request)


def _dashboard_page(request: MemberRequest) -> HttpResponse:
    bounds = data_days()
    grain = request.GET.get("grain")
    default = default_period(bounds, grain if grain in Grain.values else Grain.MONTH)
    form = DashboardForm(request.GET, default=default)
    period, filters = form.period(), form.filters()
    if request.GET.get("format") == "csv":
        return csv_download(
            dashboard(request.user, period=period, filters=filters), request.GET.get("chart", "")
        )
    if not form.is_valid():
        messages.error(request, form.problem())
    board = dashboard(request.user, period=period, filters=filters)
    shown = shown_form(period, filters, default=default, choices=form.choices)
    query = {name: shown.data[name] for name in FORM_FIELDS if shown.data[name] not in ("", None)}
    context = {
        "board": board,
        "form": shown,
        "bounds": bounds,
        "csv_query": urlencode({**query, "format": "csv"}),
        "charts": dashboard_charts(board),
        "breakdowns": [(by, board.breakdowns[by], breakdown_chart(board, by)) for by in Breakdown],
        "main_path_rows": [row for row in board.stages if row.next_stage is not None],
        "tables": {name: table(board) for name, table in TABLES.items()},
    }
    return render(request, "reports/dashboard.html", context)


def csv_download(board: Dashboard, chart: str) -> HttpResponse:
    """One chart's table as a CSV file named after the chart and the period."""
    table = TABLES.get(chart)
    if table is None:
        raise NotFound(UNKNOWN_CHART.format(chart=chart or "Nothing", known=", ".join(TABLES)))
    header, rows = table(board)
    name = f"{chart}-{board.period.first_day:%Y%m%d}-{board.period.last_day:%Y%m%d}.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return download(buffer.getvalue(), content_type=CSV_TYPE, file_name=name)
