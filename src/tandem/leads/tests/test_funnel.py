import datetime as dt

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core.testing import Personas, make_lead
from tandem.leads import funnel, lifecycle
from tandem.leads.lifecycle import Entry
from tandem.leads.models import FunnelDay, FunnelMonth, Lead, Stage, StageChange, StageReach
from tandem.reports.queries import funnel as funnel_report

JAN = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
MAR = dt.datetime(2026, 3, 20, tzinfo=dt.UTC)


def rollup() -> list[tuple[str, dt.date, int, int]]:
    return sorted(FunnelMonth.objects.values_list("stage", "month", "reached", "advanced"))


def daily_rollup() -> list[tuple[str, dt.date, int, int]]:
    return sorted(FunnelDay.objects.values_list("stage", "day", "reached", "advanced"))


def reaches() -> list[tuple[int, str, dt.datetime, dt.timedelta | None]]:
    return sorted(
        StageReach.objects.values_list("lead_id", "stage", "at", "time_in_previous_stage")
    )


def everything_derived() -> tuple[list[object], ...]:
    return rollup(), daily_rollup(), reaches()  # type: ignore[return-value]


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
def test_advancing_is_counted_on_the_day_the_earlier_stage_was_reached(
    personas: Personas,
) -> None:
    lead = make_lead(stage=Stage.MQL, at=JAN)

    lifecycle.change_stage(lead=lead, to_stage=Stage.SAL, by=None, at=MAR)

    assert daily_rollup() == [
        (Stage.MQL, dt.date(2026, 1, 5), 1, 1),
        (Stage.SAL, dt.date(2026, 3, 20), 1, 0),
    ]


@pytest.mark.django_db
def test_a_day_is_the_organisations_day(personas: Personas) -> None:
    with override_settings(TIME_ZONE="America/Sao_Paulo"):
        make_lead(stage=Stage.MQL, at=dt.datetime(2026, 1, 5, 1, 30, tzinfo=dt.UTC))

    assert daily_rollup() == [(Stage.MQL, dt.date(2026, 1, 4), 1, 0)]


@pytest.mark.django_db
def test_each_reach_keeps_the_time_spent_in_the_previous_stage(personas: Personas) -> None:
    lead = make_lead(stage=Stage.LEAD, at=JAN)

    lifecycle.change_stage(lead=lead, to_stage=Stage.MQL, by=None, at=MAR)
    lifecycle.change_stage(lead=lead, to_stage=Stage.SQL, by=None, at=MAR + dt.timedelta(hours=5))

    assert [(stage, spent) for _, stage, _, spent in reaches()] == [
        (Stage.LEAD, None),
        (Stage.MQL, MAR - JAN),
        (Stage.SAL, dt.timedelta(hours=5)),
        # SAL was passed by the jump to SQL: no time in it.
        (Stage.SQL, dt.timedelta(0)),
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
    live = everything_derived()

    funnel.rebuild_funnel(batch_size=7)

    assert everything_derived() == live
    assert StageChange.objects.exists()


@pytest.mark.django_db
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histories=histories)
def test_the_bulk_paths_keep_the_rollups_as_a_rebuild_from_the_ledger_would(
    histories: list[tuple[str, list[tuple[str, int]]]],
) -> None:
    # Every lead enters in one bulk entry; then, step by step, each lead's next move is made
    # in one bulk move per target stage (leads the lifecycle refuses stay put).
    start = dt.datetime(2022, 11, 25, 22, 30, tzinfo=dt.UTC)
    leads = lifecycle.enter_lifecycle_in_bulk(
        entries=[Entry(lead=Lead(), stage=entry, at=start, reason="") for entry, _ in histories],
        actor_label="test",
    )
    at = start
    for step in range(max(len(steps) for _, steps in histories)):
        at += dt.timedelta(days=step % 3, hours=7)
        by_target: dict[str, dict[int, str]] = {}
        for lead, (_, steps) in zip(leads, histories, strict=True):
            if step < len(steps):
                by_target.setdefault(steps[step][0], {})[lead.pk] = ""
        for target, reasons in sorted(by_target.items()):
            lifecycle.change_stages_in_bulk(
                reasons=reasons, to_stage=target, at=at, actor_label="test"
            )
    live = everything_derived()

    funnel.rebuild_funnel(batch_size=5)

    assert everything_derived() == live
