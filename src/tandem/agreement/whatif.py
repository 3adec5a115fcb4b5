"""What-if: replay a draft or proposed version over the last months of real activity."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection
from django.db.models import Sum

from tandem.agreement.models import AgreementVersion
from tandem.core.errors import DomainError
from tandem.core.time import (
    add_months,
    month_of,
    months_between,
    now,
    organisation_zone,
    start_of_day,
)
from tandem.leads.models import Deal, DealStage, Stage, StageReach
from tandem.scoring.activity import seconds_of
from tandem.scoring.engine import Bools, Floats, Int64s, Scorer
from tandem.scoring.queries import SEGMENT, active_version, load_batch

DEFAULT_MONTHS = 12
MAX_MONTHS = 36
MONTHS_OUT_OF_RANGE = f"A what-if replays between 1 and {MAX_MONTHS} months."
NO_SEGMENT = "No segment"


@dataclass(frozen=True)
class Outcomes:
    """Leads that would have become MQL, and how they actually went on."""

    mqls: int
    accepted: int
    sql: int
    won: int
    revenue: Decimal


@dataclass(frozen=True)
class WhatIfRow:
    # "2026-03" for a month row, the segment's name (or "No segment") for a segment row.
    key: str
    proposal: Outcomes
    # None when no version is active to compare with.
    active: Outcomes | None


@dataclass(frozen=True)
class WhatIf:
    version_number: int
    active_number: int | None
    months: int
    starts_on: dt.date
    ends_on: dt.date
    total: WhatIfRow
    by_month: list[WhatIfRow]
    by_segment: list[WhatIfRow]
    leads_replayed: int
    events_replayed: int


def _lead_ids_where(sql: str, params: list[Any]) -> Int64s:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return np.fromiter((row[0] for row in cursor.fetchall()), dtype=np.int64)


def _reached(lead_ids: Int64s, stage: Stage) -> Bools:
    """Which of `lead_ids` (sorted) ever reached `stage`, by the funnel's reaches."""
    reached = _lead_ids_where(
        f"SELECT lead_id FROM {StageReach._meta.db_table} WHERE stage = %s",  # noqa: S608
        [stage.value],
    )
    return np.isin(lead_ids, reached)


def _revenue(lead_ids: Int64s) -> Floats:
    """Won deal amounts per lead, at the positions of `lead_ids` (sorted)."""
    won = list(
        Deal.objects.filter(stage=DealStage.WON)
        .values_list("lead_id")
        .annotate(total=Sum("amount"))
        .values_list("lead_id", "total")
    )
    revenue = np.zeros(len(lead_ids), dtype=np.float64)
    if won:
        owners = np.fromiter((lead_id for lead_id, _ in won), dtype=np.int64, count=len(won))
        totals = np.fromiter((float(total) for _, total in won), dtype=np.float64, count=len(won))
        positions = np.minimum(np.searchsorted(lead_ids, owners), max(len(lead_ids) - 1, 0))
        known = lead_ids[positions] == owners if len(lead_ids) else np.zeros(0, dtype=np.bool_)
        np.add.at(revenue, positions[known], totals[known])
    return revenue


@dataclass(frozen=True)
class _History:
    """What actually happened to every lead of the batch, at the batch's positions."""

    accepted: Bools
    sql: Bools
    won: Bools
    revenue: Floats


def _outcomes(selected: Bools, history: _History) -> Outcomes:
    return Outcomes(
        mqls=int(selected.sum()),
        accepted=int((selected & history.accepted).sum()),
        sql=int((selected & history.sql).sum()),
        won=int((selected & history.won).sum()),
        revenue=Decimal(str(round(float(history.revenue[selected].sum()), 2))),
    )


def _row(key: str, proposal: Bools, active: Bools | None, history: _History) -> WhatIfRow:
    return WhatIfRow(
        key=key,
        proposal=_outcomes(proposal, history),
        active=_outcomes(active, history) if active is not None else None,
    )


def what_if(*, version: AgreementVersion, months: int = DEFAULT_MONTHS) -> WhatIf:
    """Replay `version` (and the active version, to compare) over the last `months` months.

    Each lead's events are replayed in order under each version's rules (see
    `Scorer.first_qualified_at`); a lead counts in the month it would first have met the MQL
    rule. Its outcomes are what really happened to it: whether it reached SAL, SQL and
    customer, and the amount of its won deals.
    """
    if not 1 <= months <= MAX_MONTHS:
        raise DomainError(MONTHS_OUT_OF_RANGE, fields={"months": f"1 to {MAX_MONTHS}"})
    active = active_version()
    scorers = [Scorer(version.terms)]
    if active is not None:
        scorers.append(Scorer(active.terms))
    loaded = load_batch(fields={SEGMENT}.union(*(scorer.fit_fields for scorer in scorers)))
    moment = now()
    current = month_of(moment)
    month_starts = months_between(add_months(current, -(months - 1)), current)
    boundaries = np.array(
        [seconds_of(start_of_day(month)) for month in month_starts], dtype=np.int64
    )
    firsts = [
        scorer.first_qualified_at(
            loaded.batch,
            scorer.kind_points(loaded.kinds),
            since=int(boundaries[0]),
            until=seconds_of(moment),
        )
        for scorer in scorers
    ]
    lead_ids = loaded.batch.lead_ids
    history = _History(
        accepted=_reached(lead_ids, Stage.SAL),
        sql=_reached(lead_ids, Stage.SQL),
        won=_reached(lead_ids, Stage.CUSTOMER),
        revenue=_revenue(lead_ids),
    )
    month_index = [np.searchsorted(boundaries, first, side="right") - 1 for first in firsts]
    qualified = [first >= 0 for first in firsts]

    def rows_by(keys: list[str], key_of: list[npt.NDArray[Any]]) -> list[WhatIfRow]:
        return [
            _row(
                key,
                qualified[0] & (key_of[0] == index),
                qualified[1] & (key_of[-1] == index) if active is not None else None,
                history,
            )
            for index, key in enumerate(keys)
        ]

    segments = loaded.batch.column(SEGMENT)
    # An empty segment and a lead without a company are both "No segment".
    names = [str(name or "") for name in segments.distinct]
    segment_names = sorted(set(names))
    renumber = np.array([segment_names.index(name) for name in names], dtype=np.int64)
    segment_codes = renumber[segments.codes] if len(names) else segments.codes
    by_segment = [
        row
        for row in rows_by(
            [name or NO_SEGMENT for name in segment_names], [segment_codes, segment_codes]
        )
        if row.proposal.mqls or (row.active is not None and row.active.mqls)
    ]
    return WhatIf(
        version_number=version.number,
        active_number=active.number if active is not None else None,
        months=months,
        starts_on=month_starts[0],
        ends_on=moment.astimezone(organisation_zone()).date(),
        total=_row("Total", qualified[0], qualified[-1] if active is not None else None, history),
        by_month=rows_by([f"{month:%Y-%m}" for month in month_starts], month_index),
        by_segment=by_segment,
        leads_replayed=loaded.batch.size,
        events_replayed=len(loaded.batch.at),
    )
