"""The reverse funnel and the pacing rule, as plain arithmetic with no database.

The planner works backwards from a revenue target:

    deals          = ⌈target ÷ average deal size⌉
    opportunities  = ⌈deals ÷ win rate⌉
    SQLs           = ⌈opportunities ÷ (SQL → opportunity)⌉
    SALs           = ⌈SQLs ÷ (SAL → SQL)⌉
    MQLs           = ⌈SALs ÷ (MQL → SAL)⌉
    leads          = ⌈MQLs ÷ (lead → MQL)⌉

- Every stage is rounded up (nobody can plan 0.4 of a lead), and from the whole number of the
  stage after it, so each stage's count at its conversion rate yields at least the next one's.
- A stage is entered before the deal closes: its window is the period shifted back by that
  stage's days to close, e.g. a Q3 plan whose MQLs take 90 days to close needs its MQLs from
  2 April to 2 July.
- Each stage's count is split by source group in the agreed percentages with the largest
  remainder method, so the parts add up to the stage's count exactly; ties go to the larger
  share, then to the group named first.

Exact fractions are used throughout, so a rate such as 1/3 never rounds a count the wrong way.
"""

import datetime as dt
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from tandem.core.errors import DomainError
from tandem.leads.models import Stage
from tandem.leads.origins import SourceGroup

WON = "won"
# The stages a plan counts, in funnel order; `won` stands for won deals.
PLANNED_STAGES: tuple[str, ...] = (
    Stage.LEAD,
    Stage.MQL,
    Stage.SAL,
    Stage.SQL,
    Stage.OPPORTUNITY,
    WON,
)
STAGE_LABELS: dict[str, str] = {
    Stage.LEAD: "Leads",
    Stage.MQL: "MQLs",
    Stage.SAL: "SALs",
    Stage.SQL: "SQLs",
    Stage.OPPORTUNITY: "Opportunities",
    WON: "Won deals",
}
# The conversion inputs, each from a stage to the next on the main path.
CONVERSIONS: tuple[tuple[str, str, str], ...] = (
    ("lead_to_mql", Stage.LEAD, Stage.MQL),
    ("mql_to_sal", Stage.MQL, Stage.SAL),
    ("sal_to_sql", Stage.SAL, Stage.SQL),
    ("sql_to_opportunity", Stage.SQL, Stage.OPPORTUNITY),
)
# The stages entered before a deal closes, each with its own days to close.
TIMED_STAGES: tuple[str, ...] = PLANNED_STAGES[:-1]
SOURCE_GROUPS: tuple[str, ...] = tuple(group.value for group in SourceGroup)

# The flat names of every input, as forms, the API and stored plans spell them.
RATE_INPUTS: tuple[str, ...] = ("win_rate", *(name for name, _, _ in CONVERSIONS))
DAYS_INPUTS: tuple[str, ...] = tuple(f"{stage}_days_to_close" for stage in TIMED_STAGES)
SPLIT_INPUTS: tuple[str, ...] = tuple(f"split_{group}" for group in SOURCE_GROUPS)
INPUT_NAMES: tuple[str, ...] = ("average_deal_size", *RATE_INPUTS, *DAYS_INPUTS, *SPLIT_INPUTS)
INPUT_LABELS: dict[str, str] = {
    "average_deal_size": "Average deal size",
    "win_rate": "Win rate (opportunity → won), %",
    "lead_to_mql": "Lead → MQL, %",
    "mql_to_sal": "MQL → SAL, %",
    "sal_to_sql": "SAL → SQL, %",
    "sql_to_opportunity": "SQL → opportunity, %",
    "lead_days_to_close": "Days from lead to close",
    "mql_days_to_close": "Days from MQL to close",
    "sal_days_to_close": "Days from SAL to close",
    "sql_days_to_close": "Days from SQL to close",
    "opportunity_days_to_close": "Days from opportunity to close",
    **{f"split_{group.value}": f"{group.label}, % of each stage" for group in SourceGroup},
}

MAX_DAYS_TO_CLOSE = 730

MISSING_INPUT = "{label} has no history to default to; enter it."
RATE_OUT_OF_RANGE = "{label} must be more than 0 and at most 100."
DEAL_SIZE_NOT_POSITIVE = "The average deal size must be more than zero."
TARGET_NOT_POSITIVE = "The revenue target must be more than zero."
DAYS_OUT_OF_RANGE = "{label} must be a whole number of days from 0 to {max_days}."
DAYS_OUT_OF_ORDER = (
    "A stage cannot be entered closer to the close than the stage after it: "
    "{earlier} ({earlier_days} days) is after {later} ({later_days} days)."
)
SPLIT_NOT_WHOLE = "{label} must be a whole number from 0 to 100."
SPLIT_NOT_100 = "The source split must add up to 100%; it adds up to {total}%."


@dataclass(frozen=True)
class PlanInputs:
    """Everything the planner needs besides the target and the period. Rates are percents."""

    average_deal_size: Decimal
    win_rate: Decimal
    # Percent of a stage's leads that reach the next, keyed by the conversion's flat name.
    conversions: Mapping[str, Decimal]
    # Days from entering the stage to the deal's close, by stage (lead to opportunity).
    days_to_close: Mapping[str, int]
    # Percent of every stage each source group brings; adds up to 100.
    source_split: Mapping[str, int]

    @classmethod
    def from_flat(cls, values: Mapping[str, Any]) -> "PlanInputs":
        """Inputs from their flat names, after `validate_inputs`."""
        return cls(
            average_deal_size=Decimal(str(values["average_deal_size"])),
            win_rate=Decimal(str(values["win_rate"])),
            conversions={name: Decimal(str(values[name])) for name, _, _ in CONVERSIONS},
            days_to_close={stage: int(values[f"{stage}_days_to_close"]) for stage in TIMED_STAGES},
            source_split={group: int(values[f"split_{group}"]) for group in SOURCE_GROUPS},
        )


@dataclass(frozen=True)
class StagePlan:
    stage: str
    count: int
    # The days the stage must be entered on (won deals: closed on), both included.
    first_day: dt.date
    last_day: dt.date
    by_source: dict[str, int]

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.stage]

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1


@dataclass(frozen=True)
class PlanResult:
    stages: list[StagePlan]
    # What the planned deals bring at the average size: at least the target, by rounding up.
    planned_revenue: Decimal

    def stage(self, stage: str) -> StagePlan:
        return next(row for row in self.stages if row.stage == stage)


def _percent(value: Decimal) -> Fraction:
    return Fraction(value) / 100


def apportion(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """`total` shared out in proportion to `weights` by the largest remainder method: whole
    parts that add up to `total`; ties go to the larger weight, then to the key named first."""
    whole = sum(weights.values())
    if whole == 0:
        return dict.fromkeys(weights, 0)
    exact = {key: Fraction(total * weight, whole) for key, weight in weights.items()}
    parts = {key: math.floor(value) for key, value in exact.items()}
    order = list(weights)
    ranked = sorted(
        order,
        key=lambda key: (-(exact[key] - parts[key]), -weights[key], order.index(key)),
    )
    for key in ranked[: total - sum(parts.values())]:
        parts[key] += 1
    return parts


def split_by_source(total: int, percents: Mapping[str, int]) -> dict[str, int]:
    """`total` split in `percents` (adding up to 100), the parts adding up to `total`."""
    return apportion(total, percents)


def compute_plan(
    *, target_revenue: Decimal, first_day: dt.date, last_day: dt.date, inputs: PlanInputs
) -> PlanResult:
    """How many must enter each stage, and when, for `target_revenue` closed from `first_day`
    to `last_day`. Inputs must have passed `validate_inputs`."""
    deals = math.ceil(Fraction(target_revenue) / Fraction(inputs.average_deal_size))
    counts: dict[str, int] = {WON: deals}
    counts[Stage.OPPORTUNITY] = math.ceil(deals / _percent(inputs.win_rate))
    for name, earlier, later in reversed(CONVERSIONS):
        counts[earlier] = math.ceil(counts[later] / _percent(inputs.conversions[name]))
    stages = []
    for stage in PLANNED_STAGES:
        shift = dt.timedelta(days=inputs.days_to_close.get(stage, 0))
        stages.append(
            StagePlan(
                stage=stage,
                count=counts[stage],
                first_day=first_day - shift,
                last_day=last_day - shift,
                by_source=split_by_source(counts[stage], inputs.source_split),
            )
        )
    return PlanResult(stages=stages, planned_revenue=deals * inputs.average_deal_size)


def validate_target(target_revenue: Decimal) -> None:
    if target_revenue <= 0:
        raise DomainError(TARGET_NOT_POSITIVE, fields={"target_revenue": "not positive"})


def validate_inputs(values: Mapping[str, Any]) -> None:
    """Refuse inputs the planner cannot use, naming the first problem in a sentence."""
    for name in INPUT_NAMES:
        if values.get(name) is None:
            raise DomainError(
                MISSING_INPUT.format(label=INPUT_LABELS[name]), fields={name: "missing"}
            )
    if Decimal(str(values["average_deal_size"])) <= 0:
        raise DomainError(DEAL_SIZE_NOT_POSITIVE, fields={"average_deal_size": "not positive"})
    for name in RATE_INPUTS:
        if not 0 < Decimal(str(values[name])) <= 100:
            raise DomainError(
                RATE_OUT_OF_RANGE.format(label=INPUT_LABELS[name]), fields={name: "out of range"}
            )
    for name in DAYS_INPUTS:
        days = values[name]
        if not isinstance(days, int) or not 0 <= days <= MAX_DAYS_TO_CLOSE:
            raise DomainError(
                DAYS_OUT_OF_RANGE.format(label=INPUT_LABELS[name], max_days=MAX_DAYS_TO_CLOSE),
                fields={name: "out of range"},
            )
    for earlier, later in itertools.pairwise(TIMED_STAGES):
        earlier_days = values[f"{earlier}_days_to_close"]
        later_days = values[f"{later}_days_to_close"]
        if earlier_days < later_days:
            raise DomainError(
                DAYS_OUT_OF_ORDER.format(
                    earlier=STAGE_LABELS[earlier],
                    earlier_days=earlier_days,
                    later=STAGE_LABELS[later],
                    later_days=later_days,
                ),
                fields={f"{earlier}_days_to_close": "after the next stage"},
            )
    for name in SPLIT_INPUTS:
        share = values[name]
        if not isinstance(share, int) or not 0 <= share <= 100:
            raise DomainError(
                SPLIT_NOT_WHOLE.format(label=INPUT_LABELS[name]), fields={name: "out of range"}
            )
    total = sum(values[name] for name in SPLIT_INPUTS)
    if total != 100:
        raise DomainError(
            SPLIT_NOT_100.format(total=total), fields=dict.fromkeys(SPLIT_INPUTS, "not 100")
        )


class PaceFlag(StrEnum):
    NOT_STARTED = "not_started"
    AHEAD = "ahead"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    FAR_BEHIND = "far_behind"


PACE_LABELS = {
    PaceFlag.NOT_STARTED: "Not started",
    PaceFlag.AHEAD: "Ahead",
    PaceFlag.ON_TRACK: "On track",
    PaceFlag.BEHIND: "Behind",
    PaceFlag.FAR_BEHIND: "Far behind",
}
# The slack a stage gets, as a share of what it should have by now: 25% when its window opens,
# narrowing evenly to 5% when it closes, so the same shortfall is more urgent late.
TOLERANCE_AT_START = Fraction(1, 4)
TOLERANCE_AT_END = Fraction(1, 20)


def tolerance(elapsed: Fraction) -> Fraction:
    return TOLERANCE_AT_START - (TOLERANCE_AT_START - TOLERANCE_AT_END) * elapsed


def pace_flag(*, planned_to_date: Fraction, actual: int, elapsed: Fraction) -> PaceFlag:
    """Where `actual` stands against `planned_to_date` with `elapsed` of the window gone.

    - not started: the window has not opened;
    - ahead: at least the tolerance above plan (and a whole one more);
    - on track: within the tolerance, or short by less than one (nobody is behind by 0.4 of a
      lead);
    - behind: short by up to twice the tolerance;
    - far behind: short by more.
    """
    if elapsed <= 0:
        return PaceFlag.NOT_STARTED
    slack = tolerance(min(elapsed, Fraction(1)))
    if actual >= planned_to_date * (1 + slack) and actual - planned_to_date >= 1:
        return PaceFlag.AHEAD
    if planned_to_date - actual < 1 or actual >= planned_to_date * (1 - slack):
        return PaceFlag.ON_TRACK
    if actual >= planned_to_date * (1 - 2 * slack):
        return PaceFlag.BEHIND
    return PaceFlag.FAR_BEHIND


def result_to_json(result: PlanResult) -> dict[str, Any]:
    """The result as stored with a plan: dates as ISO text, money as text."""
    return {
        "planned_revenue": str(result.planned_revenue),
        "stages": [
            {
                "stage": row.stage,
                "count": row.count,
                "first_day": row.first_day.isoformat(),
                "last_day": row.last_day.isoformat(),
                "by_source": row.by_source,
            }
            for row in result.stages
        ],
    }


def result_from_json(data: Mapping[str, Any]) -> PlanResult:
    return PlanResult(
        planned_revenue=Decimal(data["planned_revenue"]),
        stages=[
            StagePlan(
                stage=row["stage"],
                count=row["count"],
                first_day=dt.date.fromisoformat(row["first_day"]),
                last_day=dt.date.fromisoformat(row["last_day"]),
                by_source=dict(row["by_source"]),
            )
            for row in data["stages"]
        ],
    )
