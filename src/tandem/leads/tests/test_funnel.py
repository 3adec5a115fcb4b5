import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core.testing import Personas, make_lead
from tandem.leads import funnel, lifecycle
from tandem.leads.models import FunnelMonth, Stage, StageChange, StageReach
from tandem.reports.queries import funnel as funnel_report

JAN = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
MAR = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)


def rollup() -> list[tuple[str, dt.date, int, int]]:
    return sorted(FunnelMonth.objects.values_list("stage", "month", "reached", "advanced"))


def reaches() -> list[tuple[int, str, dt.datetime]]:
    return sorted(StageReach.objects.values_list("lead_id", "stage", "at"))


def test_a_skipped_stage_counts_as_passed_from_the_entry_stage() -> None:
    assert funnel.new_reaches([Stage.MQL], Stage.CUSTOMER) == [
        Stage.SAL,
        Stage.SQL,
        Stage.OPPORTUNITY,
        Stage.CUSTOMER,
    ]


def test_stages_before_the_entry_stage_are_not_reached() -> None:
    assert funnel.new_reaches([], Stage.MQL) == [Stage.MQL]


def test_a_stage_is_reached_once() -> None:
    assert funnel.new_reaches([Stage.LEAD, Stage.MQL, Stage.RECYCLED], Stage.MQL) == []
    assert funnel.new_reaches([Stage.LEAD, Stage.RECYCLED], Stage.RECYCLED) == []


@pytest.mark.django_db
def test_advancing_is_counted_in_the_month_the_earlier_stage_was_reached(
    personas: Personas,
) -> None:
    lead = make_lead(stage=Stage.MQL, at=JAN)

    lifecycle.change_stage(lead=lead, to_stage=Stage.SAL, by=None, at=MAR)

    assert rollup() == [
        (Stage.MQL, dt.date(2026, 1, 1), 1, 1),
        (Stage.SAL, dt.date(2026, 3, 1), 1, 0),
    ]


@pytest.mark.django_db
def test_the_report_gives_monthly_reaches_and_cohort_conversion(personas: Personas) -> None:
    converted = make_lead(stage=Stage.MQL, at=JAN)
    make_lead(stage=Stage.MQL, at=JAN)
    lifecycle.change_stage(lead=converted, to_stage=Stage.SAL, by=None, at=MAR)

    report = funnel_report(
        personas.executive, first_month=dt.date(2026, 1, 1), last_month=dt.date(2026, 3, 1)
    )

    rows = {row.stage: row for row in report.stages}
    assert report.months == [dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)]
    assert rows[Stage.MQL].reached_by_month == [2, 0, 0]
    assert rows[Stage.SAL].reached_by_month == [0, 0, 1]
    assert rows[Stage.MQL].conversion == 0.5
    assert rows[Stage.CUSTOMER].conversion is None


ALL_STAGES = [stage.value for stage in Stage]
moves = st.lists(
    st.tuples(st.sampled_from(ALL_STAGES), st.integers(min_value=0, max_value=90)),
    max_size=8,
)
histories = st.lists(
    st.tuples(st.sampled_from([stage.value for stage in funnel.MAIN_PATH]), moves),
    min_size=1,
    max_size=6,
)


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histories=histories)
def test_the_live_rollup_always_equals_a_rebuild_from_the_ledger(
    histories: list[tuple[str, list[tuple[str, int]]]],
) -> None:
    # Examples share one database, so the ledger and the live rollup grow from one example to
    # the next; the rebuild must still agree with all of it.
    start = dt.datetime(2022, 11, 25, tzinfo=dt.UTC)
    for entry, steps in histories:
        at = start
        lead = make_lead(stage=entry, at=at)
        for target, days_later in steps:
            at += dt.timedelta(days=days_later)
            if lifecycle.is_allowed(lead.stage, target):
                lifecycle.change_stage(lead=lead, to_stage=target, by=None, at=at)
    live = (rollup(), reaches())

    funnel.rebuild_funnel(batch_size=7)

    assert (rollup(), reaches()) == live
    assert StageChange.objects.exists()
