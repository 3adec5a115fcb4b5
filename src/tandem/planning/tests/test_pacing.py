"""Pacing against a plan, with the clock frozen on 16 July 2026.

The plan: 10,000 EUR in Q3 2026 at 10,000 a deal and 50% at every step: 1 deal, 2
opportunities, 4 SQLs, 8 SALs, 16 MQLs, 32 leads, split half marketing, half partners. MQLs
take 30 days to close, so they are due from 1 June to 31 August (92 days); by 16 July, 46 days
(half) are gone: 8 MQLs are due, 4 from each group, and the slack is 15%.

- Marketing: an MQL in May (before the window), 3 on 5 June, 3 from 1 to 10 July.
- Partners: 1 MQL on 2 July.
- Won: 12,000 EUR on 10 July (marketing); 3,000 USD on 12 July (another currency).
- Open: 8,000 EUR (marketing) and 4,000 EUR (partners) opened in June; 9,000 USD.
"""

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
import time_machine

from tandem.core.testing import Personas
from tandem.leads.models import DealStage, Stage
from tandem.planning import services
from tandem.planning.arithmetic import PaceFlag
from tandem.planning.models import Plan
from tandem.planning.pacing import Grain, StagePacing, pacing
from tandem.planning.periods import PeriodKind
from tandem.planning.tests.conftest import all_inputs, deal, on, walk

TODAY = dt.datetime(2026, 7, 16, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock() -> object:
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def plan(personas: Personas) -> Plan:
    walk("webinar", (Stage.LEAD, on(2026, 5, 2)), (Stage.MQL, on(2026, 5, 3)))
    for day in (5, 5, 5):
        walk("webinar", (Stage.MQL, on(2026, 6, day)))
    for day in (1, 4, 10):
        walk("webinar", (Stage.MQL, on(2026, 7, day)))
    walk("partner", (Stage.MQL, on(2026, 7, 2)))
    won = walk("webinar", (Stage.OPPORTUNITY, on(2026, 6, 25)))
    deal(won, amount="12000", opened_on=dt.date(2026, 6, 25), stage=DealStage.WON,
         closed_on=dt.date(2026, 7, 10))  # fmt: skip
    won_in_dollars = walk("webinar", (Stage.OPPORTUNITY, on(2026, 6, 26)))
    deal(won_in_dollars, amount="3000", currency="USD", opened_on=dt.date(2026, 6, 26),
         stage=DealStage.WON, closed_on=dt.date(2026, 7, 12))  # fmt: skip
    deal(walk("webinar", (Stage.OPPORTUNITY, on(2026, 6, 20))), amount="8000",
         opened_on=dt.date(2026, 6, 20))  # fmt: skip
    deal(walk("partner", (Stage.OPPORTUNITY, on(2026, 6, 21))), amount="4000",
         opened_on=dt.date(2026, 6, 21))  # fmt: skip
    deal(walk("partner", (Stage.OPPORTUNITY, on(2026, 6, 22))), amount="9000", currency="USD",
         opened_on=dt.date(2026, 6, 22))  # fmt: skip
    return services.create_plan(
        by=personas.executive,
        name="Q3",
        period_kind=PeriodKind.QUARTER,
        starts_on=dt.date(2026, 7, 1),
        target_revenue=Decimal("10000"),
        currency="EUR",
        history_months=6,
        overrides=all_inputs(),
        activate=True,
    )


def stage_of(plan: Plan, stage: str, **options: str) -> StagePacing:
    return next(row for row in pacing(plan, **options).stages if row.stage == stage)


def test_mqls_are_counted_in_their_window_against_the_plan_to_date(plan: Plan) -> None:
    mqls = stage_of(plan, Stage.MQL)

    assert (mqls.first_day, mqls.last_day) == (dt.date(2026, 6, 1), dt.date(2026, 8, 31))
    assert mqls.elapsed == Fraction(1, 2)
    assert (mqls.total.planned, mqls.total.planned_to_date, mqls.total.actual) == (16, 8, 7)
    # 7 of 8 is within the 15% slack.
    assert mqls.total.flag == PaceFlag.ON_TRACK


def test_each_source_group_is_flagged_against_its_own_share(plan: Plan) -> None:
    mqls = stage_of(plan, Stage.MQL)

    marketing, partners = mqls.by_source["marketing"], mqls.by_source["partners"]
    assert (marketing.planned_to_date, marketing.actual, marketing.flag) == (
        4,
        6,
        PaceFlag.AHEAD,
    )
    # 1 of 4 is short by more than twice the slack.
    assert (partners.planned_to_date, partners.actual, partners.flag) == (
        4,
        1,
        PaceFlag.FAR_BEHIND,
    )
    assert mqls.by_source["sales_prospecting"].flag == PaceFlag.ON_TRACK


def test_the_forecast_adds_the_last_28_days_run_rate_for_the_days_left(plan: Plan) -> None:
    mqls = stage_of(plan, Stage.MQL)

    # 4 MQLs from 19 June to 16 July: 4/28 a day, for 46 days: 6.6 → 7 more.
    assert mqls.total.forecast == 14
    # Marketing: 3/28 of 46 = 4.9 → 5 more; partners: 1/28 of 46 = 1.6 → 2 more.
    assert mqls.by_source["marketing"].forecast == 11
    assert mqls.by_source["partners"].forecast == 3


def test_won_deals_forecast_the_open_pipeline_times_the_win_rate(plan: Plan) -> None:
    won = stage_of(plan, "won")

    # One won in euros; two open euro deals at 50% add one.
    assert (won.total.planned, won.total.actual, won.total.forecast) == (1, 1, 2)


def test_revenue_forecasts_the_won_amount_plus_the_pipeline_times_the_win_rate(
    plan: Plan,
) -> None:
    revenue = pacing(plan).revenue

    assert revenue.actual == Decimal("12000")
    assert (revenue.open_deals, revenue.open_amount) == (2, Decimal("12000"))
    assert revenue.forecast == Decimal("18000.00")
    assert revenue.by_source["marketing"] == (Decimal("12000"), Decimal("16000.00"))
    assert revenue.by_source["partners"] == (Decimal("0"), Decimal("2000.00"))
    # 10,000 over 92 days, 16 gone: 1,739.13 due; 12,000 won.
    assert revenue.planned_to_date == Decimal("1739.13")
    assert revenue.flag == PaceFlag.AHEAD


def test_the_series_gives_plan_and_actuals_per_month(plan: Plan) -> None:
    mqls = stage_of(plan, Stage.MQL, grain=Grain.MONTH)

    assert [(b.first_day, b.last_day) for b in mqls.series] == [
        (dt.date(2026, 6, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 7, 1), dt.date(2026, 7, 31)),
        (dt.date(2026, 8, 1), dt.date(2026, 8, 31)),
    ]
    assert [b.planned for b in mqls.series] == [
        Fraction(16 * 30, 92),
        Fraction(16 * 31, 92),
        Fraction(16 * 31, 92),
    ]
    assert [b.actual for b in mqls.series] == [3, 4, None]
    assert [b.actual_cumulative for b in mqls.series] == [3, 7, None]


def test_the_series_can_follow_one_source_group(plan: Plan) -> None:
    mqls = stage_of(plan, Stage.MQL, grain=Grain.MONTH, source="partners")

    assert [b.actual for b in mqls.series] == [0, 1, None]
    assert mqls.series[-1].planned_cumulative == 8


def test_weeks_run_monday_to_sunday_within_the_window(plan: Plan) -> None:
    mqls = stage_of(plan, Stage.MQL, grain=Grain.WEEK)

    # 1 June 2026 is a Monday; 31 August too, so the last week is one day long.
    assert (mqls.series[0].first_day, mqls.series[0].last_day) == (
        dt.date(2026, 6, 1),
        dt.date(2026, 6, 7),
    )
    assert (mqls.series[-1].first_day, mqls.series[-1].last_day) == (
        dt.date(2026, 8, 31),
        dt.date(2026, 8, 31),
    )
    assert len(mqls.series) == 14


def test_nothing_is_late_on_a_windows_first_day(plan: Plan, clock: Any) -> None:
    # Partners are far behind at half-time; on 1 June, the window's first day, the plan
    # expects 1/92 of 8 MQLs, less than one.
    clock.move_to(dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC))

    early = stage_of(plan, Stage.MQL).by_source["partners"]

    assert early.flag == PaceFlag.ON_TRACK


def test_a_window_not_yet_open_is_not_started(plan: Plan, clock: Any) -> None:
    # Leads are due from 2 May to 1 August.
    clock.move_to(dt.datetime(2026, 4, 20, 12, 0, tzinfo=dt.UTC))

    leads = stage_of(plan, Stage.LEAD)

    assert (leads.first_day, leads.elapsed) == (dt.date(2026, 5, 2), 0)
    assert leads.total.flag == PaceFlag.NOT_STARTED


def test_pacing_takes_three_queries_whatever_the_volume(
    plan: Plan, django_assert_num_queries: Any
) -> None:
    # First reaches by stage, group and day; won deals by group and day; the open pipeline.
    with django_assert_num_queries(3):
        pacing(plan, grain=Grain.DAY)
