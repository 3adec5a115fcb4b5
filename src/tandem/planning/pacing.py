"""Pacing: how the funnel is doing against a plan, stage by stage and source group by group.

For each planned stage, its window (the period shifted back by the stage's days to close):

- actual: leads that first reached the stage in the window so far (`StageReach`, the ledger's
  first reaches); for won deals, deals in the plan's currency won in the period so far;
- planned to date: the stage's planned count spread evenly over the window's days, counting
  today as gone;
- forecast to the window's end: for the stages up to opportunity, the actual so far plus the
  current run rate (the stage's first reaches over the last 28 days, per day) times the days
  left; for won deals and revenue, the won so far plus the open pipeline times the plan's win
  rate, where the open pipeline is the open deals in the plan's currency expected to close by
  the period's end (opened at least the plan's days from opportunity to close before it);
- the flag, from `arithmetic.pace_flag`: ahead, on track, behind or far behind, with a
  tolerance narrowing from 25% to 5% as the window runs out.
"""

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db import models
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from tandem.core.money import CENT
from tandem.core.time import now, organisation_zone, start_of_day
from tandem.leads.models import Deal, DealStage, StageReach
from tandem.leads.origins import SourceGroup, source_group_expression
from tandem.planning.arithmetic import (
    SOURCE_GROUPS,
    STAGE_LABELS,
    WON,
    PaceFlag,
    PlanInputs,
    StagePlan,
    pace_flag,
    result_from_json,
)
from tandem.planning.models import Plan

RUN_RATE_DAYS = 28
OPEN_DEAL_STAGES = (DealStage.QUALIFICATION, DealStage.PROPOSAL, DealStage.NEGOTIATION)
# Counts by day.
Daily = dict[dt.date, int]


class Grain(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"


@dataclass(frozen=True)
class Pace:
    planned: int
    planned_to_date: Fraction
    actual: int
    forecast: int
    flag: PaceFlag

    @property
    def forecast_share(self) -> float | None:
        """The forecast as a share of the plan."""
        return self.forecast / self.planned if self.planned else None


@dataclass(frozen=True)
class Bucket:
    first_day: dt.date
    last_day: dt.date
    planned: Fraction
    # None for a bucket that has not begun.
    actual: int | None
    planned_cumulative: Fraction
    actual_cumulative: int | None


@dataclass(frozen=True)
class StagePacing:
    stage: str
    first_day: dt.date
    last_day: dt.date
    # The share of the window gone, today included.
    elapsed: Fraction
    total: Pace
    by_source: dict[str, Pace]
    series: list[Bucket]

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.stage]


@dataclass(frozen=True)
class RevenuePacing:
    planned: Decimal
    planned_to_date: Decimal
    actual: Decimal
    forecast: Decimal
    flag: PaceFlag
    open_deals: int
    open_amount: Decimal
    by_source: dict[str, tuple[Decimal, Decimal]]


@dataclass(frozen=True)
class Pacing:
    plan: Plan
    today: dt.date
    grain: str
    # The source group the series are for, or None for all of them.
    source: str | None
    elapsed: Fraction
    stages: list[StagePacing]
    revenue: RevenuePacing


def _elapsed_days(first_day: dt.date, last_day: dt.date, today: dt.date) -> int:
    days = (last_day - first_day).days + 1
    return max(0, min(days, (today - first_day).days + 1))


def _rounded(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def _buckets(first_day: dt.date, last_day: dt.date, grain: str) -> list[tuple[dt.date, dt.date]]:
    """The window cut into days, weeks (Monday to Sunday) or calendar months, clipped to it."""
    buckets = []
    start = first_day
    while start <= last_day:
        if grain == Grain.DAY:
            end = start
        elif grain == Grain.WEEK:
            end = start + dt.timedelta(days=6 - start.weekday())
        else:
            following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            end = following - dt.timedelta(days=1)
        end = min(end, last_day)
        buckets.append((start, end))
        start = end + dt.timedelta(days=1)
    return buckets


def _series(
    row: StagePlan, planned: int, daily: dict[dt.date, int], grain: str, today: dt.date
) -> list[Bucket]:
    per_day = Fraction(planned, row.days)
    series = []
    planned_total = Fraction(0)
    actual_total = 0
    for first, last in _buckets(row.first_day, row.last_day, grain):
        days = (last - first).days + 1
        planned_total += per_day * days
        actual: int | None = None
        if first <= today:
            actual = sum(count for day, count in daily.items() if first <= day <= min(last, today))
            actual_total += actual
        series.append(
            Bucket(
                first_day=first,
                last_day=last,
                planned=per_day * days,
                actual=actual,
                planned_cumulative=planned_total,
                actual_cumulative=actual_total if actual is not None else None,
            )
        )
    return series


def _reaches(result_rows: list[StagePlan], today: dt.date) -> dict[str, dict[str, Daily]]:
    """First reaches by stage, source group and day, over each stage's window and the run-rate
    days: one grouped query."""
    since = today - dt.timedelta(days=RUN_RATE_DAYS - 1)
    until = start_of_day(today + dt.timedelta(days=1))
    condition = Q()
    for row in result_rows:
        if row.stage == WON:
            continue
        condition |= Q(stage=row.stage, at__gte=start_of_day(min(row.first_day, since)))
    rows = (
        StageReach.objects.filter(condition, at__lt=until)
        .annotate(day=TruncDate("at", tzinfo=organisation_zone()))
        .annotate(group=source_group_expression("lead__source"))
        .values("stage", "group", "day")
        .annotate(reaches=Count("id"))
    )
    daily: dict[str, dict[str, Daily]] = defaultdict(lambda: defaultdict(dict))
    for found in rows:
        daily[found["stage"]][found["group"]][found["day"]] = found["reaches"]
    return daily


def _added(by_group: dict[str, Daily], groups: tuple[str, ...]) -> Daily:
    """The daily counts of `groups` added up."""
    total: Daily = defaultdict(int)
    for group in groups:
        for day, count in by_group.get(group, {}).items():
            total[day] += count
    return total


def _pace(
    row: StagePlan, planned: int, daily: Daily, *, today: dt.date, pipeline: Fraction
) -> Pace:
    """One stage's (or one source group's) pace; `pipeline` is what the open deals are expected
    to add, for won deals."""
    gone = _elapsed_days(row.first_day, row.last_day, today)
    actual = sum(count for day, count in daily.items() if row.first_day <= day <= row.last_day)
    if row.stage == WON:
        expected = pipeline
    else:
        since = today - dt.timedelta(days=RUN_RATE_DAYS - 1)
        recent = sum(count for day, count in daily.items() if since <= day <= today)
        expected = Fraction(recent, RUN_RATE_DAYS) * (row.days - gone)
    planned_to_date = Fraction(planned * gone, row.days)
    return Pace(
        planned=planned,
        planned_to_date=planned_to_date,
        actual=actual,
        forecast=actual + _rounded(expected),
        flag=pace_flag(
            planned_to_date=planned_to_date, actual=actual, elapsed=Fraction(gone, row.days)
        ),
    )


def pacing(plan: Plan, *, grain: str = Grain.WEEK, source: str | None = None) -> Pacing:
    """The plan's pacing as of today, in the organisation's time zone."""
    today = now().astimezone(organisation_zone()).date()
    result = result_from_json(plan.result)
    inputs = PlanInputs.from_flat(plan.inputs)
    win_rate = Fraction(inputs.win_rate) / 100
    reaches = _reaches(result.stages, today)

    won = (
        Deal.objects.filter(
            stage=DealStage.WON,
            currency=plan.currency,
            closed_on__range=(plan.starts_on, min(plan.ends_on, today)),
        )
        .annotate(group=source_group_expression("lead__source"))
        .values("group", "closed_on")
        .annotate(deals=Count("id"), amount=Sum("amount"))
    )
    won_amount: dict[str, Decimal] = defaultdict(Decimal)
    for found in won:
        reaches[WON][found["group"]][found["closed_on"]] = found["deals"]
        won_amount[found["group"]] += Decimal(found["amount"])

    open_count: dict[str, int] = defaultdict(int)
    open_amount: dict[str, Decimal] = defaultdict(Decimal)
    if today <= plan.ends_on:
        latest_opening = plan.ends_on - dt.timedelta(days=inputs.days_to_close["opportunity"])
        pipeline = (
            Deal.objects.filter(
                stage__in=OPEN_DEAL_STAGES, currency=plan.currency, opened_on__lte=latest_opening
            )
            .annotate(group=source_group_expression("lead__source"))
            .values("group")
            .annotate(deals=Count("id"), amount=Sum("amount"))
        )
        for found in pipeline:
            open_count[found["group"]] = found["deals"]
            open_amount[found["group"]] = Decimal(found["amount"])

    stages = []
    for row in result.stages:
        by_group = reaches[row.stage]

        def pace(planned: int, groups: tuple[str, ...], row: StagePlan = row) -> Pace:
            pipeline = sum(open_count[group] for group in groups) * win_rate
            return _pace(
                row, planned, _added(reaches[row.stage], groups), today=today, pipeline=pipeline
            )

        planned_chosen = row.by_source.get(source, 0) if source else row.count
        stages.append(
            StagePacing(
                stage=row.stage,
                first_day=row.first_day,
                last_day=row.last_day,
                elapsed=Fraction(_elapsed_days(row.first_day, row.last_day, today), row.days),
                total=pace(row.count, SOURCE_GROUPS),
                by_source={
                    group: pace(row.by_source.get(group, 0), (group,)) for group in SOURCE_GROUPS
                },
                series=_series(
                    row,
                    planned_chosen,
                    _added(by_group, (source,) if source else SOURCE_GROUPS),
                    grain,
                    today,
                ),
            )
        )

    period_days = (plan.ends_on - plan.starts_on).days + 1
    period_elapsed = Fraction(_elapsed_days(plan.starts_on, plan.ends_on, today), period_days)
    target = plan.target_revenue
    actual_revenue = sum(won_amount.values(), Decimal(0))
    pipeline_amount = sum(open_amount.values(), Decimal(0))
    revenue_to_date = Fraction(target) * period_elapsed
    revenue = RevenuePacing(
        planned=target,
        planned_to_date=_money(revenue_to_date),
        actual=actual_revenue,
        forecast=_money(Fraction(actual_revenue) + Fraction(pipeline_amount) * win_rate),
        flag=pace_flag(
            planned_to_date=revenue_to_date,
            actual=_whole_money(actual_revenue),
            elapsed=period_elapsed,
        ),
        open_deals=sum(open_count.values()),
        open_amount=pipeline_amount,
        by_source={
            group: (
                won_amount[group],
                _money(Fraction(won_amount[group]) + Fraction(open_amount[group]) * win_rate),
            )
            for group in SOURCE_GROUPS
        },
    )
    return Pacing(
        plan=plan,
        today=today,
        grain=grain,
        source=source,
        elapsed=period_elapsed,
        stages=stages,
        revenue=revenue,
    )


def _money(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        CENT, rounding=ROUND_HALF_UP
    )


def _whole_money(value: Decimal) -> int:
    return int(value.to_integral_value(ROUND_HALF_UP))


SOURCE_LABELS = {group.value: group.label for group in SourceGroup}
