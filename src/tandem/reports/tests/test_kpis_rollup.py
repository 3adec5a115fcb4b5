"""Without filters the dashboard sums the daily rollup; with one it counts the reaches. Both
must give the same figures for the same leads."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core.testing import make_lead
from tandem.leads import lifecycle
from tandem.leads.funnel import MAIN_PATH
from tandem.leads.models import Company, Stage
from tandem.reports.kpis import NO_FILTERS, Filters, Grain, commitments, stage_rows, validate_period

START = dt.datetime(2024, 12, 30, 21, 0, tzinfo=dt.UTC)
moves = st.lists(
    st.tuples(
        st.sampled_from([stage.value for stage in Stage]),
        st.integers(min_value=0, max_value=40 * 24),
    ),
    max_size=6,
)
histories = st.lists(
    st.tuples(st.sampled_from([stage.value for stage in MAIN_PATH]), moves),
    min_size=1,
    max_size=5,
)


@pytest.mark.django_db
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(histories=histories, grain=st.sampled_from(list(Grain)), first=st.integers(0, 60))
def test_the_rollup_gives_the_figures_counted_from_the_reaches(
    histories: list[tuple[str, list[tuple[str, int]]]], grain: Grain, first: int
) -> None:
    # Every lead is in one segment, so filtering by it narrows nothing but takes the other path.
    company, _ = Company.objects.get_or_create(name="All", segment="All")
    for entry, steps in histories:
        at = START
        lead = make_lead(stage=entry, at=at, company_id=company.pk)
        for target, hours_later in steps:
            at += dt.timedelta(hours=hours_later)
            if lifecycle.is_allowed(lead.stage, target):
                lifecycle.change_stage(lead=lead, to_stage=target, by=None, at=at)
    first_day = START.date() + dt.timedelta(days=first)
    period = validate_period(
        first_day=first_day, last_day=first_day + dt.timedelta(days=80), grain=grain
    )
    everyone = Filters(segment="All")

    from_rollup = stage_rows(period, NO_FILTERS), commitments(period, NO_FILTERS)
    from_reaches = stage_rows(period, everyone), commitments(period, everyone)

    assert from_rollup[0] == from_reaches[0]
    assert [month.delivered for month in from_rollup[1]] == [
        month.delivered for month in from_reaches[1]
    ]
