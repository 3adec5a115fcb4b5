"""The shapes of the reports API."""

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from ninja import Field, Schema

from tandem.core.errors import DomainError
from tandem.core.schemas import MAX_ID
from tandem.leads.models import Stage
from tandem.reports.breakdowns import Breakdown, BreakdownRow, PipelineBreakdown
from tandem.reports.dashboard import Dashboard
from tandem.reports.kpis import SUMMARY_KINDS, SUMMARY_LABELS, Filters, Grain
from tandem.reports.kpis import Period as DayPeriod
from tandem.reports.kpis import validate_period as validate_day_period
from tandem.reports.queries import (
    MAX_PERIOD_MONTHS,
    Funnel,
    FunnelStageRow,
    Period,
    month_text,
    validate_period,
)

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
MONTH_FORMAT = "%Y-%m"


class FunnelQuery(Schema):
    first_month: str | None = Field(
        None,
        pattern=MONTH_PATTERN,
        description="The first month of the report, YYYY-MM. Defaults to eleven months before "
        "the last month with funnel activity.",
    )
    last_month: str | None = Field(
        None,
        pattern=MONTH_PATTERN,
        description="The last month of the report, YYYY-MM. Defaults to the last month with "
        f"funnel activity (or this month). At most {MAX_PERIOD_MONTHS} months in all.",
    )

    def period(self, default: Period) -> Period:
        """The months asked for, each end falling back to `default`'s; raises for a bad span."""
        first = (
            dt.datetime.strptime(self.first_month, MONTH_FORMAT).date()  # noqa: DTZ007
            if self.first_month
            else default.first_month
        )
        last = (
            dt.datetime.strptime(self.last_month, MONTH_FORMAT).date()  # noqa: DTZ007
            if self.last_month
            else default.last_month
        )
        return validate_period(first_month=first, last_month=last)


class FunnelStageOut(Schema):
    stage: Stage = Field(description="The stage.")
    label: str = Field(description="The stage's name for people.")
    reached_by_month: list[int] = Field(
        description="How many leads first reached the stage in each month of `months`."
    )
    reached: int = Field(description="How many leads first reached the stage in the period.")
    advanced: int = Field(
        description="Of those, how many have gone on to the next stage of the main path so far."
    )
    conversion: float | None = Field(
        description="advanced / reached, or null with no next stage or no leads reaching this one."
    )
    next_stage: Stage | None = Field(
        description="The next stage of the main path; null at its end and for side stages."
    )

    @staticmethod
    def resolve_label(row: FunnelStageRow) -> str:
        return str(Stage(row.stage).label)


class FunnelOut(Schema):
    """The funnel as the dashboard shows it, computed from the stage ledger."""

    first_month: str = Field(description="The first month of the report, YYYY-MM.")
    last_month: str = Field(description="The last month of the report, YYYY-MM.")
    months: list[str] = Field(description="Every month of the report, YYYY-MM, oldest first.")
    stages: list[FunnelStageOut] = Field(
        description="One row per stage, the main path in order and then the side stages."
    )

    @staticmethod
    def resolve_first_month(report: Funnel) -> str:
        return month_text(report.first_month)

    @staticmethod
    def resolve_last_month(report: Funnel) -> str:
        return month_text(report.last_month)

    @staticmethod
    def resolve_months(report: Funnel) -> list[str]:
        return [month_text(month) for month in report.months]


# The dashboard -------------------------------------------------------------------------------

DAY_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
DAY_FORMAT = "%Y-%m-%d"


def _day(text: str | None, fallback: dt.date) -> dt.date:
    if not text:
        return fallback
    try:
        return dt.datetime.strptime(text, DAY_FORMAT).date()  # noqa: DTZ007 -- a date
    except ValueError:
        raise DomainError(NOT_A_DAY.format(day=text), fields={"day": "not a day"}) from None


NOT_A_DAY = "{day} is not a day of the calendar."


class DashboardQuery(Schema):
    first_day: str | None = Field(
        None,
        pattern=DAY_PATTERN,
        description="The first day of the period, YYYY-MM-DD, in the organisation's time zone. "
        "Defaults to the start of the default period (the twelve months up to the latest "
        "funnel activity, by month).",
    )
    last_day: str | None = Field(
        None,
        pattern=DAY_PATTERN,
        description="The last day of the period, YYYY-MM-DD, included. Defaults to the last "
        "day with funnel activity (or today).",
    )
    grain: Grain = Field(
        Grain.MONTH,
        description="Count by day (at most 92 days), week (735) or month (3,660 days).",
    )
    segment: str | None = Field(
        None,
        max_length=100,
        description="Only leads whose company is in this segment; an empty string for leads "
        "without a segment.",
    )
    team: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Only leads owned by members of this team, and handoffs given to them.",
    )
    campaign: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="Only leads attributed to this campaign (last touch, else first touch).",
    )

    def period(self, default: DayPeriod) -> DayPeriod:
        """The days asked for, each end falling back to `default`'s; raises for a bad span."""
        return validate_day_period(
            first_day=_day(self.first_day, default.first_day),
            last_day=_day(self.last_day, default.last_day),
            grain=self.grain,
        )

    def filters(self) -> Filters:
        return Filters(segment=self.segment, team_id=self.team, campaign_id=self.campaign)


class BreakdownQuery(DashboardQuery):
    by: Breakdown = Field(
        Breakdown.SOURCE_GROUP,
        description="What to break the period's MQLs down by: source group (marketing, sales "
        "prospecting, partners, outsourced), source (the lead's own source, e.g. an Olist "
        "origin), campaign, channel, landing page or segment.",
    )


class SummaryFigureOut(Schema):
    key: str = Field(description="The figure's stable key, e.g. `mqls` or `mql_to_sal`.")
    label: str = Field(description="The figure's name for people.")
    kind: str = Field(description="count, money (in the main currency), share (0 to 1) or hours.")
    value: float | int | None = Field(description="The figure; null where it has no meaning.")


class SummaryOut(Schema):
    """The dashboard's headline KPIs, in the fixed order reports use."""

    first_day: dt.date = Field(description="The first day of the period.")
    last_day: dt.date = Field(description="The last day of the period, included.")
    figures: list[SummaryFigureOut] = Field(description="Every headline figure, in order.")


class StageFiguresOut(Schema):
    stage: Stage = Field(description="The stage.")
    label: str = Field(description="The stage's name for people.")
    by_bucket: list[int] = Field(
        description="Leads that first reached the stage in each bucket of `buckets`."
    )
    reached: int = Field(description="Leads that first reached the stage in the period.")
    advanced: int = Field(
        description="Of those, how many have reached the next stage of the main path so far."
    )
    next_stage: Stage | None = Field(
        description="The next stage of the main path; null at its end and for side stages."
    )
    conversion: float | None = Field(
        description="advanced / reached; null with no next stage or no lead reaching this one."
    )
    median_days_in_stage: float | None = Field(
        description="Median days from reaching this stage to reaching the next, over the leads "
        "that reached the next one in the period (skipped stages left out)."
    )


class AmountOut(Schema):
    currency: str = Field(description="ISO 4217 currency code.")
    amount: Decimal = Field(description="The amount, in `currency`.")


class WonOut(AmountOut):
    deals: int = Field(description="Deals won in the period in this currency.")


class ReasonOut(Schema):
    code: str = Field(description="The rejection reason's code in the agreement.")
    label: str = Field(description="The reason's latest wording.")
    count: int = Field(description="Rejections with this reason made in the period.")


class ServiceLevelsOut(Schema):
    handoffs_with_deadlines: int = Field(description="Handoffs made in the period with SLAs.")
    accept_deadlines_missed: int = Field(description="Of those, accept-by deadlines missed.")
    first_touch_deadlines_missed: int = Field(description="Of those, first-touch deadlines missed.")
    compliance: float | None = Field(
        description="Share of those that missed neither deadline (so far); null without any."
    )
    median_speed_to_lead_hours: float | None = Field(
        description="Median hours from a handoff made in the period to sales' first touch."
    )
    accepted: int = Field(description="Handoffs of the period accepted (or by default).")
    rejected: int = Field(description="Handoffs of the period rejected.")
    acceptance_rate: float | None = Field(description="accepted / (accepted + rejected).")
    rejection_reasons: list[ReasonOut] = Field(
        description="Rejections made in the period by reason, most frequent first."
    )


class CommitmentOut(Schema):
    month: str = Field(description="The month, YYYY-MM.")
    delivered: int = Field(description="MQLs first reached in the month (within the period).")
    committed: int | None = Field(
        description="MQLs per month the agreement in force at the month's end commits "
        "marketing to (for the segment filtered on); null without one."
    )
    share: float | None = Field(description="delivered / committed.")


class BreakdownRowOut(Schema):
    key: str | None = Field(
        description="The source group, source, campaign id, channel, landing page or segment; "
        "null for the MQLs without one."
    )
    label: str = Field(description="The row's name for people.")
    mqls: int = Field(description="Leads that first reached MQL in the period.")
    sqls: int = Field(description="Of those, how many have reached SQL so far.")
    won_deals: int = Field(description="Won deals of those leads, whenever won.")
    won_leads: int = Field(description="Of the MQLs, how many have won a deal.")
    mql_to_won: float | None = Field(description="won_leads / mqls.")
    open_deals: int = Field(description="Deals of those leads still open.")
    revenue: list[AmountOut] = Field(description="Won deals' amounts, per currency.")
    pipeline: list[AmountOut] = Field(description="Open deals' amounts, per currency.")


class BreakdownOut(Schema):
    by: Breakdown = Field(description="What the MQLs are broken down by.")
    rows: list[BreakdownRowOut] = Field(
        description="One row per value, most MQLs first; the row without a value last."
    )
    total: BreakdownRowOut = Field(description="Every row added up.")


class DashboardOut(Schema):
    """Every figure of the dashboard for the period and filters asked for."""

    first_day: dt.date = Field(description="The first day of the period.")
    last_day: dt.date = Field(description="The last day of the period, included.")
    grain: Grain = Field(description="What the buckets are: days, weeks or months.")
    buckets: list[str] = Field(
        description="The first day of each bucket (YYYY-MM-DD; YYYY-MM by month), in order."
    )
    stages: list[StageFiguresOut] = Field(
        description="One row per stage, the main path in order and then the side stages."
    )
    median_days_to_win: float | None = Field(
        description="Median days from a lead's first contact (its entry into the lifecycle) to "
        "customer, over the leads that became customers in the period."
    )
    won: list[WonOut] = Field(description="Deals won in the period, per currency.")
    service_levels: ServiceLevelsOut = Field(description="Sales' side of the handoffs.")
    commitments: list[CommitmentOut] = Field(
        description="Marketing's MQLs against its commitment, per month."
    )
    breakdowns: list[BreakdownOut] = Field(
        description="The period's MQLs and their pipeline and revenue, by each dimension."
    )


def _days(duration: dt.timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 86400, 3)


def breakdown_payload(found: PipelineBreakdown) -> dict[str, Any]:
    def row(item: BreakdownRow) -> dict[str, Any]:
        return {**asdict(item), "mql_to_won": item.mql_to_won}

    return {"by": found.by, "rows": [row(item) for item in found.rows], "total": row(found.total)}


def dashboard_payload(board: Dashboard) -> dict[str, Any]:
    """`board` in the shape of `DashboardOut`."""
    sales = board.handoffs
    speed = sales.median_speed_to_lead
    return {
        "first_day": board.period.first_day,
        "last_day": board.period.last_day,
        "grain": board.period.grain,
        "buckets": board.bucket_labels,
        "stages": [
            {
                "stage": row.stage,
                "label": str(row.stage.label),
                "by_bucket": row.by_bucket,
                "reached": row.reached,
                "advanced": row.advanced,
                "next_stage": row.next_stage,
                "conversion": row.conversion,
                "median_days_in_stage": _days(row.median_time_in_stage),
            }
            for row in board.stages
        ],
        "median_days_to_win": _days(board.median_time_to_win),
        "won": [asdict(money) for money in board.won],
        "service_levels": {
            "handoffs_with_deadlines": sales.compliance.assignments,
            "accept_deadlines_missed": sales.compliance.accept_breaches,
            "first_touch_deadlines_missed": sales.compliance.touch_breaches,
            "compliance": board.sla_compliance,
            "median_speed_to_lead_hours": (
                None if speed is None else round(speed.total_seconds() / 3600, 2)
            ),
            "accepted": sales.accepted,
            "rejected": sales.rejected,
            "acceptance_rate": sales.acceptance_rate,
            "rejection_reasons": [asdict(reason) for reason in sales.reasons],
        },
        "commitments": [
            {
                "month": month_text(month.month),
                "delivered": month.delivered,
                "committed": month.committed,
                "share": month.share,
            }
            for month in board.commitments
        ],
        "breakdowns": [breakdown_payload(found) for found in board.breakdowns.values()],
    }


def summary_payload(
    values: dict[str, int | float | None], *, first_day: dt.date, last_day: dt.date
) -> dict[str, Any]:
    return {
        "first_day": first_day,
        "last_day": last_day,
        "figures": [
            {"key": key, "label": label, "kind": SUMMARY_KINDS[key], "value": values[key]}
            for key, label in SUMMARY_LABELS.items()
        ],
    }
