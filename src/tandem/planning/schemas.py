"""The shapes of the planning API."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from types import SimpleNamespace
from typing import Any

from ninja import Field, Schema

from tandem.core.schemas import CURRENCY_PATTERN, InSchema, PersonRef, text_pattern
from tandem.leads.origins import SourceGroup
from tandem.leads.schemas import AMOUNT_TEXT_PATTERN
from tandem.planning.arithmetic import (
    MAX_DAYS_TO_CLOSE,
    PACE_LABELS,
    SOURCE_GROUPS,
    PaceFlag,
    result_from_json,
)
from tandem.planning.models import Plan
from tandem.planning.pacing import Bucket, Grain, Pace, Pacing, RevenuePacing, StagePacing
from tandem.planning.periods import PeriodKind
from tandem.planning.queries import DEFAULT_HISTORY_MONTHS, MAX_HISTORY_MONTHS

SOURCE_LABELS = {group.value: group.label for group in SourceGroup}
RATE = "Percent, more than 0 and at most 100."
DAYS = f"Whole days, 0 to {MAX_DAYS_TO_CLOSE}; not fewer than the next stage's."
SPLIT = "Whole percent of every stage this source group brings; the four add up to 100."


AMOUNT_TEXT = text_pattern(AMOUNT_TEXT_PATTERN)
RATE_TEXT = text_pattern(r"^\d{1,3}(\.\d{1,2})?$")


def rate_field(description: str) -> Any:
    return Field(
        None,
        gt=0,
        le=100,
        max_digits=5,
        decimal_places=2,
        description=description,
        json_schema_extra=RATE_TEXT,
    )


class PlanInputsIn(InSchema):
    """Inputs to use instead of the history's; each left out (or null) takes its default."""

    average_deal_size: Decimal | None = Field(
        None,
        gt=0,
        max_digits=14,
        decimal_places=2,
        description="Average won deal, in the plan's currency.",
        json_schema_extra=AMOUNT_TEXT,
    )
    win_rate: Decimal | None = rate_field(f"Opportunity → won. {RATE}")
    lead_to_mql: Decimal | None = rate_field(f"Lead → MQL. {RATE}")
    mql_to_sal: Decimal | None = rate_field(f"MQL → SAL. {RATE}")
    sal_to_sql: Decimal | None = rate_field(f"SAL → SQL. {RATE}")
    sql_to_opportunity: Decimal | None = rate_field(f"SQL → opportunity. {RATE}")
    lead_days_to_close: int | None = Field(
        None, ge=0, le=MAX_DAYS_TO_CLOSE, description=f"From becoming a lead to close. {DAYS}"
    )
    mql_days_to_close: int | None = Field(
        None, ge=0, le=MAX_DAYS_TO_CLOSE, description=f"From becoming an MQL to close. {DAYS}"
    )
    sal_days_to_close: int | None = Field(
        None, ge=0, le=MAX_DAYS_TO_CLOSE, description=f"From becoming an SAL to close. {DAYS}"
    )
    sql_days_to_close: int | None = Field(
        None, ge=0, le=MAX_DAYS_TO_CLOSE, description=f"From becoming an SQL to close. {DAYS}"
    )
    opportunity_days_to_close: int | None = Field(
        None, ge=0, le=MAX_DAYS_TO_CLOSE, description=f"From opportunity to close. {DAYS}"
    )
    split_marketing: int | None = Field(None, ge=0, le=100, description=f"Marketing. {SPLIT}")
    split_sales_prospecting: int | None = Field(
        None, ge=0, le=100, description=f"Sales prospecting. {SPLIT}"
    )
    split_partners: int | None = Field(None, ge=0, le=100, description=f"Partners. {SPLIT}")
    split_outsourced: int | None = Field(
        None, ge=0, le=100, description=f"Outsourced lead generation. {SPLIT}"
    )


class PlanIn(InSchema):
    name: str = Field(min_length=1, max_length=200, description="The plan's name.")
    period: PeriodKind = Field(description="Whether the plan covers a month or a quarter.")
    starts_on: dt.date = Field(
        description="The period's first day: the 1st of a month (of January, April, July or "
        "October for a quarter)."
    )
    target_revenue: Decimal = Field(
        gt=0,
        max_digits=14,
        decimal_places=2,
        description="Revenue to win in the period, in `currency`.",
        json_schema_extra=AMOUNT_TEXT,
    )
    currency: str = Field(pattern=CURRENCY_PATTERN, description="ISO 4217 currency code.")
    history_months: int = Field(
        DEFAULT_HISTORY_MONTHS,
        ge=1,
        le=MAX_HISTORY_MONTHS,
        description="How many whole months before this one the defaults are computed over.",
    )
    inputs: PlanInputsIn | None = Field(
        None, description="Inputs to use instead of the history's; left out, all from history."
    )
    activate: bool = Field(False, description="Make the new plan the active one.")


class PlanInputsOut(Schema):
    """Every input by its flat name; null where the history had nothing to go by."""

    average_deal_size: Decimal | None = Field(description="Average won deal.")
    win_rate: Decimal | None = Field(description="Opportunity → won, percent.")
    lead_to_mql: Decimal | None = Field(description="Lead → MQL, percent.")
    mql_to_sal: Decimal | None = Field(description="MQL → SAL, percent.")
    sal_to_sql: Decimal | None = Field(description="SAL → SQL, percent.")
    sql_to_opportunity: Decimal | None = Field(description="SQL → opportunity, percent.")
    lead_days_to_close: int | None = Field(description="Days from lead to close.")
    mql_days_to_close: int | None = Field(description="Days from MQL to close.")
    sal_days_to_close: int | None = Field(description="Days from SAL to close.")
    sql_days_to_close: int | None = Field(description="Days from SQL to close.")
    opportunity_days_to_close: int | None = Field(description="Days from opportunity to close.")
    split_marketing: int | None = Field(description="Marketing's percent of every stage.")
    split_sales_prospecting: int | None = Field(description="Sales prospecting's percent.")
    split_partners: int | None = Field(description="Partners' percent.")
    split_outsourced: int | None = Field(description="Outsourced lead generation's percent.")


class SourceCountOut(Schema):
    group: SourceGroup = Field(description="The source group.")
    label: str = Field(description="The group's name for people.")
    count: int = Field(description="How many of the stage's count this group brings.")


class StagePlanOut(Schema):
    stage: str = Field(description="lead, mql, sal, sql, opportunity, or won (won deals).")
    label: str = Field(description="The stage's name for people.")
    count: int = Field(description="How many must enter the stage (rounded up).")
    first_day: dt.date = Field(description="The first day of the stage's window.")
    last_day: dt.date = Field(description="The last day of the stage's window.")
    by_source: list[SourceCountOut] = Field(description="The count split by source group.")


def _by_source(counts: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {"group": group, "label": SOURCE_LABELS[group], "count": counts.get(group, 0)}
        for group in SOURCE_GROUPS
    ]


class PlanOut(Schema):
    id: int = Field(description="The plan's id.")
    name: str = Field(description="The plan's name.")
    period: PeriodKind = Field(description="A month or a quarter.")
    starts_on: dt.date = Field(description="The period's first day.")
    ends_on: dt.date = Field(description="The period's last day.")
    target_revenue: Decimal = Field(description="Revenue to win in the period.")
    currency: str = Field(description="ISO 4217 currency code of every amount.")
    history_months: int = Field(description="Months of history the defaults came from.")
    history_first_day: dt.date = Field(description="The history's first day.")
    history_last_day: dt.date = Field(description="The history's last day.")
    inputs: PlanInputsOut = Field(description="The inputs the plan was computed from.")
    defaults: PlanInputsOut = Field(description="What the history gave for each input.")
    overridden: list[str] = Field(description="The inputs set instead of the history's.")
    stages: list[StagePlanOut] = Field(description="What must enter each stage, and when.")
    planned_revenue: Decimal = Field(
        description="The planned deals at the average size: at least the target."
    )
    created_by: PersonRef | None = Field(description="Who made the plan.")
    created_at: dt.datetime = Field(description="When the plan was made.")
    is_active: bool = Field(description="Whether pacing follows this plan.")
    activated_at: dt.datetime | None = Field(description="When it was last made active.")
    activated_by: PersonRef | None = Field(description="Who last made it active.")

    @staticmethod
    def resolve_period(plan: Plan) -> str:
        return plan.period_kind

    @staticmethod
    def resolve_stages(plan: Plan) -> list[dict[str, Any]]:
        return [
            {
                "stage": row.stage,
                "label": row.label,
                "count": row.count,
                "first_day": row.first_day,
                "last_day": row.last_day,
                "by_source": _by_source(row.by_source),
            }
            for row in result_from_json(plan.result).stages
        ]

    @staticmethod
    def resolve_planned_revenue(plan: Plan) -> Decimal:
        return Decimal(plan.result["planned_revenue"])


class PlanPage(Schema):
    count: int = Field(description="How many plans there are, over all pages.")
    items: list[PlanOut] = Field(description="This page of plans, the active one first.")


class DefaultsQuery(Schema):
    months: int = Field(
        DEFAULT_HISTORY_MONTHS,
        ge=1,
        le=MAX_HISTORY_MONTHS,
        description="How many whole months before this one to compute over.",
    )
    currency: str = Field(
        pattern=CURRENCY_PATTERN, description="The currency deal sizes are averaged in."
    )


class DefaultsOut(Schema):
    months: int = Field(description="Months of history.")
    first_day: dt.date = Field(description="The history's first day.")
    last_day: dt.date = Field(description="The history's last day.")
    currency: str = Field(description="The currency deal sizes were averaged in.")
    values: PlanInputsOut = Field(description="The default of each input; null for none.")
    samples: dict[str, int] = Field(
        description="How many leads, deals or MQLs each default was computed from."
    )


class PacingQuery(Schema):
    grain: Grain = Field(Grain.WEEK, description="The series' buckets: day, week or month.")
    source: SourceGroup | None = Field(
        None, description="The series for one source group; left out, for all of them."
    )


def _float(value: Fraction | float) -> float:
    return round(float(value), 2)


class PaceOut(Schema):
    planned: int = Field(description="The planned count for the whole window.")
    planned_to_date: float = Field(description="What the plan expects by today.")
    actual: int = Field(description="How many entered the stage in the window so far.")
    forecast: int = Field(description="The expected count at the window's end.")
    flag: PaceFlag = Field(description="ahead, on_track, behind, far_behind or not_started.")
    flag_label: str = Field(description="The flag for people.")

    @staticmethod
    def resolve_planned_to_date(pace: Pace | SimpleNamespace) -> float:
        return _float(pace.planned_to_date)

    @staticmethod
    def resolve_flag_label(pace: Pace | SimpleNamespace) -> str:
        return PACE_LABELS[pace.flag]


class SourcePaceOut(PaceOut):
    group: SourceGroup = Field(description="The source group.")
    label: str = Field(description="The group's name for people.")


class BucketOut(Schema):
    first_day: dt.date = Field(description="The bucket's first day.")
    last_day: dt.date = Field(description="The bucket's last day.")
    planned: float = Field(description="The plan for the bucket.")
    actual: int | None = Field(description="What happened; null for a bucket not yet begun.")
    planned_cumulative: float = Field(description="The plan from the window's start.")
    actual_cumulative: int | None = Field(description="What happened from the window's start.")

    @staticmethod
    def resolve_planned(bucket: Bucket) -> float:
        return _float(bucket.planned)

    @staticmethod
    def resolve_planned_cumulative(bucket: Bucket) -> float:
        return _float(bucket.planned_cumulative)


class StagePacingOut(Schema):
    stage: str = Field(description="lead, mql, sal, sql, opportunity, or won (won deals).")
    label: str = Field(description="The stage's name for people.")
    first_day: dt.date = Field(description="The stage's window's first day.")
    last_day: dt.date = Field(description="The stage's window's last day.")
    elapsed: float = Field(description="The share of the window gone, today included.")
    total: PaceOut = Field(description="The stage over every source group.")
    by_source: list[SourcePaceOut] = Field(description="The stage per source group.")
    series: list[BucketOut] = Field(description="Plan and actuals per day, week or month.")

    @staticmethod
    def resolve_elapsed(row: StagePacing) -> float:
        return _float(row.elapsed)

    @staticmethod
    def resolve_by_source(row: StagePacing) -> list[SimpleNamespace]:
        # The pace's own attributes, for PaceOut's resolvers, with the group's.
        return [
            SimpleNamespace(**vars(pace), group=group, label=SOURCE_LABELS[group])
            for group, pace in row.by_source.items()
        ]


class SourceRevenueOut(Schema):
    group: SourceGroup = Field(description="The source group.")
    actual: Decimal = Field(description="Revenue won in the period so far.")
    forecast: Decimal = Field(description="Won so far plus its open pipeline times the win rate.")


class RevenuePacingOut(Schema):
    planned: Decimal = Field(description="The plan's revenue target.")
    planned_to_date: Decimal = Field(description="What the plan expects by today.")
    actual: Decimal = Field(description="Revenue won in the period so far.")
    forecast: Decimal = Field(
        description="Won so far plus the open pipeline expected to close in the period, times the "
        "plan's win rate."
    )
    flag: PaceFlag = Field(description="ahead, on_track, behind, far_behind or not_started.")
    open_deals: int = Field(description="Open deals expected to close in the period.")
    open_amount: Decimal = Field(description="Their amounts added up.")
    by_source: list[SourceRevenueOut] = Field(description="Revenue per source group.")

    @staticmethod
    def resolve_by_source(revenue: RevenuePacing) -> list[dict[str, Any]]:
        return [
            {"group": group, "actual": actual, "forecast": forecast}
            for group, (actual, forecast) in revenue.by_source.items()
        ]


class PlanRefOut(Schema):
    id: int = Field(description="The plan's id.")
    name: str = Field(description="The plan's name.")
    currency: str = Field(description="ISO 4217 currency code of every amount.")


class PacingOut(Schema):
    plan: PlanRefOut = Field(description="The plan paced against.")
    today: dt.date = Field(description="The day pacing was computed for.")
    grain: Grain = Field(description="The series' buckets.")
    source: SourceGroup | None = Field(description="The series' source group, or null for all.")
    elapsed: float = Field(description="The share of the plan's period gone, today included.")
    stages: list[StagePacingOut] = Field(description="Every planned stage, in funnel order.")
    revenue: RevenuePacingOut = Field(description="Revenue against the target.")

    @staticmethod
    def resolve_elapsed(pacing: Pacing) -> float:
        return _float(pacing.elapsed)
