"""The KPI reads behind the dashboard and the reports API.

Every funnel figure comes from the stage ledger, through the `FunnelMonth` rollup that
`leads.lifecycle` keeps in step with it (see `leads.funnel`), so a dashboard query reads a few
hundred rows whatever the number of leads.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Max, Min

from tandem.campaigns.models import Campaign
from tandem.core.errors import DomainError
from tandem.core.time import add_months, month_of, months_between, now
from tandem.leads.funnel import FUNNEL_STAGES, next_stage
from tandem.leads.models import FunnelMonth, Stage
from tandem.leads.queries import require_role
from tandem.people.models import Team
from tandem.reports import rollups
from tandem.reports.models import RollupDimension

DEFAULT_PERIOD_MONTHS = 12
MAX_PERIOD_MONTHS = 120
FIRST_AFTER_LAST = "The first month ({first}) is after the last month ({last})."
PERIOD_TOO_LONG = "A report covers at most {max_months} months; {first} to {last} is {months}."


@dataclass(frozen=True)
class FunnelStageRow:
    stage: Stage
    # Leads that reached this stage, per month of the period and in all.
    reached_by_month: list[int]
    reached: int
    # Of those, how many went on to the next stage of the main path (so far).
    advanced: int
    next_stage: Stage | None

    @property
    def conversion(self) -> float | None:
        """Share of the leads that reached this stage in the period and went on to the next."""
        if self.next_stage is None or self.reached == 0:
            return None
        return self.advanced / self.reached


@dataclass(frozen=True)
class Funnel:
    first_month: dt.date
    last_month: dt.date
    months: list[dt.date]
    stages: list[FunnelStageRow]


@dataclass(frozen=True)
class Period:
    first_month: dt.date
    last_month: dt.date


def data_period() -> Period | None:
    """The first and last months with any funnel activity, or None for an empty ledger."""
    bounds = FunnelMonth.objects.aggregate(first=Min("month"), last=Max("month"))
    if bounds["first"] is None:
        return None
    return Period(first_month=bounds["first"], last_month=bounds["last"])


def default_period(bounds: Period | None) -> Period:
    """The twelve months up to the latest month with data (or up to this month, for no data)."""
    last = bounds.last_month if bounds is not None else month_of(now())
    return Period(first_month=add_months(last, 1 - DEFAULT_PERIOD_MONTHS), last_month=last)


def month_text(month: dt.date) -> str:
    return month.strftime("%Y-%m")


def validate_period(*, first_month: dt.date, last_month: dt.date) -> Period:
    """The period from `first_month` to `last_month`, if it is one a report may cover."""
    first, last = first_month.replace(day=1), last_month.replace(day=1)
    if first > last:
        raise DomainError(
            FIRST_AFTER_LAST.format(first=month_text(first), last=month_text(last)),
            fields={"first_month": "after last_month"},
        )
    months = len(months_between(first, last))
    if months > MAX_PERIOD_MONTHS:
        raise DomainError(
            PERIOD_TOO_LONG.format(
                max_months=MAX_PERIOD_MONTHS,
                first=month_text(first),
                last=month_text(last),
                months=months,
            ),
            fields={"first_month": f"more than {MAX_PERIOD_MONTHS} months before last_month"},
        )
    return Period(first_month=first, last_month=last)


def funnel(actor: User, *, first_month: dt.date, last_month: dt.date) -> Funnel:
    """Leads reaching each stage per month from `first_month` to `last_month` (both included),
    and the conversion of each stage's monthly cohorts to the next stage.

    Dashboards are shared: every role on a team reads them.
    """
    require_role(actor)
    months = months_between(first_month.replace(day=1), last_month.replace(day=1))
    index = {month: position for position, month in enumerate(months)}
    reached = {stage: [0] * len(months) for stage in FUNNEL_STAGES}
    advanced = dict.fromkeys(FUNNEL_STAGES, 0)
    rows = FunnelMonth.objects.filter(month__gte=months[0], month__lte=months[-1]) if months else []
    for row in rows:
        stage = Stage(row.stage)
        reached[stage][index[row.month]] += row.reached
        advanced[stage] += row.advanced
    return Funnel(
        first_month=first_month,
        last_month=last_month,
        months=months,
        stages=[
            FunnelStageRow(
                stage=stage,
                reached_by_month=reached[stage],
                reached=sum(reached[stage]),
                advanced=advanced[stage],
                next_stage=next_stage(stage),
            )
            for stage in FUNNEL_STAGES
        ],
    )


@dataclass(frozen=True)
class FilterChoices:
    segments: list[str]
    teams: list[tuple[int, str]]
    campaigns: list[tuple[int, str]]


def filter_choices() -> FilterChoices:
    """What the dashboard can be filtered by: the segments of the companies of leads in the
    funnel (read from the rollups, not the companies), every team and every campaign."""
    return FilterChoices(
        segments=[segment for segment in rollups.filter_values(RollupDimension.SEGMENT) if segment],
        teams=list(Team.objects.order_by("name").values_list("pk", "name")),
        campaigns=list(Campaign.objects.order_by("name").values_list("pk", "name")),
    )
