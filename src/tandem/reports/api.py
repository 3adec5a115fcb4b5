"""The reports API: the same figures the dashboard shows, for programs."""

from typing import Any

from ninja import Query, Router

from tandem.core.api_support import ApiRequest
from tandem.core.schemas import READ_ERRORS, ErrorOut
from tandem.reports import dashboard as boards
from tandem.reports.kpis import shared_summary
from tandem.reports.queries import Funnel, data_period, default_period, funnel
from tandem.reports.schemas import (
    BreakdownOut,
    BreakdownQuery,
    DashboardOut,
    DashboardQuery,
    FunnelOut,
    FunnelQuery,
    SummaryOut,
    breakdown_payload,
    dashboard_payload,
    summary_payload,
)

router = Router(tags=["reports"])


@router.get("/funnel", response={200: FunnelOut, 400: ErrorOut, **READ_ERRORS})
def funnel_report(request: ApiRequest, query: Query[FunnelQuery]) -> Funnel:
    """Leads reaching each stage per month, and each stage's conversion to the next."""
    period = query.period(default=default_period(data_period()))
    return funnel(request.auth, first_month=period.first_month, last_month=period.last_month)


@router.get("/dashboard", response={200: DashboardOut, 400: ErrorOut, **READ_ERRORS})
def dashboard_report(request: ApiRequest, query: Query[DashboardQuery]) -> dict[str, Any]:
    """Every figure of the dashboard for a period of days, by day, week or month, filtered."""
    period = query.period(default=boards.default_period(boards.data_days(), query.grain))
    board = boards.dashboard(request.auth, period=period, filters=query.filters())
    return dashboard_payload(board)


@router.get("/summary", response={200: SummaryOut, 400: ErrorOut, **READ_ERRORS})
def summary_report(request: ApiRequest, query: Query[DashboardQuery]) -> dict[str, Any]:
    """The dashboard's headline KPIs for a period, in the fixed order report snapshots use."""
    period = query.period(default=boards.default_period(boards.data_days(), query.grain))
    values = shared_summary(
        request.auth, first_day=period.first_day, last_day=period.last_day, filters=query.filters()
    )
    return summary_payload(values, first_day=period.first_day, last_day=period.last_day)


@router.get("/pipeline", response={200: BreakdownOut, 400: ErrorOut, **READ_ERRORS})
def pipeline_report(request: ApiRequest, query: Query[BreakdownQuery]) -> dict[str, Any]:
    """The period's MQLs by source group, source, campaign, channel, landing page or segment:
    SQLs, won deals, conversion, revenue and pipeline."""
    period = query.period(default=boards.default_period(boards.data_days(), query.grain))
    found = boards.pipeline(request.auth, period=period, by=query.by, filters=query.filters())
    return breakdown_payload(found)
