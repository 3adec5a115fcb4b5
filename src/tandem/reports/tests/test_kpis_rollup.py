"""Without filters the dashboard sums the daily rollup and `reports.rollups`; with one filter
it sums that filter's rollups; with filters combined it counts the reaches. All three must give
the same figures for the same leads."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tandem.core.roles import Role, TeamKind
from tandem.core.testing import make_lead
from tandem.leads import lifecycle
from tandem.leads.funnel import MAIN_PATH
from tandem.leads.models import Company, Stage
from tandem.people.models import Membership, Team
from tandem.reports.breakdowns import pipeline_breakdowns
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
    # Every lead is in one segment and owned by one team, so filtering by either or both
    # narrows nothing but takes the other paths.
    company, _ = Company.objects.get_or_create(name="All", segment="All")
    team, _ = Team.objects.get_or_create(name="Everyone", defaults={"kind": TeamKind.SALES})
    owner, created = User.objects.get_or_create(username="owner")
    if created:
        Membership.objects.create(user=owner, team=team, role=Role.SALES_REP)
    for entry, steps in histories:
        at = START
        lead = make_lead(stage=entry, at=at, company_id=company.pk, owner=owner)
        for target, hours_later in steps:
            at += dt.timedelta(hours=hours_later)
            if lifecycle.is_allowed(lead.stage, target):
                lifecycle.change_stage(lead=lead, to_stage=target, by=None, at=at)
    first_day = START.date() + dt.timedelta(days=first)
    period = validate_period(
        first_day=first_day, last_day=first_day + dt.timedelta(days=80), grain=grain
    )

    def figures(filters: Filters) -> tuple[object, ...]:
        return (
            stage_rows(period, filters),
            [month.delivered for month in commitments(period, filters)],
            {
                by: [(row.key, row.mqls, row.sqls) for row in breakdown.rows]
                for by, breakdown in pipeline_breakdowns(period, filters=filters).items()
            },
        )

    from_rollups = figures(NO_FILTERS)
    from_one_filter = figures(Filters(segment="All"))
    from_reaches = figures(Filters(segment="All", team_id=team.pk))

    assert from_rollups == from_one_filter == from_reaches
