"""How the stage ledger becomes funnel figures.

A lead *reaches* a stage of the main path the first time it enters that stage or any later one,
counting from the stage it entered the lifecycle at. Side stages (recycled, disqualified) are
reached when first entered. Each reach is stored once (`StageReach`) and counted in the
`FunnelMonth` rollup: `reached` by the month of the reach, and `advanced` on the row of the
previous main-path stage, in the month that earlier stage was reached (a cohort count), so
"conversion from MQL to SAL for leads who became MQL in March" is `advanced / reached`.

The same pure function, `new_reaches`, serves the live path (`leads.lifecycle`, one change at
a time) and `rebuild_funnel` (the whole ledger at once), so the two cannot drift apart.
"""

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from tandem.core.sql import in_list
from tandem.core.time import month_of
from tandem.leads.models import FunnelMonth, Stage, StageChange, StageReach

MAIN_PATH: tuple[Stage, ...] = (
    Stage.INQUIRY,
    Stage.LEAD,
    Stage.MQL,
    Stage.SAL,
    Stage.SQL,
    Stage.OPPORTUNITY,
    Stage.CUSTOMER,
)
SIDE_STAGES: tuple[Stage, ...] = (Stage.RECYCLED, Stage.DISQUALIFIED)
FUNNEL_STAGES: tuple[Stage, ...] = MAIN_PATH + SIDE_STAGES
MAIN_INDEX: dict[str, int] = {stage: index for index, stage in enumerate(MAIN_PATH)}


def next_stage(stage: str) -> Stage | None:
    """The stage after `stage` on the main path, or None at its end or off it."""
    index = MAIN_INDEX.get(Stage(stage))
    if index is None or index + 1 == len(MAIN_PATH):
        return None
    return MAIN_PATH[index + 1]


def previous_stage(stage: str) -> Stage | None:
    index = MAIN_INDEX.get(Stage(stage))
    if index is None or index == 0:
        return None
    return MAIN_PATH[index - 1]


def new_reaches(reached: Iterable[str], to_stage: str) -> list[Stage]:
    """The stages a move to `to_stage` reaches for the first time, in funnel order."""
    already = {Stage(stage) for stage in reached}
    target = Stage(to_stage)
    if target not in MAIN_INDEX:
        return [] if target in already else [target]
    reached_main = [MAIN_INDEX[stage] for stage in already if stage in MAIN_INDEX]
    entry = min(reached_main) if reached_main else MAIN_INDEX[target]
    return [stage for stage in MAIN_PATH[entry : MAIN_INDEX[target] + 1] if stage not in already]


@dataclass(frozen=True)
class Reach:
    stage: Stage
    at: dt.datetime
    month: dt.date


class FunnelCounts:
    """Increments to the `FunnelMonth` rollup, gathered before they are written."""

    def __init__(self) -> None:
        self.reached: defaultdict[tuple[str, dt.date], int] = defaultdict(int)
        self.advanced: defaultdict[tuple[str, dt.date], int] = defaultdict(int)

    def add(self, reaches: list[Reach], months_reached: dict[str, dt.date]) -> None:
        """Count `reaches`; `months_reached` maps each stage reached earlier to its month and is
        updated in place."""
        for reach in reaches:
            self.reached[(reach.stage, reach.month)] += 1
            months_reached[reach.stage] = reach.month
            previous = previous_stage(reach.stage)
            if previous is not None and previous in months_reached:
                self.advanced[(previous, months_reached[previous])] += 1

    def keys(self) -> set[tuple[str, dt.date]]:
        return set(self.reached) | set(self.advanced)


def record_reaches(
    *, lead_id: int, to_stage: str, at: dt.datetime, is_new_lead: bool = False
) -> list[Reach]:
    """Store the reaches of one stage change and count them in the rollup.

    Must run inside the transaction that appends the ledger row, with the lead locked. A lead
    entering the lifecycle has reached nothing yet, so `is_new_lead` spares the lookup.
    """
    months_reached: dict[str, dt.date] = (
        {}
        if is_new_lead
        else dict(StageReach.objects.filter(lead_id=lead_id).values_list("stage", "month"))
    )
    month = month_of(at)
    reaches = [
        Reach(stage=stage, at=at, month=month) for stage in new_reaches(months_reached, to_stage)
    ]
    if not reaches:
        return reaches
    StageReach.objects.bulk_create(
        StageReach(lead_id=lead_id, stage=reach.stage, at=reach.at, month=reach.month)
        for reach in reaches
    )
    counts = FunnelCounts()
    counts.add(reaches, months_reached)
    add_to_rollup(counts)
    return reaches


def record_reaches_in_bulk(*, lead_ids: list[int], to_stage: str, at: dt.datetime) -> int:
    """`record_reaches` for many leads moving to the same stage at the same moment.

    Must run inside the transaction that appends their ledger rows, with the leads locked.
    """
    months_reached: dict[int, dict[str, dt.date]] = {lead_id: {} for lead_id in lead_ids}
    table = StageReach._meta.db_table
    matches, params = in_list("lead_id", lead_ids)
    with connection.cursor() as cursor:
        # Plain rows: the ORM's per-row conversion would cost more than the query.
        cursor.execute(f"SELECT lead_id, stage, month FROM {table} WHERE {matches}", params)  # noqa: S608
        for lead_id, stage, reached_month in cursor.fetchall():
            months_reached[lead_id][stage] = (
                dt.date.fromisoformat(reached_month)
                if isinstance(reached_month, str)
                else reached_month
            )
    month = month_of(at)
    counts = FunnelCounts()
    rows: list[tuple[int, str, dt.datetime, dt.date]] = []
    for lead_id in lead_ids:
        reached = months_reached[lead_id]
        reaches = [
            Reach(stage=stage, at=at, month=month) for stage in new_reaches(reached, to_stage)
        ]
        counts.add(reaches, reached)
        rows.extend((lead_id, reach.stage.value, reach.at, reach.month) for reach in reaches)
    written = _insert_reaches(rows)
    add_to_rollup(counts)
    return written


def record_entries_in_bulk(entries: Sequence[tuple[int, str, dt.datetime]]) -> int:
    """`record_reaches` for many leads entering the lifecycle, each (lead id, stage, when):
    a new lead has reached nothing yet, so nothing is read."""
    counts = FunnelCounts()
    rows: list[tuple[int, str, dt.datetime, dt.date]] = []
    for lead_id, stage, at in entries:
        month = month_of(at)
        reaches = [Reach(stage=reached, at=at, month=month) for reached in new_reaches({}, stage)]
        counts.add(reaches, {})
        rows.extend((lead_id, reach.stage.value, reach.at, reach.month) for reach in reaches)
    written = _insert_reaches(rows)
    add_to_rollup(counts)
    return written


def add_to_rollup(counts: FunnelCounts) -> None:
    """Add `counts` to `FunnelMonth` with one upsert per row, safe under concurrent writers."""
    table = FunnelMonth._meta.db_table
    sql = (
        f"INSERT INTO {table} (stage, month, reached, advanced) VALUES (%s, %s, %s, %s) "  # noqa: S608
        f"ON CONFLICT (stage, month) DO UPDATE SET "
        f"reached = {table}.reached + excluded.reached, "
        f"advanced = {table}.advanced + excluded.advanced"
    )
    rows = [
        (
            stage,
            month,
            counts.reached.get((stage, month), 0),
            counts.advanced.get((stage, month), 0),
        )
        for stage, month in sorted(counts.keys())
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _ledger_by_lead(batch_size: int) -> Iterator[tuple[int, list[tuple[str, dt.datetime]]]]:
    """Every lead's ledger in order, one lead at a time, streamed from the database."""
    rows = (
        StageChange.objects.order_by("lead_id", "at", "id")
        .values_list("lead_id", "to_stage", "at")
        .iterator(chunk_size=batch_size)
    )
    current: int | None = None
    history: list[tuple[str, dt.datetime]] = []
    for lead_id, to_stage, at in rows:
        if lead_id != current:
            if current is not None:
                yield current, history
            current, history = lead_id, []
        history.append((to_stage, at))
    if current is not None:
        yield current, history


def _insert_reaches(rows: list[tuple[int, str, dt.datetime, dt.date]]) -> int:
    """Insert plain reach rows; at a million leads, building model objects would cost most of
    the rebuild's time."""
    if not rows:
        return 0
    table = StageReach._meta.db_table
    sql = f"INSERT INTO {table} (lead_id, stage, at, month) VALUES (%s, %s, %s, %s)"  # noqa: S608
    adapt = functools.lru_cache(maxsize=1024)(connection.ops.adapt_datetimefield_value)
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [(lead, stage, adapt(at), month) for lead, stage, at, month in rows]
        )
    return len(rows)


@transaction.atomic
def rebuild_funnel(*, batch_size: int = 20_000) -> int:
    """Recompute `StageReach` and `FunnelMonth` from the whole ledger; returns the reach count.

    Used after bulk loads that write ledger rows directly, and to prove the rollup kept by the
    live path equals what the ledger says.
    """
    StageReach.objects.all().delete()
    FunnelMonth.objects.all().delete()
    counts = FunnelCounts()
    pending: list[tuple[int, str, dt.datetime, dt.date]] = []
    total = 0
    for lead_id, history in _ledger_by_lead(batch_size):
        months_reached: dict[str, dt.date] = {}
        for to_stage, at in history:
            month = month_of(at)
            reaches = [
                Reach(stage=stage, at=at, month=month)
                for stage in new_reaches(months_reached, to_stage)
            ]
            counts.add(reaches, months_reached)
            pending.extend((lead_id, reach.stage.value, reach.at, reach.month) for reach in reaches)
        if len(pending) >= batch_size:
            total += _insert_reaches(pending)
            pending = []
    total += _insert_reaches(pending)
    FunnelMonth.objects.bulk_create(
        FunnelMonth(
            stage=stage,
            month=month,
            reached=counts.reached.get((stage, month), 0),
            advanced=counts.advanced.get((stage, month), 0),
        )
        for stage, month in sorted(counts.keys())
    )
    return total
