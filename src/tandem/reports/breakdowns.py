"""Pipeline and revenue of the period's MQLs, broken down by where they came from: source
group, source, campaign, channel, landing page or segment.

The cohort is the leads that first reached MQL in the period (as in `campaigns.closed_loop`,
whose attribution this reuses: a lead counts for its last-touch campaign and landing page,
falling back to its first touch). What became of them is counted whenever it happened: SQLs
from the funnel reaches, won deals and revenue from the won deals, pipeline from the deals
still open. Revenues are kept per currency, never added across currencies. Leads without a value
of the dimension are a row of their own, never dropped.

All six breakdowns come from the same two grouped queries: the cohort (and its deals) grouped by
every lead field a dimension is made of, each group then counted under its value of each
dimension. A lead has one value of each field, so the groups split the cohort without overlap
and every count adds up exactly as a query per dimension would give it.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Count, Q, QuerySet, Sum

from tandem.campaigns.closed_loop import NONE_LABELS, Dimension, Revenue
from tandem.campaigns.models import Campaign, Channel
from tandem.core.errors import DomainError
from tandem.core.money import CENT
from tandem.leads.models import Deal, DealStage, Stage, StageReach
from tandem.leads.origins import GROUP_OF_SOURCE, SourceGroup
from tandem.reports import rollups
from tandem.reports.kpis import NO_FILTERS, Filters, Period, reaches
from tandem.reports.rollups import OPEN_DEAL_STAGES

UNKNOWN_BREAKDOWN = "{by} is not a way to break the pipeline down; use one of: {known}."


class Breakdown(models.TextChoices):
    SOURCE_GROUP = "source_group", "Source group"
    SOURCE = "source", "Source"
    CAMPAIGN = "campaign", "Campaign"
    CHANNEL = "channel", "Channel"
    LANDING_PAGE = "landing_page", "Landing page"
    SEGMENT = "segment", "Segment"


NO_VALUE_LABELS = {
    Breakdown.SOURCE_GROUP: "No source group",
    Breakdown.SOURCE: "No source",
    Breakdown.CAMPAIGN: NONE_LABELS[Dimension.CAMPAIGN],
    Breakdown.CHANNEL: NONE_LABELS[Dimension.CHANNEL],
    Breakdown.LANDING_PAGE: NONE_LABELS[Dimension.LANDING_PAGE],
    Breakdown.SEGMENT: NONE_LABELS[Dimension.SEGMENT],
}


@dataclass
class BreakdownRow:
    # The source group, source, campaign id (as text), channel, page or segment; None for the
    # leads with none.
    key: str | None
    label: str
    mqls: int = 0
    sqls: int = 0
    won_deals: int = 0
    # Leads of the cohort with at least one won deal.
    won_leads: int = 0
    open_deals: int = 0
    revenue: list[Revenue] = field(default_factory=list)
    pipeline: list[Revenue] = field(default_factory=list)

    @property
    def mql_to_won(self) -> float | None:
        """Share of the MQLs that have won a deal so far."""
        return self.won_leads / self.mqls if self.mqls else None

    @property
    def mql_to_sql(self) -> float | None:
        return self.sqls / self.mqls if self.mqls else None


@dataclass(frozen=True)
class PipelineBreakdown:
    by: Breakdown
    rows: list[BreakdownRow]
    total: BreakdownRow


def validate_breakdown(by: str) -> Breakdown:
    if by not in Breakdown.values:
        raise DomainError(
            UNKNOWN_BREAKDOWN.format(by=by or "Nothing", known=", ".join(Breakdown.values)),
            fields={"by": "unknown"},
        )
    return Breakdown(by)


# The lead fields the dimensions are made of, from a row with a `lead`, in this order.
LEAD_FIELDS = (
    "lead__source",
    "lead__last_touch_campaign_id",
    "lead__first_touch_campaign_id",
    "lead__last_touch_landing_page",
    "lead__landing_page",
    "lead__company__segment",
)
Fields = tuple[Any, ...]


def _group_keys(fields: Fields, channels: dict[int, str]) -> dict[Breakdown, str | None]:
    """A lead's value of each dimension, from its `LEAD_FIELDS`, as the closed loop attributes
    it: last touch, falling back to the first touch."""
    source, last_campaign, first_campaign, last_page, first_page, segment = fields
    campaign = last_campaign if last_campaign is not None else first_campaign
    return {
        # As `leads.origins.source_group_expression` compares in SQL: lowered, not stripped.
        Breakdown.SOURCE_GROUP: GROUP_OF_SOURCE.get(source.lower(), SourceGroup.MARKETING).value,
        Breakdown.SOURCE: _text(source),
        Breakdown.CAMPAIGN: _text(campaign),
        Breakdown.CHANNEL: _text(channels.get(campaign) if campaign is not None else None),
        Breakdown.LANDING_PAGE: _text(last_page or first_page),
        Breakdown.SEGMENT: _text(segment),
    }


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def pipeline_breakdown(
    period: Period, *, by: str, filters: Filters = NO_FILTERS
) -> PipelineBreakdown:
    """The period's MQLs and what became of them, one row per value of `by`, most MQLs first
    and the leads without a value last. Three queries."""
    dimension = validate_breakdown(by)
    return pipeline_breakdowns(period, filters=filters, only=[dimension])[dimension]


def pipeline_breakdowns(
    period: Period, *, filters: Filters = NO_FILTERS, only: list[Breakdown] | None = None
) -> dict[Breakdown, PipelineBreakdown]:
    """`pipeline_breakdown` by each dimension (or those in `only`), in the order of
    `Breakdown`. Three queries in all."""
    dimensions = [by for by in Breakdown if only is None or by in only]
    campaigns = {pk: (name, channel) for pk, name, channel in Campaign.objects.values_list(
        "pk", "name", "channel"
    )}  # fmt: skip
    channels = {pk: channel for pk, (_, channel) in campaigns.items()}
    keys: dict[Fields, dict[Breakdown, str | None]] = {}

    def keys_of(fields: Fields) -> dict[Breakdown, str | None]:
        if fields not in keys:
            keys[fields] = _group_keys(fields, channels)
        return keys[fields]

    rows: dict[Breakdown, dict[str | None, BreakdownRow]] = {by: {} for by in dimensions}

    def row(by: Breakdown, group: str | None) -> BreakdownRow:
        if group not in rows[by]:
            rows[by][group] = BreakdownRow(key=group, label="")
        return rows[by][group]

    # Per dimension, group and currency: won deals, won leads, amounts won, open deals, amounts
    # open.
    money: dict[Breakdown, dict[tuple[str | None, str], list[Any]]] = {
        by: defaultdict(lambda: [0, 0, Decimal(0), 0, Decimal(0)]) for by in dimensions
    }

    # `found` holds a group's value of each dimension it belongs to: all of them when read
    # from the reaches, one or two when read from a rollup key.
    def count(found: dict[Breakdown, str | None], mqls: int, sqls: int) -> None:
        for by in dimensions:
            if by not in found:
                continue
            target = row(by, found[by])
            target.mqls += mqls
            target.sqls += sqls

    def count_money(found: dict[Breakdown, str | None], currency: str, figures: list[Any]) -> None:
        for by in dimensions:
            if by not in found:
                continue
            totals = money[by][(found[by], currency)]
            for position, amount in enumerate(figures):
                totals[position] += amount or 0

    rollup_rows = filters.rollup_rows()
    if rollup_rows is not None:
        _from_rollups(rollup_rows, period, channels, count, count_money)
    else:
        _from_reaches(reaches(period, filters).filter(stage=Stage.MQL), keys_of, count, count_money)

    breakdowns = {}
    for by in dimensions:
        revenue: dict[str | None, dict[str, Decimal]] = defaultdict(dict)
        pipeline: dict[str | None, dict[str, Decimal]] = defaultdict(dict)
        for (group, currency), (won, won_leads, won_amount, open_count, open_amount) in sorted(
            money[by].items(), key=lambda item: (item[0][0] is None, item[0][0] or "", item[0][1])
        ):
            target = row(by, group)
            target.won_deals += won
            # A lead winning deals in two currencies is one won lead: counted in each currency,
            # so the larger count is kept (exact whenever a lead's deals share a currency).
            target.won_leads = max(target.won_leads, won_leads)
            target.open_deals += open_count
            if won:
                revenue[group][currency] = won_amount
            if open_count:
                pipeline[group][currency] = open_amount
        for group, target in rows[by].items():
            target.revenue = _amounts(revenue.get(group, {}))
            target.pipeline = _amounts(pipeline.get(group, {}))
        _label(list(rows[by].values()), by, campaigns)
        ordered = sorted(
            rows[by].values(),
            key=lambda item: (item.key is None, -item.mqls, item.label.casefold()),
        )
        breakdowns[by] = PipelineBreakdown(by=by, rows=ordered, total=_total(ordered))
    return breakdowns


CountGroup = Callable[[dict[Breakdown, str | None], int, int], None]
CountMoney = Callable[[dict[Breakdown, str | None], str, list[Any]], None]


def _from_reaches(
    cohort: QuerySet[StageReach],
    keys_of: Callable[[Fields], dict[Breakdown, str | None]],
    count: CountGroup,
    count_money: CountMoney,
) -> None:
    """Count the cohort from its reaches, grouped by every lead field a dimension is made of:
    for filters that combine, which the rollups do not keep."""
    reached_sql = StageReach.objects.filter(lead_id=models.OuterRef("lead_id"), stage=Stage.SQL)
    for *fields, mqls, sqls in (
        cohort.values(*LEAD_FIELDS)
        .annotate(mqls=Count("id"), sqls=Count("id", filter=models.Exists(reached_sql)))
        .order_by()
        .values_list(*LEAD_FIELDS, "mqls", "sqls")
    ):
        count(keys_of(tuple(fields)), mqls, sqls)
    is_won = Q(stage=DealStage.WON)
    is_open = Q(stage__in=OPEN_DEAL_STAGES)
    for *fields, currency, won, won_leads, won_amount, open_count, open_amount in (
        Deal.objects.filter(lead_id__in=cohort.values("lead_id"))
        .filter(is_won | is_open)
        .values(*LEAD_FIELDS, "currency")
        .annotate(
            won=Count("id", filter=is_won),
            won_leads=Count("lead_id", filter=is_won, distinct=True),
            won_amount=Sum("amount", filter=is_won),
            open_count=Count("id", filter=is_open),
            open_amount=Sum("amount", filter=is_open),
        )
        .order_by()
        .values_list(
            *LEAD_FIELDS, "currency", "won", "won_leads", "won_amount", "open_count", "open_amount"
        )
    ):
        count_money(
            keys_of(tuple(fields)),
            currency,
            [won, won_leads, won_amount if won else 0, open_count, open_amount or 0],
        )


def _from_rollups(
    rows: tuple[str, str],
    period: Period,
    channels: dict[int, str],
    count: CountGroup,
    count_money: CountMoney,
) -> None:
    """Count the cohort from `reports.rollups`: each rollup key is a value of one or two
    dimensions (a source is also a source group, a campaign also a channel)."""
    for by, key, currency, (
        mqls,
        sqls,
        won,
        won_leads,
        won_cents,
        open_count,
        open_cents,
    ) in rollups.cohort(*rows, period.first_day, period.last_day):
        found = _rollup_keys(by, key, channels)
        if not currency:
            count(found, mqls, sqls)
        else:
            count_money(
                found,
                currency,
                [won, won_leads, Decimal(won_cents) / 100, open_count, Decimal(open_cents) / 100],
            )


def _rollup_keys(by: str, key: str, channels: dict[int, str]) -> dict[Breakdown, str | None]:
    """The dimensions a rollup key belongs to, keyed as `_group_keys` keys them."""
    if by == "source":
        group = GROUP_OF_SOURCE.get(key.lower(), SourceGroup.MARKETING).value
        return {Breakdown.SOURCE: _text(key), Breakdown.SOURCE_GROUP: group}
    if by == "campaign":
        channel = channels.get(int(key)) if key else None
        return {Breakdown.CAMPAIGN: _text(key), Breakdown.CHANNEL: _text(channel)}
    return {Breakdown(by): _text(key)}


def _amounts(by_currency: dict[str, Decimal]) -> list[Revenue]:
    return [
        Revenue(currency=currency, amount=amount.quantize(CENT))
        for currency, amount in sorted(by_currency.items())
    ]


def _label(rows: list[BreakdownRow], by: Breakdown, campaigns: dict[int, tuple[str, str]]) -> None:
    names: dict[str, str] = {}
    if by == Breakdown.CAMPAIGN:
        names = {str(pk): name for pk, (name, _) in campaigns.items()}
    elif by == Breakdown.CHANNEL:
        names = {str(value): str(label) for value, label in Channel.choices}
    elif by == Breakdown.SOURCE_GROUP:
        names = {str(value): str(label) for value, label in SourceGroup.choices}
    for item in rows:
        item.label = NO_VALUE_LABELS[by] if item.key is None else names.get(item.key, item.key)


def _total(rows: list[BreakdownRow]) -> BreakdownRow:
    total = BreakdownRow(key=None, label="All MQLs")
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    pipeline: dict[str, Decimal] = defaultdict(Decimal)
    for item in rows:
        total.mqls += item.mqls
        total.sqls += item.sqls
        total.won_deals += item.won_deals
        total.won_leads += item.won_leads
        total.open_deals += item.open_deals
        for money in item.revenue:
            revenue[money.currency] += money.amount
        for money in item.pipeline:
            pipeline[money.currency] += money.amount
    total.revenue = _amounts(revenue)
    total.pipeline = _amounts(pipeline)
    return total


def days_between(duration: dt.timedelta | None) -> float | None:
    """A duration in days, to three decimals (a minute and a half)."""
    return None if duration is None else round(duration.total_seconds() / 86400, 3)
