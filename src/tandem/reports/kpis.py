"""The dashboard's figures for a period of days, with its filters, shared by the page, the API
and the report snapshots.

Every funnel figure comes from the stage ledger through `leads.StageReach` (the first time each
lead reached each stage, kept by `leads.lifecycle` with the ledger row) or, when no filter
narrows the leads, its daily rollup `leads.FunnelDay` (the same counts, summed by day); money
from the deals;
service levels from the handoffs. A period is a run of whole days in the organisation's time
zone, both ends included: it starts at the midnight of `first_day` and ends at the midnight
after `last_day`.

How each figure is counted is written in docs/dashboard.md; in short:
- a stage's volume counts the leads that first reached it in the period;
- a conversion is by cohort: of the leads that reached a stage in the period, the share that
  have reached the next stage of the main path so far (whenever that happened);
- won deals and revenue count the deals won (closed) in the period;
- speed to lead and sales' service levels count the handoffs made in the period;
- marketing's commitment is the agreement's MQLs per month for each month the period touches.
"""

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber, TruncDay, TruncWeek

from tandem.agreement.models import AgreementVersion
from tandem.campaigns.closed_loop import ACCEPTED_DECISIONS, ReasonCount, Touch, attributed_to
from tandem.core.errors import DomainError
from tandem.core.money import CENT
from tandem.core.time import add_months, months_between, now, organisation_zone, start_of_day
from tandem.handoff.models import Assignment, Decision, Rejection
from tandem.handoff.sla_queries import Compliance
from tandem.leads.funnel import MAIN_PATH, SIDE_STAGES, next_stage, previous_stage
from tandem.leads.models import Deal, DealStage, FunnelDay, Stage, StageChange, StageReach
from tandem.leads.queries import require_role
from tandem.reports import rollups
from tandem.reports.models import RollupDimension

MAX_DAYS = {"day": 92, "week": 735, "month": 3660}
FIRST_AFTER_LAST = "The period cannot start ({first}) after it ends ({last})."
PERIOD_TOO_LONG = "By {grain}, a report covers at most {days} days; {first} to {last} is {count}."
UNKNOWN_GRAIN = "{grain} is not a grain; use day, week or month."

# Summary keys, in the order a report shows them, and their labels. Keys never change: report
# snapshots store them.
STAGE_KEYS: dict[Stage, str] = {
    Stage.INQUIRY: "inquiries",
    Stage.LEAD: "leads",
    Stage.MQL: "mqls",
    Stage.SAL: "sals",
    Stage.SQL: "sqls",
    Stage.OPPORTUNITY: "opportunities",
    Stage.CUSTOMER: "customers",
}
CONVERSION_KEYS: dict[Stage, str] = {
    stage: f"{stage.value}_to_{following.value}"
    for stage in MAIN_PATH
    if (following := next_stage(stage)) is not None
}
SUMMARY_LABELS: dict[str, str] = {
    **{
        key: f"{stage.label}s" if stage != Stage.INQUIRY else "Inquiries"
        for stage, key in STAGE_KEYS.items()
    },
    "won_deals": "Won deals",
    "revenue": "Revenue (main currency)",
    "won_deals_in_other_currencies": "Won deals in other currencies",
    **{
        key: f"{stage.label} to {next_stage(stage).label}"  # type: ignore[union-attr]
        for stage, key in CONVERSION_KEYS.items()
    },
    "median_speed_to_lead_hours": "Median speed to lead (hours)",
    "sales_sla_compliance": "Sales SLA compliance",
    "mqls_committed": "MQLs committed by marketing",
    "mql_commitment_share": "MQLs delivered of committed",
    "acceptance_rate": "Acceptance rate",
}
# What kind of number each key holds, so a report can format it: a count, an amount of money
# in the main currency, a share from 0 to 1, or hours.
SUMMARY_KINDS: dict[str, str] = {
    **dict.fromkeys(STAGE_KEYS.values(), "count"),
    "won_deals": "count",
    "revenue": "money",
    "won_deals_in_other_currencies": "count",
    **dict.fromkeys(CONVERSION_KEYS.values(), "share"),
    "median_speed_to_lead_hours": "hours",
    "sales_sla_compliance": "share",
    "mqls_committed": "count",
    "mql_commitment_share": "share",
    "acceptance_rate": "share",
}


class Grain(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"


@dataclass(frozen=True)
class Filters:
    """What the dashboard is narrowed to. Empty means everything.

    - segment: the segment of the lead's company ("" with `no_segment` for leads without);
    - team_id: leads owned by a member of the team, and handoffs given to its members;
    - campaign_id: leads attributed to the campaign (last touch, as in the closed loop).
    """

    segment: str | None = None
    team_id: int | None = None
    campaign_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return self.segment is None and self.team_id is None and self.campaign_id is None

    def rollup_rows(self) -> tuple[str, str] | None:
        """The (dimension, value) of the `reports.rollups` rows these filters read: every
        lead's, or one filter's value. None when filters combine: those figures are counted
        from the reaches."""
        chosen = [
            (dimension, str(value))
            for dimension, value in (
                (RollupDimension.SEGMENT, self.segment),
                (RollupDimension.TEAM, self.team_id),
                (RollupDimension.CAMPAIGN, self.campaign_id),
            )
            if value is not None
        ]
        if not chosen:
            return (RollupDimension.ALL.value, "")
        if len(chosen) == 1:
            dimension, value = chosen[0]
            return (dimension.value, value)
        return None


NO_FILTERS = Filters()


@dataclass(frozen=True)
class Period:
    first_day: dt.date
    last_day: dt.date
    grain: Grain = Grain.MONTH

    @property
    def start(self) -> dt.datetime:
        return start_of_day(self.first_day)

    @property
    def end(self) -> dt.datetime:
        """The midnight after the last day: the period's end, excluded."""
        return start_of_day(self.last_day + dt.timedelta(days=1))

    def bucket_of(self) -> Callable[[dt.date], dt.date]:
        """The first day of the bucket a day of the period falls in."""
        if self.grain == Grain.MONTH:
            return lambda day: day.replace(day=1)
        if self.grain == Grain.WEEK:
            return lambda day: day - dt.timedelta(days=day.weekday())
        return lambda day: day

    def buckets(self) -> list[dt.date]:
        """The first day of each day, week (Monday) or month the period touches, in order."""
        if self.grain == Grain.MONTH:
            return months_between(self.first_day.replace(day=1), self.last_day)
        step = dt.timedelta(days=1 if self.grain == Grain.DAY else 7)
        day = self.first_day
        if self.grain == Grain.WEEK:
            day -= dt.timedelta(days=day.weekday())
        found = []
        while day <= self.last_day:
            found.append(day)
            day += step
        return found


def validate_period(*, first_day: dt.date, last_day: dt.date, grain: str = Grain.MONTH) -> Period:
    """The period from `first_day` to `last_day` by `grain`, if a report may cover it."""
    if grain not in Grain.values:
        raise DomainError(
            UNKNOWN_GRAIN.format(grain=grain or "Nothing"), fields={"grain": "unknown"}
        )
    if first_day > last_day:
        raise DomainError(
            FIRST_AFTER_LAST.format(first=first_day, last=last_day),
            fields={"first_day": "after last_day"},
        )
    days = (last_day - first_day).days + 1
    if days > MAX_DAYS[grain]:
        raise DomainError(
            PERIOD_TOO_LONG.format(
                grain=grain, days=MAX_DAYS[grain], first=first_day, last=last_day, count=days
            ),
            fields={"first_day": f"more than {MAX_DAYS[grain]} days before last_day"},
        )
    return Period(first_day=first_day, last_day=last_day, grain=Grain(grain))


def lead_filter(filters: Filters, *, path: str = "lead__") -> Q:
    """`filters` as a condition on rows reaching their lead through `path`."""
    condition = Q()
    if filters.segment is not None:
        if filters.segment == "":
            condition &= Q(**{f"{path}company__segment": ""}) | Q(
                **{f"{path}company__isnull": True}
            )
        else:
            condition &= Q(**{f"{path}company__segment": filters.segment})
    if filters.team_id is not None:
        condition &= Q(**{f"{path}owner__membership__team_id": filters.team_id})
    if filters.campaign_id is not None:
        if path == "lead__":
            condition &= attributed_to(Touch.LAST, [filters.campaign_id])
        else:
            condition &= Q(**{f"{path}last_touch_campaign_id": filters.campaign_id}) | Q(
                **{
                    f"{path}last_touch_campaign_id__isnull": True,
                    f"{path}first_touch_campaign_id": filters.campaign_id,
                }
            )
    return condition


def handoff_filter(filters: Filters) -> Q:
    """`filters` for handoffs: the team is the rep's, the rest is the lead's."""
    condition = lead_filter(Filters(segment=filters.segment, campaign_id=filters.campaign_id))
    if filters.team_id is not None:
        condition &= Q(rep__membership__team_id=filters.team_id)
    return condition


def reaches(period: Period, filters: Filters) -> QuerySet[StageReach]:
    """The stage reaches of the period, filtered."""
    found = StageReach.objects.filter(at__gte=period.start, at__lt=period.end)
    return found.filter(lead_filter(filters)) if not filters.is_empty else found


# Volumes and conversions ----------------------------------------------------------------------


@dataclass(frozen=True)
class StageRow:
    stage: Stage
    # Leads that first reached the stage in each bucket of the period, and in all.
    by_bucket: list[int]
    reached: int
    # Of those, how many have reached the next stage of the main path so far.
    advanced: int
    # The median time leads that left the stage in the period spent in it.
    median_time_in_stage: dt.timedelta | None

    @property
    def next_stage(self) -> Stage | None:
        return next_stage(self.stage)

    @property
    def conversion(self) -> float | None:
        if self.next_stage is None or self.reached == 0:
            return None
        return self.advanced / self.reached


def _bucket_expression(grain: Grain) -> Any:
    if grain == Grain.MONTH:
        return F("month")
    truncate = TruncDay if grain == Grain.DAY else TruncWeek
    return truncate("at", tzinfo=organisation_zone(), output_field=models.DateField())


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    date: dt.date = value
    return date


def _next_stage_case() -> models.Case:
    return models.Case(
        *(
            models.When(stage=stage, then=models.Value(following.value))
            for stage in MAIN_PATH
            if (following := next_stage(stage)) is not None
        ),
        default=models.Value(""),
        output_field=models.CharField(),
    )


def stage_rows(period: Period, filters: Filters = NO_FILTERS) -> list[StageRow]:
    """Per stage: leads reaching it per bucket and in all, how many of those advanced, and the
    median time in the stage. Two queries."""
    buckets = period.buckets()
    index = {bucket: position for position, bucket in enumerate(buckets)}
    by_bucket = {stage: [0] * len(buckets) for stage in (*MAIN_PATH, *SIDE_STAGES)}
    advanced: Counter[str] = Counter()
    for stage, bucket, count, advanced_count in _counts_by_bucket(period, filters):
        by_bucket[Stage(stage)][index[bucket]] += count
        advanced[stage] += advanced_count
    times = median_times_in_stage(period, filters)
    return [
        StageRow(
            stage=stage,
            by_bucket=counts,
            reached=sum(counts),
            advanced=advanced[stage],
            median_time_in_stage=times.get(stage),
        )
        for stage, counts in by_bucket.items()
    ]


def _counts_by_bucket(period: Period, filters: Filters) -> Iterable[tuple[str, dt.date, int, int]]:
    """(stage, bucket, leads that reached the stage, how many of those have advanced), one
    query: summed from the daily rollup when nothing narrows the leads (its days are the
    organisation's, like the period's), from the rollup of the filter's value when one filter
    does, counted from the reaches when filters combine."""
    if filters.is_empty:
        bucket_of = period.bucket_of()
        return [
            (stage, bucket_of(day), reached, advanced)
            for stage, day, reached, advanced in FunnelDay.objects.filter(
                day__gte=period.first_day, day__lte=period.last_day
            )
            .order_by()
            .values_list("stage", "day", "reached", "advanced")
        ]
    rows = filters.rollup_rows()
    if rows is not None:
        bucket_of = period.bucket_of()
        return [
            (stage, bucket_of(day), reached, advanced)
            for stage, day, reached, advanced in rollups.funnel_days(
                *rows, period.first_day, period.last_day
            )
        ]
    later = StageReach.objects.filter(
        lead_id=models.OuterRef("lead_id"), stage=models.OuterRef("following")
    )
    return [
        (stage, _as_date(bucket), count, advanced)
        for stage, bucket, count, advanced in reaches(period, filters)
        .annotate(bucket=_bucket_expression(period.grain), following=_next_stage_case())
        .values("stage", "bucket")
        .annotate(count=Count("id"), advanced=Count("id", filter=models.Exists(later)))
        .order_by()
        .values_list("stage", "bucket", "count", "advanced")
    ]


def median_of(
    rows: QuerySet[Any],
    *,
    value: Any,
    group: Any,
    rounding: Callable[[dt.timedelta], dt.timedelta] | None = None,
) -> dict[Any, dt.timedelta]:
    """The median of the duration `value` over `rows`, per `group`, computed in the database;
    the middle values are passed through `rounding` first, if given.

    Window functions number each group's values and count them, and only the middle one or
    two come back (neither database has a median aggregate the other understands).
    """
    middle = (
        rows.annotate(group=group, value=ExpressionWrapper(value, output_field=DurationField()))
        .annotate(
            position=Window(RowNumber(), partition_by=[F("group")], order_by=F("value").asc()),
            size=Window(Count("pk"), partition_by=[F("group")]),
        )
        .annotate(low=(F("size") + 1) / 2, high=(F("size") + 2) / 2)
        .filter(position__gte=F("low"), position__lte=F("high"))
        .order_by()
        .values_list("group", "value")
    )
    found: dict[Any, list[dt.timedelta]] = defaultdict(list)
    for key, duration in middle:
        found[key].append(duration if rounding is None else rounding(duration))
    return {key: sum(values, dt.timedelta()) / len(values) for key, values in found.items()}


def median_times_in_stage(
    period: Period, filters: Filters = NO_FILTERS
) -> dict[Stage, dt.timedelta]:
    """Per main-path stage, the median time from reaching it to reaching the next one, over
    the leads that reached the next one in the period.

    A stage a lead skipped (reached at the same moment as the next one, by a jump along the
    main path) is left out: the lead spent no time in it. Times are rounded to the buckets
    of `reports.rollups` (within 2.2%), read from the rollup of the filters when there is
    one and from the reaches when filters combine: both ways give the same medians.
    """
    slice_rows = filters.rollup_rows()
    if slice_rows is not None:
        found = {
            stage: median
            for stage, counts in rollups.time_buckets(
                *slice_rows, period.first_day, period.last_day
            ).items()
            if (median := rollups.median_of_buckets(counts)) is not None
        }
    else:
        found = median_of(
            reaches(period, filters).filter(
                stage__in=MAIN_PATH[1:], time_in_previous_stage__gt=dt.timedelta(0)
            ),
            value=F("time_in_previous_stage"),
            group=F("stage"),
            rounding=rollups.rounded,
        )
    return {
        left: duration
        for stage, duration in found.items()
        if (left := previous_stage(stage)) is not None
    }


def median_time_to_win(period: Period, filters: Filters = NO_FILTERS) -> dt.timedelta | None:
    """The median time from a lead's first stage (its first contact) to customer, over the
    leads that became customers in the period, to the second: from the rollup of the filters
    when there is one, from the reaches when filters combine."""
    rows = filters.rollup_rows()
    if rows is not None:
        return rollups.median_of_seconds(
            rollups.win_seconds(*rows, period.first_day, period.last_day)
        )
    entry = StageChange.objects.filter(lead_id=models.OuterRef("lead_id"), from_stage="").values(
        "at"
    )[:1]
    customers = (
        reaches(period, filters)
        .filter(stage=Stage.CUSTOMER)
        .annotate(entered_at=models.Subquery(entry))
        .filter(entered_at__isnull=False)
    )
    return median_of(
        customers,
        value=F("at") - F("entered_at"),
        group=models.Value(0),
        rounding=_to_the_second,
    ).get(0)


def _to_the_second(duration: dt.timedelta) -> dt.timedelta:
    return dt.timedelta(seconds=round(duration.total_seconds()))


# Money -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Money:
    currency: str
    amount: Decimal
    deals: int


def won_deals(period: Period, filters: Filters = NO_FILTERS) -> list[Money]:
    """Deals won in the period, per currency, most deals first: Tandem converts no currency.
    From the rollups of the filters when there is one, from the deals when filters combine."""
    rollup_rows = filters.rollup_rows()
    if rollup_rows is not None:
        found = [
            Money(currency=currency, amount=(Decimal(cents) / 100).quantize(CENT), deals=count)
            for currency, count, cents in rollups.won_amounts(
                *rollup_rows, period.first_day, period.last_day
            )
        ]
        return sorted(found, key=lambda money: (-money.deals, money.currency))
    deals = Deal.objects.filter(
        stage=DealStage.WON, closed_on__gte=period.first_day, closed_on__lte=period.last_day
    )
    if not filters.is_empty:
        deals = deals.filter(lead_filter(filters))
    rows = [
        Money(currency=currency, amount=(amount or Decimal(0)).quantize(CENT), deals=count)
        for currency, count, amount in deals.values("currency")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by()
        .values_list("currency", "count", "amount")
    ]
    return sorted(rows, key=lambda money: (-money.deals, money.currency))


# Handoffs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Handoffs:
    """Handoffs made in the period and what sales did with them."""

    compliance: Compliance
    # Of the handoffs with deadlines, those that missed neither.
    kept_both: int
    accepted: int
    rejected: int
    median_speed_to_lead: dt.timedelta | None
    # Rejections made in the period, by reason, most frequent first.
    reasons: list[ReasonCount] = field(default_factory=list)

    @property
    def acceptance_rate(self) -> float | None:
        decided = self.accepted + self.rejected
        return self.accepted / decided if decided else None


def handoffs(period: Period, filters: Filters = NO_FILTERS) -> Handoffs:
    """Sales' side of the period: deadlines kept, decisions, speed to lead, rejection reasons.
    From the rollups of the filters when there is one (three queries), from the handoffs when
    filters combine (three more). Times to the first touch are rounded like times in stage."""
    rows = filters.rollup_rows()
    if rows is not None:
        totals = rollups.handoff_figures(*rows, period.first_day, period.last_day)
        speeds = rollups.time_buckets(
            *rows, period.first_day, period.last_day, stage=rollups.SPEED_TO_LEAD
        )
        speed = rollups.median_of_buckets(speeds.get(rollups.SPEED_TO_LEAD, Counter()))
        reasons = _reasons(rollups.rejection_counts(*rows, period.first_day, period.last_day))
    else:
        totals, speed = _handoffs_made(period, filters)
        reasons = rejection_reasons(period, filters)
    return Handoffs(
        compliance=Compliance(
            assignments=totals["timed"],
            accept_breaches=totals["accept_breaches"],
            touch_breaches=totals["touch_breaches"],
        ),
        kept_both=totals["kept_both"],
        accepted=totals["accepted"],
        rejected=totals["rejected"],
        median_speed_to_lead=speed,
        reasons=reasons,
    )


def _handoffs_made(period: Period, filters: Filters) -> tuple[dict[str, int], dt.timedelta | None]:
    made = Assignment.objects.filter(assigned_at__gte=period.start, assigned_at__lt=period.end)
    if not filters.is_empty:
        made = made.filter(handoff_filter(filters))
    timed = Q(accept_by__isnull=False)
    totals = made.aggregate(
        timed=Count("id", filter=timed),
        accept_breaches=Count("id", filter=timed & Q(accept_breached_at__isnull=False)),
        touch_breaches=Count("id", filter=timed & Q(touch_breached_at__isnull=False)),
        kept_both=Count(
            "id",
            filter=timed & Q(accept_breached_at__isnull=True, touch_breached_at__isnull=True),
        ),
        accepted=Count("id", filter=Q(decision__in=ACCEPTED_DECISIONS)),
        rejected=Count("id", filter=Q(decision=Decision.REJECTED)),
    )
    speed = median_of(
        made.filter(first_touch_at__isnull=False),
        value=F("first_touch_at") - F("assigned_at"),
        group=models.Value(0),
        rounding=rollups.rounded_speed,
    ).get(0)
    return totals, speed


def rejection_reasons(period: Period, filters: Filters = NO_FILTERS) -> list[ReasonCount]:
    """Rejections made in the period by reason code, under the reason's latest wording in the
    period (of its latest day; of its latest month when read from a whole month's rollup)."""
    rows = filters.rollup_rows()
    if rows is not None:
        return _reasons(rollups.rejection_counts(*rows, period.first_day, period.last_day))
    rejections = Rejection.objects.filter(at__gte=period.start, at__lt=period.end)
    if not filters.is_empty:
        rejections = rejections.filter(handoff_filter(filters))
    zone = organisation_zone()
    return _reasons(
        [
            (code, label, latest.astimezone(zone).date(), count)
            for code, label, latest, count in rejections.values("reason_code", "reason_label")
            .annotate(latest=models.Max("at"), count=Count("id"))
            .order_by()
            .values_list("reason_code", "reason_label", "latest", "count")
        ]
    )


def _reasons(counted: Iterable[tuple[str, str, dt.date, int]]) -> list[ReasonCount]:
    """Counts per (code, wording, latest day of the wording) summed per code, each code under
    its latest wording, most frequent first."""
    counts: Counter[str] = Counter()
    labels: dict[str, tuple[dt.date, int, str]] = {}
    for code, label, latest, count in counted:
        counts[code] += count
        if code not in labels or labels[code][:2] < (latest, count):
            labels[code] = (latest, count, label)
    return sorted(
        (
            ReasonCount(code=code, label=labels[code][2], count=count)
            for code, count in counts.items()
        ),
        key=lambda reason: (-reason.count, reason.label),
    )


def sla_compliance(sales: Handoffs) -> float | None:
    """Handoffs that kept both deadlines (or whose deadlines have not passed), of those that
    had deadlines."""
    return _share(sales.kept_both, sales.compliance.assignments)


# Marketing's commitment ----------------------------------------------------------------------


@dataclass(frozen=True)
class MonthCommitment:
    month: dt.date
    delivered: int
    committed: int | None

    @property
    def share(self) -> float | None:
        return self.delivered / self.committed if self.committed else None


def _in_force(versions: list[AgreementVersion], moment: dt.datetime) -> AgreementVersion | None:
    """The version active at `moment`, as `handoff.sla_queries.agreement_in_force` finds it."""
    active = [
        version
        for version in versions
        if version.activated_at is not None
        and version.activated_at <= moment
        and (version.superseded_at is None or version.superseded_at > moment)
    ]
    return max(active, key=lambda version: version.activated_at or moment, default=None)


def commitments(period: Period, filters: Filters = NO_FILTERS) -> list[MonthCommitment]:
    """MQLs first reached in each month the period touches (within the period) against the
    MQLs per month of the agreement in force at the month's end; per segment when filtered by
    one. Two queries."""
    versions = list(
        AgreementVersion.objects.filter(activated_at__isnull=False).order_by("activated_at")
    )
    delivered: Counter[dt.date] = Counter()
    if filters.is_empty:
        for day, reached in FunnelDay.objects.filter(
            stage=Stage.MQL, day__gte=period.first_day, day__lte=period.last_day
        ).values_list("day", "reached"):
            delivered[day.replace(day=1)] += reached
    elif (rows := filters.rollup_rows()) is not None:
        for _, day, reached, _ in rollups.funnel_days(
            *rows, period.first_day, period.last_day, stage=Stage.MQL
        ):
            delivered[day.replace(day=1)] += reached
    else:
        delivered.update(
            dict(
                reaches(period, filters)
                .filter(stage=Stage.MQL)
                .values("month")
                .annotate(count=Count("id"))
                .order_by()
                .values_list("month", "count")
            )
        )
    found = []
    for month in months_between(period.first_day.replace(day=1), period.last_day):
        version = _in_force(versions, min(start_of_day(add_months(month, 1)), now()))
        committed: int | None = None
        if version is not None:
            levels = version.terms.service_levels
            if filters.segment:
                by_name = {
                    name.casefold(): n for name, n in levels.mqls_per_month_by_segment.items()
                }
                committed = by_name.get(filters.segment.casefold())
            elif filters.segment is None:
                committed = levels.mqls_per_month
        found.append(MonthCommitment(month=month, delivered=delivered[month], committed=committed))
    return found


# The summary ---------------------------------------------------------------------------------


def _share(part: int, whole: int | None) -> float | None:
    return part / whole if whole else None


def summary(
    *, first_day: dt.date, last_day: dt.date, filters: Filters = NO_FILTERS
) -> dict[str, int | float | None]:
    """The dashboard's headline KPIs for the days `first_day` to `last_day` (both included),
    keyed and ordered as `SUMMARY_LABELS`. Counts are ints; money is the amount of the won
    deals in the currency most of them use; shares run from 0 to 1; None where a figure has
    no meaning (a conversion from a stage no lead reached)."""
    period = validate_period(first_day=first_day, last_day=last_day, grain=Grain.MONTH)
    with rollups.up_to_date():
        rows = {row.stage: row for row in stage_rows(period, filters)}
        money = won_deals(period, filters)
        sales = handoffs(period, filters)
        months = commitments(period, filters)
    committed = [month.committed for month in months]
    total_committed = None if None in committed or not committed else sum(committed)  # type: ignore[arg-type]
    speed = sales.median_speed_to_lead
    values: dict[str, int | float | None] = {
        **{key: rows[stage].reached for stage, key in STAGE_KEYS.items()},
        "won_deals": sum(item.deals for item in money),
        "revenue": float(money[0].amount) if money else 0.0,
        "won_deals_in_other_currencies": sum(item.deals for item in money[1:]),
        **{key: rows[stage].conversion for stage, key in CONVERSION_KEYS.items()},
        "median_speed_to_lead_hours": round(speed.total_seconds() / 3600, 2) if speed else None,
        "sales_sla_compliance": sla_compliance(sales),
        "mqls_committed": total_committed,
        "mql_commitment_share": _share(rows[Stage.MQL].reached, total_committed),
        "acceptance_rate": sales.acceptance_rate,
    }
    return {key: values[key] for key in SUMMARY_LABELS}


def shared_summary(
    actor: User, *, first_day: dt.date, last_day: dt.date, filters: Filters = NO_FILTERS
) -> dict[str, int | float | None]:
    """`summary` for a person: dashboards are shared, so anyone on a team may read it."""
    require_role(actor)
    return summary(first_day=first_day, last_day=last_day, filters=filters)


def bucket_labels(period: Period) -> Iterable[str]:
    formats = {Grain.DAY: "%Y-%m-%d", Grain.WEEK: "%Y-%m-%d", Grain.MONTH: "%Y-%m"}
    return [bucket.strftime(formats[period.grain]) for bucket in period.buckets()]
