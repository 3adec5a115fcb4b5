"""The shapes of the reports API."""

import datetime as dt

from ninja import Field, Schema

from tandem.leads.models import Stage
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
