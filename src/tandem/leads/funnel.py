"""How the stage ledger becomes funnel figures.

A lead *reaches* a stage of the main path the first time it enters that stage or any later one,
counting from the stage it entered the lifecycle at. Side stages (recycled, disqualified) are
reached when first entered. Each reach is stored once (`StageReach`) and counted in the
`FunnelMonth` rollup: `reached` by the month of the reach, and `advanced` on the row of the
previous main-path stage, in the month that earlier stage was reached (a cohort count), so
"conversion from MQL to SAL for leads who became MQL in March" is `advanced / reached`.
`FunnelDay` holds the same counts by day, so any period of whole days is summed from it, and
each reach stores how long the lead spent in the previous main-path stage.

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
from tandem.core.time import organisation_zone
from tandem.leads.models import FunnelDay, FunnelMonth, Stage, StageChange, StageReach

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


ReachRow = tuple[int, str, dt.datetime, dt.date, dt.timedelta | None]


@dataclass(frozen=True)
class Reach:
    stage: Stage
    at: dt.datetime
    # The day of `at` in the organisation's time zone, and its month.
    day: dt.date
    month: dt.date
    previous_at: dt.datetime | None = None

    @property
    def time_in_previous_stage(self) -> dt.timedelta | None:
        return None if self.previous_at is None else self.at - self.previous_at

    def row(self, lead_id: int) -> ReachRow:
        return (lead_id, self.stage.value, self.at, self.month, self.time_in_previous_stage)


def reach_at(stage: str, at: dt.datetime, previous_at: dt.datetime | None = None) -> Reach:
    day = at.astimezone(organisation_zone()).date()
    return Reach(
        stage=Stage(stage), at=at, day=day, month=day.replace(day=1), previous_at=previous_at
    )


def reaches_of_move(reached: dict[str, Reach], to_stage: str, at: dt.datetime) -> list[Reach]:
    """The reaches of a move to `to_stage` at `at`, given what the lead `reached` before."""
    found: list[Reach] = []
    for stage in new_reaches(reached, to_stage):
        previous = previous_stage(stage)
        # Stages reached by one move are consecutive: the previous one was reached by the same
        # move, by an earlier one, or (for the entry stage) never.
        earlier = reached.get(previous) if previous is not None else None
        previous_at = at if found else (earlier.at if earlier is not None else None)
        found.append(reach_at(stage, at, previous_at))
    return found


class FunnelCounts:
    """Increments to the `FunnelMonth` and `FunnelDay` rollups, gathered before they are
    written."""

    def __init__(self) -> None:
        self.reached: defaultdict[tuple[str, dt.date], int] = defaultdict(int)
        self.advanced: defaultdict[tuple[str, dt.date], int] = defaultdict(int)
        self.reached_by_day: defaultdict[tuple[str, dt.date], int] = defaultdict(int)
        self.advanced_by_day: defaultdict[tuple[str, dt.date], int] = defaultdict(int)

    def add(self, reaches: list[Reach], reached: dict[str, Reach]) -> None:
        """Count `reaches`; `reached` maps each stage reached earlier to its reach and is
        updated in place."""
        for reach in reaches:
            self.reached[(reach.stage, reach.month)] += 1
            self.reached_by_day[(reach.stage, reach.day)] += 1
            reached[reach.stage] = reach
            previous = previous_stage(reach.stage)
            if previous is not None and previous in reached:
                earlier = reached[previous]
                self.advanced[(previous, earlier.month)] += 1
                self.advanced_by_day[(previous, earlier.day)] += 1

    def keys(self) -> set[tuple[str, dt.date]]:
        return set(self.reached) | set(self.advanced)

    def day_keys(self) -> set[tuple[str, dt.date]]:
        return set(self.reached_by_day) | set(self.advanced_by_day)


def record_reaches(
    *, lead_id: int, to_stage: str, at: dt.datetime, is_new_lead: bool = False
) -> list[Reach]:
    """Store the reaches of one stage change and count them in the rollup.

    Must run inside the transaction that appends the ledger row, with the lead locked. A lead
    entering the lifecycle has reached nothing yet, so `is_new_lead` spares the lookup.
    """
    reached: dict[str, Reach] = (
        {}
        if is_new_lead
        else {
            stage: reach_at(stage, earlier_at)
            for stage, earlier_at in StageReach.objects.filter(lead_id=lead_id).values_list(
                "stage", "at"
            )
        }
    )
    reaches = reaches_of_move(reached, to_stage, at)
    if not reaches:
        return reaches
    StageReach.objects.bulk_create(
        StageReach(
            lead_id=lead_id,
            stage=reach.stage,
            at=reach.at,
            month=reach.month,
            time_in_previous_stage=reach.time_in_previous_stage,
        )
        for reach in reaches
    )
    counts = FunnelCounts()
    counts.add(reaches, reached)
    add_to_rollup(counts)
    return reaches


def record_reaches_in_bulk(*, lead_ids: list[int], to_stage: str, at: dt.datetime) -> int:
    """`record_reaches` for many leads moving to the same stage at the same moment.

    Must run inside the transaction that appends their ledger rows, with the leads locked.
    """
    reached_by_lead: dict[int, dict[str, Reach]] = {lead_id: {} for lead_id in lead_ids}
    table = StageReach._meta.db_table
    matches, params = in_list("lead_id", lead_ids)
    # SQLite hands back naive UTC text; PostgreSQL's times are aware already.
    convert = (
        connection.ops.convert_datetimefield_value  # type: ignore[attr-defined]
        if connection.vendor == "sqlite"
        else None
    )
    with connection.cursor() as cursor:
        # Plain rows: the ORM's per-row conversion would cost more than the query.
        cursor.execute(f"SELECT lead_id, stage, at FROM {table} WHERE {matches}", params)  # noqa: S608
        for lead_id, stage, earlier_at in cursor.fetchall():
            if convert is not None:
                earlier_at = convert(earlier_at, None, connection)
            reached_by_lead[lead_id][stage] = reach_at(stage, earlier_at)
    counts = FunnelCounts()
    rows: list[ReachRow] = []
    for lead_id in lead_ids:
        reached = reached_by_lead[lead_id]
        reaches = reaches_of_move(reached, to_stage, at)
        counts.add(reaches, reached)
        rows.extend(reach.row(lead_id) for reach in reaches)
    written = _insert_reaches(rows)
    add_to_rollup(counts)
    return written


def record_entries_in_bulk(entries: Sequence[tuple[int, str, dt.datetime]]) -> int:
    """`record_reaches` for many leads entering the lifecycle, each (lead id, stage, when):
    a new lead has reached nothing yet, so nothing is read."""
    counts = FunnelCounts()
    rows: list[ReachRow] = []
    for lead_id, stage, at in entries:
        reaches = reaches_of_move({}, stage, at)
        counts.add(reaches, {})
        rows.extend(reach.row(lead_id) for reach in reaches)
    written = _insert_reaches(rows)
    add_to_rollup(counts)
    return written


def _upsert(table: str, period: str) -> str:
    return (
        f"INSERT INTO {table} (stage, {period}, reached, advanced) VALUES (%s, %s, %s, %s) "  # noqa: S608
        f"ON CONFLICT (stage, {period}) DO UPDATE SET "
        f"reached = {table}.reached + excluded.reached, "
        f"advanced = {table}.advanced + excluded.advanced"
    )


def add_to_rollup(counts: FunnelCounts) -> None:
    """Add `counts` to `FunnelMonth` and `FunnelDay` with one upsert per row, safe under
    concurrent writers."""
    by_month = [
        (stage, month, counts.reached.get((stage, month), 0),
         counts.advanced.get((stage, month), 0))
        for stage, month in sorted(counts.keys())
    ]  # fmt: skip
    by_day = [
        (stage, day, counts.reached_by_day.get((stage, day), 0),
         counts.advanced_by_day.get((stage, day), 0))
        for stage, day in sorted(counts.day_keys())
    ]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(_upsert(FunnelMonth._meta.db_table, "month"), by_month)
        cursor.executemany(_upsert(FunnelDay._meta.db_table, "day"), by_day)


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


def _insert_reaches(rows: list[ReachRow]) -> int:
    """Insert plain reach rows; at a million leads, building model objects would cost most of
    the rebuild's time."""
    if not rows:
        return 0
    table = StageReach._meta.db_table
    sql = (
        f"INSERT INTO {table} (lead_id, stage, at, month, time_in_previous_stage) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s)"
    )
    adapt = functools.lru_cache(maxsize=1024)(connection.ops.adapt_datetimefield_value)
    duration = StageReach._meta.get_field("time_in_previous_stage")
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (lead, stage, adapt(at), month, duration.get_db_prep_value(spent, connection))
                for lead, stage, at, month, spent in rows
            ],
        )
    return len(rows)


@transaction.atomic
def rebuild_funnel(*, batch_size: int = 20_000) -> int:
    """Recompute `StageReach`, `FunnelMonth` and `FunnelDay` from the whole ledger; returns
    the reach count.

    Used after bulk loads that write ledger rows directly, and to prove the rollup kept by the
    live path equals what the ledger says.
    """
    StageReach.objects.all().delete()
    FunnelMonth.objects.all().delete()
    FunnelDay.objects.all().delete()
    counts = FunnelCounts()
    pending: list[ReachRow] = []
    total = 0
    for lead_id, history in _ledger_by_lead(batch_size):
        reached: dict[str, Reach] = {}
        for to_stage, at in history:
            reaches = reaches_of_move(reached, to_stage, at)
            counts.add(reaches, reached)
            pending.extend(reach.row(lead_id) for reach in reaches)
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
    FunnelDay.objects.bulk_create(
        FunnelDay(
            stage=stage,
            day=day,
            reached=counts.reached_by_day.get((stage, day), 0),
            advanced=counts.advanced_by_day.get((stage, day), 0),
        )
        for stage, day in sorted(counts.day_keys())
    )
    return total
