"""The closed loop: what sales made of the leads marketing sent, per campaign, channel, landing
page or segment.

The cohort is the leads that first reached MQL in the period (`leads.StageReach`); everything
else is what became of those leads so far, whenever it happened. Each figure is one GROUP BY
over the cohort, keyed by the dimension asked for, so the work grows with the cohort, never with
Python loops over leads, and the answer has one row per campaign, channel, page or segment:

- MQLs and SQLs come from the funnel reaches, so they agree with the dashboard (a lead that
  skipped SQL on its way to a deal has passed it);
- accepted and rejected count leads, from sales' decisions on their handoffs
  (`handoff.Assignment.decision`): a lead sales ever accepted (or accepted by default) is
  accepted, a lead only ever rejected is rejected, so the two never add up to more than the
  MQLs; a lead still undecided counts in neither;
- rejection reasons come from `handoff.Rejection`, by code, with the latest wording;
- revenue is the sum of the won deals' amounts, per currency: Tandem converts no currencies
  (the reports don't either), so amounts in different currencies are never added up;
- speed to lead is the median, over the cohort's handoffs that sales touched, of the time
  from the assignment to its first touch (`Assignment.first_touch_at`).

Attribution: a lead counts for its last-touch campaign (and last landing page), or with
`touch="first"` for its first-touch ones. A lead whose record names only a first touch counts
for it under last touch too: its latest known touch is its first. Leads with no campaign, page
or segment are a row of their own, never dropped.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.db.models import Count, F, Max, Q, QuerySet, Sum, Value, Window
from django.db.models.functions import Coalesce, NullIf, RowNumber

from tandem.campaigns.models import Campaign, Channel
from tandem.core.errors import DomainError
from tandem.core.money import CENT
from tandem.core.time import start_of_day
from tandem.handoff.models import Assignment, Decision, Rejection
from tandem.leads.models import Deal, DealStage, Stage, StageReach
from tandem.leads.queries import require_role

FROM_AFTER_TO = "The period cannot start ({mql_from}) after it ends ({mql_to})."
UNKNOWN_DIMENSION = "{by} is not a way to break the closed loop down; use one of: {known}."
UNKNOWN_TOUCH = "{touch} is not an attribution; use last or first."


class Dimension(models.TextChoices):
    CAMPAIGN = "campaign", "Campaign"
    CHANNEL = "channel", "Channel"
    LANDING_PAGE = "landing_page", "Landing page"
    # The segment of the lead's company.
    SEGMENT = "segment", "Segment"


class Touch(models.TextChoices):
    LAST = "last", "Last touch"
    FIRST = "first", "First touch"


# What the row of leads without a value of the dimension is called. A lead without a campaign
# has no channel either.
NONE_LABELS = {
    Dimension.CAMPAIGN: "No campaign",
    Dimension.CHANNEL: "No campaign",
    Dimension.LANDING_PAGE: "No landing page",
    Dimension.SEGMENT: "No segment",
}
ACCEPTED_DECISIONS = (Decision.ACCEPTED, Decision.ACCEPTED_BY_DEFAULT)


@dataclass(frozen=True)
class ReasonCount:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class Revenue:
    currency: str
    amount: Decimal


@dataclass
class ClosedLoopRow:
    """The closed loop of one campaign, channel, landing page or segment."""

    # The campaign id (as text), channel code, page address or segment; None for the leads
    # with none.
    key: str | None
    label: str
    mqls: int = 0
    accepted: int = 0
    rejected: int = 0
    sqls: int = 0
    won_deals: int = 0
    reasons: list[ReasonCount] = field(default_factory=list)
    revenue: list[Revenue] = field(default_factory=list)
    median_speed_to_lead: dt.timedelta | None = None

    @property
    def decided(self) -> int:
        return self.accepted + self.rejected

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted of the decided leads; None before any decision."""
        return self.accepted / self.decided if self.decided else None

    @property
    def sql_rate(self) -> float | None:
        """Share of the MQLs that reached SQL; None without MQLs."""
        return self.sqls / self.mqls if self.mqls else None

    @property
    def campaign_id(self) -> int | None:
        return int(self.key) if self.key is not None and self.key.isdigit() else None


@dataclass(frozen=True)
class ClosedLoop:
    by: Dimension
    touch: Touch
    mql_from: dt.date | None
    mql_to: dt.date | None
    rows: list[ClosedLoopRow]
    # Every row added up; its median is over all the cohort's touched handoffs.
    total: ClosedLoopRow


def validate_dimension(by: str) -> Dimension:
    if by not in Dimension.values:
        raise DomainError(
            UNKNOWN_DIMENSION.format(by=by or "Nothing", known=", ".join(Dimension.values)),
            fields={"by": "unknown"},
        )
    return Dimension(by)


def validate_touch(touch: str) -> Touch:
    if touch not in Touch.values:
        raise DomainError(
            UNKNOWN_TOUCH.format(touch=touch or "Nothing"), fields={"touch": "unknown"}
        )
    return Touch(touch)


def validate_period(*, mql_from: dt.date | None, mql_to: dt.date | None) -> None:
    if mql_from is not None and mql_to is not None and mql_from > mql_to:
        raise DomainError(
            FROM_AFTER_TO.format(mql_from=mql_from, mql_to=mql_to), fields={"from": "after to"}
        )


def _campaign_path(touch: Touch) -> Any:
    """The lead's campaign id under `touch`, as an expression from a row with a `lead`."""
    if touch == Touch.FIRST:
        return F("lead__first_touch_campaign_id")
    return Coalesce("lead__last_touch_campaign_id", "lead__first_touch_campaign_id")


def _key(by: Dimension, touch: Touch) -> Any:
    """The dimension's value for a row with a `lead`: the GROUP BY expression."""
    if by == Dimension.CAMPAIGN:
        return _campaign_path(touch)
    if by == Dimension.CHANNEL:
        if touch == Touch.FIRST:
            return F("lead__first_touch_campaign__channel")
        return Coalesce("lead__last_touch_campaign__channel", "lead__first_touch_campaign__channel")
    if by == Dimension.LANDING_PAGE:
        if touch == Touch.FIRST:
            return F("lead__landing_page")
        return Coalesce(NullIf("lead__last_touch_landing_page", Value("")), "lead__landing_page")
    return F("lead__company__segment")


def attributed_to(touch: Touch, campaign_ids: Collection[int]) -> Q:
    """Leads attributed to one of `campaign_ids`, written so each side can use its index."""
    if touch == Touch.FIRST:
        return Q(lead__first_touch_campaign_id__in=campaign_ids)
    return Q(lead__last_touch_campaign_id__in=campaign_ids) | Q(
        lead__last_touch_campaign_id__isnull=True, lead__first_touch_campaign_id__in=campaign_ids
    )


def _cohort(
    *,
    touch: Touch,
    mql_from: dt.date | None,
    mql_to: dt.date | None,
    campaign_ids: Collection[int] | None,
) -> QuerySet[StageReach]:
    """The MQL reaches of the period: one row per lead that first became MQL in it."""
    reaches = StageReach.objects.filter(stage=Stage.MQL)
    # Days are the organisation's: a period ends at the midnight after its last day.
    if mql_from is not None:
        reaches = reaches.filter(at__gte=start_of_day(mql_from))
    if mql_to is not None:
        reaches = reaches.filter(at__lt=start_of_day(mql_to + dt.timedelta(days=1)))
    if campaign_ids is not None:
        reaches = reaches.filter(attributed_to(touch, campaign_ids))
    return reaches


def _text(value: Any) -> str | None:
    """A group's key as text; empty and missing values are the same "none" row."""
    if value is None or value == "":
        return None
    return str(value)


def _median(middle: list[dt.timedelta]) -> dt.timedelta | None:
    if not middle:
        return None
    return sum(middle, dt.timedelta()) / len(middle)


def _middle_speeds(
    assignments: QuerySet[Assignment], *, partition: Any
) -> dict[str | None, list[dt.timedelta]]:
    """The one or two middle speeds to lead of each group, ordered in the database.

    Window functions (SQLite 3.25+, PostgreSQL) number each group's speeds and count them; only
    the middle rows come back, so the median costs one sort in the database and a few rows in
    Python whatever the size of the cohort. Neither database offers a median aggregate both
    understand (PostgreSQL's percentile_cont does not exist in SQLite).
    """
    speeds = (
        assignments.annotate(
            group=partition,
            speed=models.ExpressionWrapper(
                F("first_touch_at") - F("assigned_at"), output_field=models.DurationField()
            ),
        )
        .annotate(
            position=Window(RowNumber(), partition_by=[F("group")], order_by=F("speed").asc()),
            size=Window(Count("id"), partition_by=[F("group")]),
        )
        # Positions floor((n+1)/2) to floor((n+2)/2): the middle row, or the middle two.
        .annotate(low=(F("size") + 1) / 2, high=(F("size") + 2) / 2)
        .filter(position__gte=F("low"), position__lte=F("high"))
        .order_by()
        .values_list("group", "speed")
    )
    middle: dict[str | None, list[dt.timedelta]] = defaultdict(list)
    for group, speed in speeds:
        middle[_text(group)].append(speed)
    return middle


def closed_loop(
    actor: User,
    *,
    by: str,
    touch: str = Touch.LAST,
    mql_from: dt.date | None = None,
    mql_to: dt.date | None = None,
    campaign_ids: Collection[int] | None = None,
) -> ClosedLoop:
    """The closed loop of the leads that first became MQL from `mql_from` to `mql_to` (days in
    the organisation's time zone, both included; None leaves that end open), one row per value
    of `by`, attributed by `touch`; only the leads of `campaign_ids` when given.

    Five queries whatever the number of leads: MQLs with SQLs, decisions, rejection reasons,
    won deals, the middle speeds to lead, and the campaigns' names. Median speed to lead is
    the time from a handoff's assignment to sales' first touch of it.

    Shared like the dashboard: every role on a team reads it.
    """
    require_role(actor)
    dimension = validate_dimension(by)
    attribution = validate_touch(touch)
    validate_period(mql_from=mql_from, mql_to=mql_to)
    key = _key(dimension, attribution)
    cohort = _cohort(touch=attribution, mql_from=mql_from, mql_to=mql_to, campaign_ids=campaign_ids)
    cohort_leads = cohort.values("lead_id")
    rows: dict[str | None, ClosedLoopRow] = {}

    def row(value: Any) -> ClosedLoopRow:
        group = _text(value)
        if group not in rows:
            rows[group] = ClosedLoopRow(key=group, label="")
        return rows[group]

    reached_sql = StageReach.objects.filter(lead_id=models.OuterRef("lead_id"), stage=Stage.SQL)
    accepted = Assignment.objects.filter(
        lead_id=models.OuterRef("lead_id"), decision__in=ACCEPTED_DECISIONS
    )
    rejected = Assignment.objects.filter(
        lead_id=models.OuterRef("lead_id"), decision=Decision.REJECTED
    )
    for value, mqls, sqls, accepted_leads, rejected_leads in (
        cohort.annotate(group=key)
        .values("group")
        .annotate(
            mqls=Count("id"),
            sqls=Count("id", filter=models.Exists(reached_sql)),
            accepted=Count("id", filter=models.Exists(accepted)),
            rejected=Count("id", filter=models.Exists(rejected) & ~models.Exists(accepted)),
        )
        .values_list("group", "mqls", "sqls", "accepted", "rejected")
    ):
        target = row(value)
        target.mqls += mqls
        target.sqls += sqls
        target.accepted += accepted_leads
        target.rejected += rejected_leads

    # code → (when last used, label then, count), per group.
    reasons: dict[str | None, dict[str, tuple[dt.datetime, str, int]]] = defaultdict(dict)
    for value, code, label, latest, count in (
        Rejection.objects.filter(lead_id__in=cohort_leads)
        .annotate(group=key)
        .values("group", "reason_code", "reason_label")
        .annotate(latest=Max("at"), count=Count("id"))
        .values_list("group", "reason_code", "reason_label", "latest", "count")
    ):
        # A reason reworded by a later agreement is still one reason, under its latest words.
        by_code = reasons[_text(value)]
        seen_at, seen_label, seen_count = by_code.get(code, (latest, label, 0))
        if seen_at > latest:
            latest, label = seen_at, seen_label
        by_code[code] = (latest, label, seen_count + count)
    for group, by_code in reasons.items():
        row(group).reasons = _by_count(
            ReasonCount(code=code, label=label, count=count)
            for code, (_, label, count) in by_code.items()
        )

    for value, currency, count, amount in (
        Deal.objects.filter(lead_id__in=cohort_leads, stage=DealStage.WON)
        .annotate(group=key)
        .values("group", "currency")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by("currency")
        .values_list("group", "currency", "count", "amount")
    ):
        target = row(value)
        target.won_deals += count
        # In cents, as deals are: SQLite's sum drops trailing zeros.
        target.revenue.append(Revenue(currency=currency, amount=amount.quantize(CENT)))

    # Groups with speeds but without any MQL cannot happen: every handoff counted here is of a
    # lead of the cohort, which has its MQL row.
    touched = Assignment.objects.filter(lead_id__in=cohort_leads, first_touch_at__isnull=False)
    for group, middle in _middle_speeds(touched, partition=key).items():
        row(group).median_speed_to_lead = _median(middle)
    everyone = _middle_speeds(touched, partition=Value(0)).get("0", [])

    _label(rows.values(), dimension)
    ordered = sorted(
        rows.values(), key=lambda item: (item.key is None, -item.mqls, item.label.casefold())
    )
    return ClosedLoop(
        by=dimension,
        touch=attribution,
        mql_from=mql_from,
        mql_to=mql_to,
        rows=ordered,
        total=_total(ordered, median=_median(everyone)),
    )


def _label(rows: Iterable[ClosedLoopRow], by: Dimension) -> None:
    """Name each row: campaigns by their name (one query), channels by their label."""
    rows = list(rows)
    names: dict[str, str] = {}
    if by == Dimension.CAMPAIGN:
        ids = [int(item.key) for item in rows if item.key is not None]
        campaigns = Campaign.objects.filter(pk__in=ids).values_list("pk", "name")
        names = {str(pk): name for pk, name in campaigns}
    elif by == Dimension.CHANNEL:
        names = {str(value): str(label) for value, label in Channel.choices}
    for item in rows:
        if item.key is None:
            item.label = NONE_LABELS[by]
        else:
            item.label = names.get(item.key, item.key)


def _by_count(reasons: Iterable[ReasonCount]) -> list[ReasonCount]:
    """Most frequent reason first."""
    return sorted(reasons, key=lambda reason: (-reason.count, reason.label))


def _total(rows: list[ClosedLoopRow], *, median: dt.timedelta | None) -> ClosedLoopRow:
    total = ClosedLoopRow(key=None, label="All leads", median_speed_to_lead=median)
    reasons: dict[str, ReasonCount] = {}
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    for item in rows:
        total.mqls += item.mqls
        total.accepted += item.accepted
        total.rejected += item.rejected
        total.sqls += item.sqls
        total.won_deals += item.won_deals
        for reason in item.reasons:
            known = reasons.get(reason.code)
            count = reason.count + (known.count if known else 0)
            reasons[reason.code] = ReasonCount(code=reason.code, label=reason.label, count=count)
        for money in item.revenue:
            revenue[money.currency] += money.amount
    total.reasons = _by_count(reasons.values())
    total.revenue = [Revenue(currency=c, amount=a) for c, a in sorted(revenue.items())]
    return total


def campaign_closed_loop(
    actor: User,
    campaign: Campaign,
    *,
    touch: str = Touch.LAST,
    mql_from: dt.date | None = None,
    mql_to: dt.date | None = None,
) -> ClosedLoopRow:
    """The closed loop of one campaign: its row of `closed_loop` by campaign."""
    loop = closed_loop(
        actor,
        by=Dimension.CAMPAIGN,
        touch=touch,
        mql_from=mql_from,
        mql_to=mql_to,
        campaign_ids=[campaign.pk],
    )
    found = next((item for item in loop.rows if item.key == str(campaign.pk)), None)
    return found or ClosedLoopRow(key=str(campaign.pk), label=campaign.name)
