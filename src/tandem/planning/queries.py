"""Reads of plans, their permission-checked fetch, and the history every plan input defaults to.

History defaults are computed over the `months` whole calendar months before the current one
(in the organisation's time zone), so a half-finished month never skews them:

- conversion between adjacent stages (lead → MQL, MQL → SAL, SAL → SQL, SQL → opportunity):
  of the leads that first reached the earlier stage in those months, the share that has reached
  the later one since (the `FunnelMonth` rollup of the stage ledger, as the dashboard counts
  it). Recent cohorts have had less time to convert, so a short history reads low;
- win rate: of the deals closed (won or lost) in those months, the share won, in any currency;
- average deal size: the mean amount of the deals won in those months in the plan's currency
  (currencies are never converted);
- days to close, per stage: over the deals won in those months, the mean number of days from
  the day the lead first reached the stage to the day the deal closed, rounded to the nearest
  day; leads that never passed the stage (e.g. entered as MQLs) do not count for it. An
  earlier stage is never closer to the close than a later one: where its mean is smaller
  (different leads count for each), it takes the later stage's;
- source split: the share of the MQLs of those months from each source group, in whole
  percents that add up to 100 (largest remainder).

An input with nothing to count (no MQLs, no closed deals, a rate of zero) has no default; the
planner then asks for it.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet, Sum

from tandem.core.errors import NotFound
from tandem.core.money import CENT
from tandem.core.roles import Role
from tandem.core.time import add_months, organisation_zone
from tandem.leads.models import Deal, DealStage, FunnelMonth, Stage, StageReach
from tandem.leads.origins import source_group_expression
from tandem.leads.queries import require_editor, require_role
from tandem.people.queries import role_of
from tandem.planning.arithmetic import (
    CONVERSIONS,
    INPUT_NAMES,
    SOURCE_GROUPS,
    TIMED_STAGES,
    apportion,
)
from tandem.planning.models import Plan

# Who makes plans and chooses the active one: the owners of the two sides (the marketing lead
# and the sales managers), leadership, and admins. Everyone on a team reads every plan.
EDITS_PLANS = frozenset({Role.EXECUTIVE, Role.MARKETING_LEAD, Role.SALES_MANAGER, Role.ADMIN})

PLAN_NOT_FOUND = "There is no plan {plan_id}."
NO_ACTIVE_PLAN = "No plan is active yet: open a plan and make it the active one to see pacing."
DEFAULT_HISTORY_MONTHS = 6
MAX_HISTORY_MONTHS = 36


def visible_plans(actor: User) -> QuerySet[Plan]:
    """Plans are shared: everyone on a team reads them all."""
    require_role(actor)
    return Plan.objects.select_related("created_by", "activated_by")


def access_plan(actor: User, plan_id: int, *, write: bool = False) -> Plan:
    require_role(actor)
    plan = Plan.objects.select_related("created_by", "activated_by").filter(pk=plan_id).first()
    if plan is None:
        raise NotFound(PLAN_NOT_FOUND.format(plan_id=plan_id))
    if write:
        require_plan_editor(actor)
    return plan


def active_plan(actor: User) -> Plan | None:
    """The active plan, if one is."""
    require_role(actor)
    return Plan.objects.select_related("created_by", "activated_by").filter(is_active=True).first()


def access_active_plan(actor: User) -> Plan:
    """The active plan, or NotFound saying there is none."""
    plan = active_plan(actor)
    if plan is None:
        raise NotFound(NO_ACTIVE_PLAN, code="no_active_plan")
    return plan


def require_plan_editor(actor: User) -> None:
    require_editor(actor, roles=EDITS_PLANS, things="plans")


def may_edit_plans(actor: User) -> bool:
    """Whether pages offer the actor the plan form and the activate button."""
    return role_of(actor) in EDITS_PLANS


@dataclass(frozen=True)
class History:
    """What the organisation's own history gives for each plan input (None: nothing to go by)."""

    months: int
    first_day: dt.date
    last_day: dt.date
    currency: str
    values: dict[str, Any]
    # How many leads, deals or MQLs each default was computed from, for people to judge it.
    samples: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The values as stored with a plan: decimals as text."""
        return {
            name: str(value) if isinstance(value, Decimal) else value
            for name, value in self.values.items()
        }


def history_window(*, months: int, today: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of the `months` whole months before the month of `today`."""
    this_month = today.replace(day=1)
    return add_months(this_month, -months), this_month - dt.timedelta(days=1)


def _percent(part: int, whole: int) -> Decimal | None:
    if part == 0 or whole == 0:
        return None
    return (Decimal(100) * part / whole).quantize(CENT, rounding=ROUND_HALF_UP)


def history_defaults(*, months: int, currency: str, today: dt.date) -> History:
    """Every plan input as the last `months` whole months before `today` give it."""
    first_day, last_day = history_window(months=months, today=today)
    values: dict[str, Any] = dict.fromkeys(INPUT_NAMES)
    samples: dict[str, int] = {}
    _conversions(first_day, last_day, values, samples)
    _deals(first_day, last_day, currency.upper(), values, samples)
    _days_to_close(first_day, last_day, values, samples)
    _source_split(first_day, last_day, values, samples)
    return History(
        months=months,
        first_day=first_day,
        last_day=last_day,
        currency=currency.upper(),
        values=values,
        samples=samples,
    )


def _conversions(
    first_day: dt.date, last_day: dt.date, values: dict[str, Any], samples: dict[str, int]
) -> None:
    rows = (
        FunnelMonth.objects.filter(
            month__range=(first_day, last_day), stage__in=[stage for _, stage, _ in CONVERSIONS]
        )
        .values("stage")
        .annotate(reached_sum=Sum("reached"), advanced_sum=Sum("advanced"))
    )
    totals = {row["stage"]: (row["reached_sum"], row["advanced_sum"]) for row in rows}
    for name, earlier, _ in CONVERSIONS:
        reached, advanced = totals.get(earlier, (0, 0))
        values[name] = _percent(advanced, reached)
        samples[name] = reached


def _deals(
    first_day: dt.date,
    last_day: dt.date,
    currency: str,
    values: dict[str, Any],
    samples: dict[str, int],
) -> None:
    won = Q(stage=DealStage.WON)
    in_currency = won & Q(currency=currency)
    figures = Deal.objects.filter(
        closed_on__range=(first_day, last_day), stage__in=[DealStage.WON, DealStage.LOST]
    ).aggregate(
        closed=Count("id"),
        won=Count("id", filter=won),
        won_in_currency=Count("id", filter=in_currency),
        amount=Sum("amount", filter=in_currency),
    )
    values["win_rate"] = _percent(figures["won"], figures["closed"])
    samples["win_rate"] = figures["closed"]
    if figures["won_in_currency"]:
        average = Decimal(figures["amount"]) / figures["won_in_currency"]
        values["average_deal_size"] = average.quantize(CENT, rounding=ROUND_HALF_UP)
    samples["average_deal_size"] = figures["won_in_currency"]


def _days_to_close(
    first_day: dt.date, last_day: dt.date, values: dict[str, Any], samples: dict[str, int]
) -> None:
    won = Deal.objects.filter(stage=DealStage.WON, closed_on__range=(first_day, last_day))
    closes: list[tuple[int, dt.date]] = [
        (lead_id, closed_on)
        for lead_id, closed_on in won.values_list("lead_id", "closed_on")
        if closed_on is not None
    ]
    reached: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
    reaches = StageReach.objects.filter(
        lead_id__in=won.values("lead_id"), stage__in=TIMED_STAGES
    ).values_list("lead_id", "stage", "at")
    for lead_id, stage, at in reaches:
        reached[lead_id][stage] = at
    zone = organisation_zone()
    days: dict[str, list[int]] = defaultdict(list)
    for lead_id, closed_on in closes:
        for stage, at in reached[lead_id].items():
            span = (closed_on - at.astimezone(zone).date()).days
            # A reach recorded after the deal closed (imported data) says nothing of the wait.
            if span >= 0:
                days[stage].append(span)
    later_days: int | None = None
    for stage in reversed(TIMED_STAGES):
        spans = days[stage]
        samples[f"{stage}_days_to_close"] = len(spans)
        mean = (
            int((Decimal(sum(spans)) / len(spans)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
            if spans
            else None
        )
        if mean is not None and later_days is not None:
            mean = max(mean, later_days)
        values[f"{stage}_days_to_close"] = mean
        later_days = mean if mean is not None else later_days


def _source_split(
    first_day: dt.date, last_day: dt.date, values: dict[str, Any], samples: dict[str, int]
) -> None:
    rows = (
        StageReach.objects.filter(stage=Stage.MQL, month__range=(first_day, last_day))
        .annotate(group=source_group_expression("lead__source"))
        .values("group")
        .annotate(mqls=Count("id"))
    )
    counts = dict.fromkeys(SOURCE_GROUPS, 0)
    counts.update({row["group"]: row["mqls"] for row in rows})
    total = sum(counts.values())
    samples["source_split"] = total
    if total:
        for group, share in apportion(100, counts).items():
            values[f"split_{group}"] = share


def plan_list(actor: User) -> QuerySet[Plan]:
    """Every plan, the active one first, then the latest made."""
    return visible_plans(actor).order_by("-is_active", "-created_at", "-id")


FALLBACK_CURRENCY = "EUR"


def usual_currency() -> str:
    """The currency most deals are in, which a new plan suggests; EUR before any deal."""
    row = (
        Deal.objects.values("currency")
        .annotate(deals=Count("id"))
        .order_by("-deals", "currency")
        .first()
    )
    return str(row["currency"]) if row is not None else FALLBACK_CURRENCY
