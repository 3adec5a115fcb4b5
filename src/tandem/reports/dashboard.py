"""The dashboard as one read: every figure the page shows and the API returns, and each
chart's table as rows of text for its CSV download."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Max, Min

from tandem.core.time import add_months, month_of, now
from tandem.leads.models import FunnelMonth
from tandem.leads.queries import require_role
from tandem.reports import rollups
from tandem.reports.breakdowns import (
    Breakdown,
    PipelineBreakdown,
    days_between,
    pipeline_breakdown,
    pipeline_breakdowns,
)
from tandem.reports.kpis import (
    NO_FILTERS,
    Filters,
    Grain,
    Handoffs,
    Money,
    MonthCommitment,
    Period,
    StageRow,
    bucket_labels,
    commitments,
    handoffs,
    median_time_to_win,
    sla_compliance,
    stage_rows,
    validate_period,
    won_deals,
)

DEFAULT_MONTHS = 12
UNKNOWN_CHART = "{chart} is not a chart of the dashboard; use one of: {known}."


@dataclass(frozen=True)
class Dashboard:
    period: Period
    filters: Filters
    stages: list[StageRow]
    median_time_to_win: dt.timedelta | None
    won: list[Money]
    handoffs: Handoffs
    commitments: list[MonthCommitment]
    breakdowns: dict[Breakdown, PipelineBreakdown]

    @property
    def bucket_labels(self) -> list[str]:
        return list(bucket_labels(self.period))

    @property
    def sla_compliance(self) -> float | None:
        return sla_compliance(self.handoffs)


def data_days() -> tuple[dt.date, dt.date] | None:
    """The first day of the first month and the last day of the last month with funnel
    activity, or None for an empty ledger. One query, on the small rollup."""
    bounds = FunnelMonth.objects.aggregate(first=Min("month"), last=Max("month"))
    if bounds["first"] is None:
        return None
    last: dt.date = bounds["last"]
    next_month = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return bounds["first"], next_month - dt.timedelta(days=1)


def default_period(bounds: tuple[dt.date, dt.date] | None, grain: str = Grain.MONTH) -> Period:
    """The twelve months up to the last day with data (or up to today, without data or when
    the data reaches this month); by week or by day, the last 26 weeks or 31 days of it."""
    last = bounds[1] if bounds is not None else now().date()
    if bounds is not None and month_of(now()) == bounds[1].replace(day=1):
        last = min(last, now().date())
    if grain == Grain.MONTH:
        first = add_months(last.replace(day=1), 1 - DEFAULT_MONTHS)
    else:
        first = last - dt.timedelta(days=(26 * 7 if grain == Grain.WEEK else 31) - 1)
    return validate_period(first_day=first, last_day=last, grain=grain)


def dashboard(actor: User, *, period: Period, filters: Filters = NO_FILTERS) -> Dashboard:
    """Everything the dashboard shows for `period`, narrowed by `filters`. Dashboards are
    shared: every role on a team reads the same one."""
    require_role(actor)
    with rollups.up_to_date():
        return Dashboard(
            period=period,
            filters=filters,
            stages=stage_rows(period, filters),
            median_time_to_win=median_time_to_win(period, filters),
            won=won_deals(period, filters),
            handoffs=handoffs(period, filters),
            commitments=commitments(period, filters),
            breakdowns=pipeline_breakdowns(period, filters=filters),
        )


def pipeline(
    actor: User, *, period: Period, by: str, filters: Filters = NO_FILTERS
) -> PipelineBreakdown:
    """One of the dashboard's breakdowns on its own; shared like the dashboard."""
    require_role(actor)
    return pipeline_breakdown(period, by=by, filters=filters)


# Tables: each chart's figures as text rows, the same for the page and the CSV download. ----


Table = tuple[list[str], list[list[str]]]


def _number(value: float | None, places: int = 4) -> str:
    return "" if value is None else f"{round(value, places)}"


def _hours(duration: dt.timedelta | None) -> str:
    return "" if duration is None else f"{duration.total_seconds() / 3600:.2f}"


def _money(amounts: list) -> str:  # type: ignore[type-arg]
    return "; ".join(f"{item.amount} {item.currency}" for item in amounts)


def volumes_table(board: Dashboard) -> Table:
    header = ["stage", *board.bucket_labels, "total"]
    rows = [
        [row.stage.value, *(str(count) for count in row.by_bucket), str(row.reached)]
        for row in board.stages
    ]
    return header, rows


def conversion_table(board: Dashboard) -> Table:
    header = ["stage", "next_stage", "reached", "advanced", "conversion", "median_days_in_stage"]
    rows = [
        [
            row.stage.value,
            row.next_stage.value,
            str(row.reached),
            str(row.advanced),
            _number(row.conversion),
            _number(days_between(row.median_time_in_stage), 3),
        ]
        for row in board.stages
        if row.next_stage is not None
    ]
    return header, rows


def service_levels_table(board: Dashboard) -> Table:
    sales = board.handoffs
    header = ["figure", "value"]
    rows = [
        ["handoffs_with_deadlines", str(sales.compliance.assignments)],
        ["accept_deadlines_missed", str(sales.compliance.accept_breaches)],
        ["first_touch_deadlines_missed", str(sales.compliance.touch_breaches)],
        ["sales_sla_compliance", _number(board.sla_compliance)],
        ["median_speed_to_lead_hours", _hours(sales.median_speed_to_lead)],
        ["accepted", str(sales.accepted)],
        ["rejected", str(sales.rejected)],
        ["acceptance_rate", _number(sales.acceptance_rate)],
    ]
    return header, rows


def commitment_table(board: Dashboard) -> Table:
    header = ["month", "mqls_delivered", "mqls_committed", "share"]
    rows = [
        [
            f"{month.month:%Y-%m}",
            str(month.delivered),
            "" if month.committed is None else str(month.committed),
            _number(month.share),
        ]
        for month in board.commitments
    ]
    return header, rows


def reasons_table(board: Dashboard) -> Table:
    header = ["reason_code", "reason", "rejections"]
    rows = [[reason.code, reason.label, str(reason.count)] for reason in board.handoffs.reasons]
    return header, rows


def revenue_table(board: Dashboard) -> Table:
    header = ["currency", "won_deals", "revenue"]
    rows = [[money.currency, str(money.deals), str(money.amount)] for money in board.won]
    return header, rows


def breakdown_table(by: Breakdown) -> Callable[[Dashboard], Table]:
    def table(board: Dashboard) -> Table:
        header = [
            by.value,
            "mqls",
            "sqls",
            "won_deals",
            "mql_to_won",
            "revenue",
            "open_deals",
            "pipeline",
        ]
        found = board.breakdowns[by]
        rows = [
            [
                row.label,
                str(row.mqls),
                str(row.sqls),
                str(row.won_deals),
                _number(row.mql_to_won),
                _money(row.revenue),
                str(row.open_deals),
                _money(row.pipeline),
            ]
            for row in [*found.rows, found.total]
        ]
        return header, rows

    return table


TABLES: dict[str, Callable[[Dashboard], Table]] = {
    "volumes": volumes_table,
    "conversion": conversion_table,
    "service_levels": service_levels_table,
    "commitment": commitment_table,
    "rejection_reasons": reasons_table,
    "revenue": revenue_table,
    **{f"by_{by.value}": breakdown_table(by) for by in Breakdown},
}
