"""The reverse funnel's arithmetic and the pacing rule, on cases worked out by hand."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from tandem.core.errors import DomainError
from tandem.planning.arithmetic import (
    DAYS_OUT_OF_ORDER,
    MISSING_INPUT,
    RATE_OUT_OF_RANGE,
    SPLIT_NOT_100,
    PaceFlag,
    PlanInputs,
    apportion,
    compute_plan,
    pace_flag,
    result_from_json,
    result_to_json,
    split_by_source,
    validate_inputs,
)

Q3_FIRST = dt.date(2026, 7, 1)
Q3_LAST = dt.date(2026, 9, 30)


def flat(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "average_deal_size": Decimal("10000"),
        "win_rate": Decimal("25"),
        "lead_to_mql": Decimal("40"),
        "mql_to_sal": Decimal("80"),
        "sal_to_sql": Decimal("50"),
        "sql_to_opportunity": Decimal("60"),
        "lead_days_to_close": 120,
        "mql_days_to_close": 90,
        "sal_days_to_close": 80,
        "sql_days_to_close": 60,
        "opportunity_days_to_close": 30,
        "split_marketing": 60,
        "split_sales_prospecting": 25,
        "split_partners": 15,
        "split_outsourced": 0,
    }
    return values | changes


def counts(target: str, **changes: Any) -> dict[str, int]:
    result = compute_plan(
        target_revenue=Decimal(target),
        first_day=Q3_FIRST,
        last_day=Q3_LAST,
        inputs=PlanInputs.from_flat(flat(**changes)),
    )
    return {row.stage: row.count for row in result.stages}


def test_each_stage_is_the_next_divided_by_its_conversion() -> None:
    # 120,000 / 10,000 = 12 deals; / 25% = 48 opportunities; / 60% = 80 SQLs; / 50% = 160 SALs;
    # / 80% = 200 MQLs; / 40% = 500 leads.
    assert counts("120000") == {
        "lead": 500,
        "mql": 200,
        "sal": 160,
        "sql": 80,
        "opportunity": 48,
        "won": 12,
    }


def test_every_stage_is_rounded_up_from_the_whole_stage_after_it() -> None:
    # 100,000 / 30,000 = 3.33 → 4 deals; / 30% = 13.33 → 14; / 70% = 20; / 45% = 44.4 → 45;
    # / 65% = 69.2 → 70; / 33% = 212.1 → 213.
    assert counts(
        "100000",
        average_deal_size=Decimal("30000"),
        win_rate=Decimal("30"),
        sql_to_opportunity=Decimal("70"),
        sal_to_sql=Decimal("45"),
        mql_to_sal=Decimal("65"),
        lead_to_mql=Decimal("33"),
    ) == {"lead": 213, "mql": 70, "sal": 45, "sql": 20, "opportunity": 14, "won": 4}


def test_a_rate_that_is_not_a_round_decimal_never_rounds_a_count_down() -> None:
    # 3 deals at 33.33%: 3 / 0.3333 = 9.0009 → 10, where a float might make it 9.
    assert counts("30000", win_rate=Decimal("33.33"))["opportunity"] == 10


def test_planned_revenue_is_the_planned_deals_at_the_average_size() -> None:
    result = compute_plan(
        target_revenue=Decimal("100000"),
        first_day=Q3_FIRST,
        last_day=Q3_LAST,
        inputs=PlanInputs.from_flat(flat(average_deal_size=Decimal("30000"))),
    )

    assert result.planned_revenue == Decimal("120000")


def test_each_stage_is_entered_its_days_to_close_before_the_period() -> None:
    result = compute_plan(
        target_revenue=Decimal("120000"),
        first_day=Q3_FIRST,
        last_day=Q3_LAST,
        inputs=PlanInputs.from_flat(flat()),
    )

    windows = {row.stage: (row.first_day, row.last_day) for row in result.stages}
    # 90 days before 1 July is 2 April; 90 days before 30 September is 2 July.
    assert windows["mql"] == (dt.date(2026, 4, 2), dt.date(2026, 7, 2))
    assert windows["lead"] == (dt.date(2026, 3, 3), dt.date(2026, 6, 2))
    assert windows["opportunity"] == (dt.date(2026, 6, 1), dt.date(2026, 8, 31))
    assert windows["won"] == (Q3_FIRST, Q3_LAST)


def test_every_stage_is_split_by_source_in_the_agreed_percentages() -> None:
    result = compute_plan(
        target_revenue=Decimal("120000"),
        first_day=Q3_FIRST,
        last_day=Q3_LAST,
        inputs=PlanInputs.from_flat(flat()),
    )

    by_source = {row.stage: row.by_source for row in result.stages}
    # 200 MQLs at 60/25/15: 120, 50, 30.
    assert by_source["mql"] == {
        "marketing": 120,
        "sales_prospecting": 50,
        "partners": 30,
        "outsourced": 0,
    }
    # 48 opportunities: 28.8, 12, 7.2 → 28, 12, 7 and the one left to the largest remainder.
    assert by_source["opportunity"] == {
        "marketing": 29,
        "sales_prospecting": 12,
        "partners": 7,
        "outsourced": 0,
    }
    # 12 deals: 7.2, 3, 1.8 → 7, 3, 1 and the one left to partners (0.8).
    assert by_source["won"] == {
        "marketing": 7,
        "sales_prospecting": 3,
        "partners": 2,
        "outsourced": 0,
    }


def test_a_split_tie_goes_to_the_larger_share() -> None:
    # 14 at 60/25/15: 8.4, 3.5, 2.1 → 8, 3, 2 and one left: 0.5 is the largest remainder.
    assert split_by_source(14, {"marketing": 60, "sales_prospecting": 25, "partners": 15}) == {
        "marketing": 8,
        "sales_prospecting": 4,
        "partners": 2,
    }
    # 1 at 50/50: both 0.5, the first named wins.
    assert split_by_source(1, {"partners": 50, "marketing": 50}) == {"partners": 1, "marketing": 0}


def test_shares_apportioned_from_counts_add_up_to_the_total() -> None:
    # 1, 1, 1 of 100: 33.3 each, the first named takes the one left.
    assert apportion(100, {"a": 1, "b": 1, "c": 1}) == {"a": 34, "b": 33, "c": 33}
    assert apportion(100, {"a": 0, "b": 0}) == {"a": 0, "b": 0}


def test_a_result_survives_being_stored() -> None:
    result = compute_plan(
        target_revenue=Decimal("120000"),
        first_day=Q3_FIRST,
        last_day=Q3_LAST,
        inputs=PlanInputs.from_flat(flat()),
    )

    assert result_from_json(result_to_json(result)) == result


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"win_rate": None}, MISSING_INPUT.format(label="Win rate (opportunity → won), %")),
        ({"mql_to_sal": Decimal("0")}, RATE_OUT_OF_RANGE.format(label="MQL → SAL, %")),
        ({"mql_to_sal": Decimal("100.5")}, RATE_OUT_OF_RANGE.format(label="MQL → SAL, %")),
        ({"split_partners": 20}, SPLIT_NOT_100.format(total=105)),
        (
            {"sal_days_to_close": 100},
            DAYS_OUT_OF_ORDER.format(earlier="MQLs", earlier_days=90, later="SALs", later_days=100),
        ),
    ],
)
def test_inputs_the_planner_cannot_use_are_refused_in_a_sentence(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(DomainError) as refused:
        validate_inputs(flat(**changes))

    assert refused.value.message == message


def test_a_full_rate_is_allowed() -> None:
    validate_inputs(flat(mql_to_sal=Decimal("100")))


@pytest.mark.parametrize(
    ("planned_to_date", "actual", "elapsed", "flag"),
    [
        (Fraction(0), 0, Fraction(0), PaceFlag.NOT_STARTED),
        # Early (10% gone): the slack is 23%: 78 of 100 is on track, 60 behind, 50 far behind,
        # 123 ahead.
        (Fraction(100), 78, Fraction(1, 10), PaceFlag.ON_TRACK),
        (Fraction(100), 60, Fraction(1, 10), PaceFlag.BEHIND),
        (Fraction(100), 50, Fraction(1, 10), PaceFlag.FAR_BEHIND),
        (Fraction(100), 122, Fraction(1, 10), PaceFlag.ON_TRACK),
        (Fraction(100), 123, Fraction(1, 10), PaceFlag.AHEAD),
        # Late (90% gone): the slack is 7%, so 90 is behind and the same 78 far behind.
        (Fraction(100), 78, Fraction(9, 10), PaceFlag.FAR_BEHIND),
        (Fraction(100), 90, Fraction(9, 10), PaceFlag.BEHIND),
        (Fraction(100), 93, Fraction(9, 10), PaceFlag.ON_TRACK),
        # Short by less than one whole lead is never behind.
        (Fraction(3, 5), 0, Fraction(1, 2), PaceFlag.ON_TRACK),
    ],
)
def test_the_flag_tightens_as_the_window_runs_out(
    planned_to_date: Fraction, actual: int, elapsed: Fraction, flag: PaceFlag
) -> None:
    assert pace_flag(planned_to_date=planned_to_date, actual=actual, elapsed=elapsed) == flag
