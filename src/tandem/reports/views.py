"""The shared dashboard, and each of its tables as a CSV download (`?format=csv&chart=name`)."""

import csv
import io
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tandem.core.errors import NotFound
from tandem.core.pages import CSV_TYPE, MemberRequest, download, team_page
from tandem.leads.funnel import SIDE_STAGES
from tandem.leads.models import Stage
from tandem.leads.queries import require_role
from tandem.reports import rollups
from tandem.reports.breakdowns import Breakdown
from tandem.reports.charts import BarItem, bar_chart, column_chart
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
        # The funnel by stage, under the name the dashboard's older pages used.
        "funnel": board,
        "form": shown,
        "bounds": bounds,
        "csv_query": urlencode({**query, "format": "csv"}),
        "charts": charts(board),
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


def charts(board: Dashboard) -> dict[str, Any]:
    mqls = next(row for row in board.stages if row.stage == Stage.MQL)
    return {
        "volumes": bar_chart(
            [
                BarItem(
                    label=str(row.stage.label),
                    value=row.reached,
                    text=f"{row.reached:,}",
                    is_side=row.stage in SIDE_STAGES,
                )
                for row in board.stages
            ]
        ),
        "mqls_over_time": column_chart(board.bucket_labels, mqls.by_bucket),
        "conversion": bar_chart(
            [
                BarItem(
                    label=f"{row.stage.label} → {row.next_stage.label}",
                    value=row.conversion or 0.0,
                    text="—" if row.conversion is None else f"{row.conversion * 100:.1f}%",
                )
                for row in board.stages
                if row.next_stage is not None
            ]
        ),
        "reasons": bar_chart(
            [
                BarItem(label=reason.label, value=reason.count, text=f"{reason.count:,}")
                for reason in board.handoffs.reasons
            ]
        ),
        "commitment": bar_chart(
            [
                BarItem(
                    label=f"{month.month:%b %Y}",
                    value=month.delivered,
                    text=f"{month.delivered:,}"
                    + ("" if month.committed is None else f" / {month.committed:,}"),
                )
                for month in board.commitments
            ]
        ),
    }


def breakdown_chart(board: Dashboard, by: Breakdown) -> Any:
    """MQLs per source, campaign, ..., with their won deals: the biggest twelve."""
    found = board.breakdowns[by]
    return bar_chart(
        [
            BarItem(
                label=row.label,
                value=row.mqls,
                text=f"{row.mqls:,} · {row.won_deals:,} won",
                is_side=row.key is None,
            )
            for row in found.rows[:12]
        ]
    )
