"""The dashboard's rollups by lead attribute: its figures for every lead or for the leads with
one value of one filter (segment, team, campaign), counted once and kept up to date, so a page
sums a few thousand rows instead of reading every stage reach of its period.

The filters are about leads as they are now (the company's segment today, the owner's team,
the latest campaign), so a lead's rows move when those change. Each lead's share of the rollups
follows from its `Profile`: its attributes, the stages it reached (with the day and the time it
spent in the previous stage), its deals, its handoffs to sales and their rejections.
`CountedLead` keeps the profile each lead was last counted with; to recount a lead, its old
profile's counts are taken out and its new one's put in, in one transaction. Database
triggers queue a lead (`LeadToRecount`) on every change its profile depends on, whichever code
or program makes it; the worker recounts the queue every few seconds and every read of the
rollups recounts what is left first, so figures are never behind the data they are read with.

Medians of time in stage and of speed to lead are read from counts per duration bucket: a
duration is rounded to the nearest of 16 steps per doubling (`bucket_of`), within 2.2% of it,
before the median is taken. `kpis` rounds the same way when it reads the rows themselves (for
filters that combine), so every view agrees. The median time to win is counted per second.

`rebuild` counts every lead from scratch: after bulk loads and `tandem rebuild_funnel`, and to
prove the live path keeps the same figures.
"""

import contextvars
import datetime as dt
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Max, Q, Sum

from tandem.campaigns.closed_loop import ACCEPTED_DECISIONS
from tandem.core.time import organisation_zone
from tandem.handoff.models import Assignment, Decision, Rejection
from tandem.leads.funnel import next_stage
from tandem.leads.models import Deal, DealStage, Lead, Stage, StageReach
from tandem.reports.models import (
    CohortSlice,
    CountedLead,
    FilteredFunnelDay,
    HandoffSlice,
    LeadToRecount,
    RejectionSlice,
    RollupDimension,
    Span,
    StageTimeSlice,
    WinTimeSlice,
    WonDealSlice,
)

ROLLUPS = (
    LeadToRecount,
    CountedLead,
    FilteredFunnelDay,
    CohortSlice,
    StageTimeSlice,
    WinTimeSlice,
    HandoffSlice,
    RejectionSlice,
    WonDealSlice,
)
BUCKETS_PER_DOUBLING = 16
# Below every other bucket: no time at all.
ZERO_BUCKET = -1_000
# `StageTimeSlice.stage` for the time from a handoff to its first touch (speed to lead).
SPEED_TO_LEAD = "speed_to_lead"
OPEN_DEAL_STAGES = (DealStage.QUALIFICATION, DealStage.PROPOSAL, DealStage.NEGOTIATION)
# The breakdowns of the MQL cohort kept in `CohortSlice`; source groups and channels are read
# from sources and campaigns.
COHORT_BYS = ("source", "campaign", "landing_page", "segment")
RECOUNT_BATCH = 2_000
# A queue longer than this (after a bulk load or `tandem rebuild_funnel`) is cheaper to count
# from scratch than lead by lead.
REBUILD_ABOVE = 100_000
# Any constant will do: it names the lock that keeps two recounts from taking the same lead
# out twice on PostgreSQL (SQLite lets one writer in at a time anyway).
RECOUNT_LOCK = 7_310_842


def bucket_of(duration: dt.timedelta | None, *, keep_zero: bool = False) -> int | None:
    """The bucket of a duration. None for none, and for zero or less unless `keep_zero` (a
    stage passed by a jump took no time and is left out; a lead touched the moment it was
    assigned counts, in `ZERO_BUCKET`)."""
    if duration is None:
        return None
    seconds = duration.total_seconds()
    if seconds <= 0:
        return ZERO_BUCKET if keep_zero else None
    return round(BUCKETS_PER_DOUBLING * math.log2(max(seconds, 1.0)))


def bucket_value(bucket: int) -> dt.timedelta:
    """The duration a bucket stands for: the middle of its range, on a log scale."""
    if bucket == ZERO_BUCKET:
        return dt.timedelta(0)
    return dt.timedelta(seconds=round(2 ** (bucket / BUCKETS_PER_DOUBLING), 3))


def rounded(duration: dt.timedelta) -> dt.timedelta:
    """A time in stage as its bucket stands for it."""
    bucket = bucket_of(duration)
    return duration if bucket is None else bucket_value(bucket)


def rounded_speed(duration: dt.timedelta) -> dt.timedelta:
    """A time from handoff to first touch as its bucket stands for it."""
    bucket = bucket_of(duration, keep_zero=True)
    return duration if bucket is None else bucket_value(bucket)


def median_of_buckets(counts: Counter[int]) -> dt.timedelta | None:
    """The median of durations counted by bucket: the middle one, or the mean of the middle
    two."""
    return median_of_counts(counts, bucket_value)


def median_of_seconds(counts: Counter[int]) -> dt.timedelta | None:
    """The median of durations counted by whole seconds."""
    return median_of_counts(counts, lambda seconds: dt.timedelta(seconds=seconds))


def median_of_counts(
    counts: Counter[int], value: Callable[[int], dt.timedelta]
) -> dt.timedelta | None:
    """The median of the durations `value(key)` counted `counts[key]` times, keys in the
    order of their durations."""
    size = sum(counts.values())
    if size <= 0:
        return None
    wanted = {(size + 1) // 2, (size + 2) // 2}
    found: list[dt.timedelta] = []
    seen = 0
    for key in sorted(counts):
        count = counts[key]
        found.extend(value(key) for position in sorted(wanted) if seen < position <= seen + count)
        seen += count
        if seen >= max(wanted):
            break
    return sum(found, dt.timedelta()) / len(found)


# Profiles -------------------------------------------------------------------------------------

# (stage, day as an ordinal, bucket of the time in the previous stage)
ReachFacts = tuple[str, int, int | None]
# (deal stage, currency, amount in cents, close day as an ordinal or 0 for an open deal)
DealFacts = tuple[str, str, int, int]
# (day as an ordinal, the rep's team, HANDOFF_* flags, decision, bucket of the time to the
# first touch)
HandoffFacts = tuple[int, str, int, str, int | None]
# (day as an ordinal, the rep's team, reason code, reason as worded)
RejectionFacts = tuple[int, str, str, str]
HANDOFF_TIMED, HANDOFF_ACCEPT_BREACHED, HANDOFF_TOUCH_BREACHED = 1, 2, 4


@dataclass(frozen=True)
class Profile:
    """Everything the rollups count of one lead. Empty strings stand for none."""

    segment: str
    team: str
    campaign: str
    source: str
    landing_page: str
    reaches: tuple[ReachFacts, ...]
    deals: tuple[DealFacts, ...]
    # Seconds from the first stage (first contact) to customer, for a customer.
    won_after: int | None = None
    handoffs: tuple[HandoffFacts, ...] = ()
    rejections: tuple[RejectionFacts, ...] = ()

    def dump(self) -> str:
        return json.dumps(
            [
                self.segment,
                self.team,
                self.campaign,
                self.source,
                self.landing_page,
                [list(reach) for reach in self.reaches],
                [list(deal) for deal in self.deals],
                self.won_after,
                [list(handoff) for handoff in self.handoffs],
                [list(rejection) for rejection in self.rejections],
            ],
            separators=(",", ":"),
        )

    @classmethod
    def load(cls, text: str) -> "Profile":
        (segment, team, campaign, source, page, reaches, deals, won_after, handoffs,
         rejections) = json.loads(text)  # fmt: skip
        return cls(
            segment=segment,
            team=team,
            campaign=campaign,
            source=source,
            landing_page=page,
            reaches=tuple((stage, day, bucket) for stage, day, bucket in reaches),
            deals=tuple(
                (stage, currency, cents, closed) for stage, currency, cents, closed in deals
            ),
            won_after=won_after,
            handoffs=tuple(
                (day, team, flags, choice, speed) for day, team, flags, choice, speed in handoffs
            ),
            rejections=tuple((day, team, code, label) for day, team, code, label in rejections),
        )

    def filters(self) -> list[tuple[str, str]]:
        """The values of the dashboard's filters this lead has: every lead has a segment
        (none is a value of its own), not every lead a team or a campaign."""
        found = [(RollupDimension.SEGMENT.value, self.segment)]
        if self.team:
            found.append((RollupDimension.TEAM.value, self.team))
        if self.campaign:
            found.append((RollupDimension.CAMPAIGN.value, self.campaign))
        return found


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _handoffs(lead_ids: Collection[int], zone: Any) -> dict[int, list[HandoffFacts]]:
    found: dict[int, list[HandoffFacts]] = defaultdict(list)
    for row in Assignment.objects.filter(lead_id__in=lead_ids).values_list(
        "lead_id",
        "assigned_at",
        "rep__membership__team_id",
        "accept_by",
        "accept_breached_at",
        "touch_breached_at",
        "decision",
        "first_touch_at",
    ):
        lead_id, at, team, accept_by, accept_breached, touch_breached, decision, touched = row
        flags = 0
        if accept_by is not None:
            flags |= HANDOFF_TIMED
            flags |= HANDOFF_ACCEPT_BREACHED if accept_breached is not None else 0
            flags |= HANDOFF_TOUCH_BREACHED if touch_breached is not None else 0
        speed = bucket_of(touched - at, keep_zero=True) if touched is not None else None
        day = at.astimezone(zone).date().toordinal()
        found[lead_id].append((day, _text(team), flags, decision, speed))
    return found


def _handoff_order(handoff: HandoffFacts) -> tuple[int, str, int, str, int]:
    day, team, flags, decision, speed = handoff
    return day, team, flags, decision, ZERO_BUCKET - 1 if speed is None else speed


def _rejections(lead_ids: Collection[int], zone: Any) -> dict[int, list[RejectionFacts]]:
    found: dict[int, list[RejectionFacts]] = defaultdict(list)
    for lead_id, at, team, code, label in Rejection.objects.filter(
        lead_id__in=lead_ids
    ).values_list("lead_id", "at", "rep__membership__team_id", "reason_code", "reason_label"):
        found[lead_id].append((at.astimezone(zone).date().toordinal(), _text(team), code, label))
    return found


def profiles(lead_ids: Collection[int]) -> dict[int, Profile]:
    """The profiles of the leads as they are now; leads that no longer exist have none. Five
    queries."""
    if not lead_ids:
        return {}
    zone = organisation_zone()
    reaches: dict[int, list[ReachFacts]] = defaultdict(list)
    first_at: dict[int, dt.datetime] = {}
    won_at: dict[int, dt.datetime] = {}
    for lead_id, stage, at, spent in StageReach.objects.filter(lead_id__in=lead_ids).values_list(
        "lead_id", "stage", "at", "time_in_previous_stage"
    ):
        day = at.astimezone(zone).date().toordinal()
        reaches[lead_id].append((stage, day, bucket_of(spent)))
        if lead_id not in first_at or at < first_at[lead_id]:
            first_at[lead_id] = at
        if stage == Stage.CUSTOMER:
            won_at[lead_id] = at
    deals: dict[int, list[DealFacts]] = defaultdict(list)
    for lead_id, stage, currency, amount, closed_on in Deal.objects.filter(
        lead_id__in=lead_ids
    ).values_list("lead_id", "stage", "currency", "amount", "closed_on"):
        closed = closed_on.toordinal() if closed_on is not None else 0
        deals[lead_id].append((stage, currency, _cents(amount), closed))
    handoffs, rejections = _handoffs(lead_ids, zone), _rejections(lead_ids, zone)
    found = {}
    for row in Lead.objects.filter(pk__in=lead_ids).values_list(
        "pk",
        "company__segment",
        "owner__membership__team_id",
        "last_touch_campaign_id",
        "first_touch_campaign_id",
        "source",
        "last_touch_landing_page",
        "landing_page",
    ):
        lead_id, segment, team, last_campaign, first_campaign, source, last_page, page = row
        found[lead_id] = Profile(
            segment=segment or "",
            team=_text(team),
            campaign=_text(last_campaign if last_campaign is not None else first_campaign),
            source=source,
            landing_page=last_page or page,
            reaches=tuple(sorted(reaches.get(lead_id, ()))),
            deals=tuple(sorted(deals.get(lead_id, ()))),
            won_after=(
                round((won_at[lead_id] - first_at[lead_id]).total_seconds())
                if lead_id in won_at
                else None
            ),
            handoffs=tuple(sorted(handoffs.get(lead_id, ()), key=_handoff_order)),
            rejections=tuple(sorted(rejections.get(lead_id, ()))),
        )
    return found


# Counting -------------------------------------------------------------------------------------


def _spans_of(day: dt.date) -> tuple[tuple[str, dt.date], tuple[str, dt.date]]:
    """The day row and the month row something that happened on `day` counts in."""
    return (Span.DAY.value, day), (Span.MONTH.value, day.replace(day=1))


class Counts:
    """Changes to the rollups, keyed by each row's unique columns, gathered before they are
    written."""

    def __init__(self) -> None:
        self.funnel: defaultdict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
        self.cohort: defaultdict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * 7)
        self.times: Counter[tuple[Any, ...]] = Counter()
        self.wins: Counter[tuple[Any, ...]] = Counter()
        self.handoffs: defaultdict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * 6)
        self.rejections: Counter[tuple[Any, ...]] = Counter()
        self.won: defaultdict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])

    def add(self, profile: Profile, sign: int = 1) -> None:
        """Count `profile` in (sign 1) or take it out (sign -1)."""
        filters = profile.filters()
        everyone = [(RollupDimension.ALL.value, ""), *filters]
        reached = {stage for stage, _, _ in profile.reaches}
        for stage, ordinal, bucket in profile.reaches:
            day = dt.date.fromordinal(ordinal)
            spans = _spans_of(day)
            following = next_stage(stage)
            advanced = sign if following is not None and following in reached else 0
            for dimension, value in filters:
                row = self.funnel[(dimension, value, day, stage)]
                row[0] += sign
                row[1] += advanced
            if bucket is not None:
                for span, start in spans:
                    for dimension, value in everyone:
                        self.times[(dimension, value, span, start, stage, bucket)] += sign
            if stage == Stage.MQL:
                self._add_cohort(profile, everyone, spans, sign, reached_sql=Stage.SQL in reached)
            if stage == Stage.CUSTOMER and profile.won_after is not None:
                for span, start in spans:
                    for dimension, value in everyone:
                        self.wins[(dimension, value, span, start, profile.won_after)] += sign
        self._add_handoffs(profile, sign)
        for stage, currency, cents, closed in profile.deals:
            if stage == DealStage.WON and closed:
                for span, start in _spans_of(dt.date.fromordinal(closed)):
                    for dimension, value in everyone:
                        row = self.won[(dimension, value, span, start, currency)]
                        row[0] += sign
                        row[1] += sign * cents

    def _add_handoffs(self, profile: Profile, sign: int) -> None:
        """Handoffs and rejections count for the lead's segment and campaign, and for the
        team of the rep they were made to or by."""
        lead_filters = [
            (dimension, value)
            for dimension, value in [(RollupDimension.ALL.value, ""), *profile.filters()]
            if dimension != RollupDimension.TEAM
        ]

        def rows(ordinal: int, team: str) -> Iterator[tuple[str, str, str, dt.date]]:
            chosen = [*lead_filters, *([(RollupDimension.TEAM.value, team)] if team else [])]
            for span, start in _spans_of(dt.date.fromordinal(ordinal)):
                for dimension, value in chosen:
                    yield dimension, value, span, start

        for ordinal, team, flags, decision, speed in profile.handoffs:
            timed = bool(flags & HANDOFF_TIMED)
            accept_breached = bool(flags & HANDOFF_ACCEPT_BREACHED)
            touch_breached = bool(flags & HANDOFF_TOUCH_BREACHED)
            figures = (
                timed,
                accept_breached,
                touch_breached,
                timed and not accept_breached and not touch_breached,
                decision in ACCEPTED_DECISIONS,
                decision == Decision.REJECTED,
            )
            for key in rows(ordinal, team):
                row = self.handoffs[key]
                for position, counted in enumerate(figures):
                    row[position] += sign if counted else 0
                if speed is not None:
                    self.times[(*key, SPEED_TO_LEAD, speed)] += sign
        for ordinal, team, code, label in profile.rejections:
            for key in rows(ordinal, team):
                self.rejections[(*key, code, label)] += sign

    def _add_cohort(
        self,
        profile: Profile,
        everyone: list[tuple[str, str]],
        spans: Iterable[tuple[str, dt.date]],
        sign: int,
        *,
        reached_sql: bool,
    ) -> None:
        # Per currency: won deals, won (0 or 1 lead), cents won, open deals, cents open.
        money: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
        for stage, currency, cents, _ in profile.deals:
            if stage == DealStage.WON:
                totals = money[currency]
                totals[0] += 1
                totals[1] = 1
                totals[2] += cents
            elif stage in OPEN_DEAL_STAGES:
                totals = money[currency]
                totals[3] += 1
                totals[4] += cents
        keys = (profile.source, profile.campaign, profile.landing_page, profile.segment)
        for span, start in spans:
            for dimension, value in everyone:
                for by, key in zip(COHORT_BYS, keys, strict=True):
                    row = self.cohort[(dimension, value, span, start, by, key, "")]
                    row[0] += sign
                    row[1] += sign if reached_sql else 0
                    for currency, totals in money.items():
                        row = self.cohort[(dimension, value, span, start, by, key, currency)]
                        for position, amount in enumerate(totals, start=2):
                            row[position] += sign * amount


FUNNEL_COLUMNS = (("dimension", "value", "day", "stage"), ("reached", "advanced"))
COHORT_COLUMNS = (
    ("dimension", "value", "span", "start", "by", "key", "currency"),
    ("mqls", "sqls", "won_deals", "won_leads", "won_cents", "open_deals", "open_cents"),
)
TIMES_COLUMNS = (("dimension", "value", "span", "start", "stage", "bucket"), ("leads",))
WINS_COLUMNS = (("dimension", "value", "span", "start", "seconds"), ("leads",))
HANDOFF_COLUMNS = (
    ("dimension", "value", "span", "start"),
    ("timed", "accept_breaches", "touch_breaches", "kept_both", "accepted", "rejected"),
)
WON_COLUMNS = (("dimension", "value", "span", "start", "currency"), ("deals", "cents"))
REJECTION_COLUMNS = (
    ("dimension", "value", "span", "start", "reason_code", "reason_label"),
    ("rejections",),
)


def _write(
    table: str,
    columns: tuple[tuple[str, ...], tuple[str, ...]],
    rows: Iterable[tuple[tuple[Any, ...], Iterable[int]]],
    *,
    add: bool,
) -> None:
    """Insert `rows` ((key, measures)) into `table`, adding to the rows already there when
    `add`."""
    keys, measures = columns
    names = ", ".join(f'"{name}"' for name in (*keys, *measures))
    marks = ", ".join(["%s"] * (len(keys) + len(measures)))
    sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608
    if add:
        conflict = ", ".join(f'"{name}"' for name in keys)
        updates = ", ".join(f'"{name}" = {table}."{name}" + excluded."{name}"' for name in measures)
        sql += f" ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    adapt = connection.ops.adapt_datefield_value
    batch: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for key, values in rows:
            batch.append(tuple(adapt(part) if isinstance(part, dt.date) else part for part in key)
                         + tuple(values))  # fmt: skip
            if len(batch) >= 5_000:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _apply(counts: Counts, *, add: bool = True) -> None:
    def changed(rows: dict[tuple[Any, ...], list[int]]) -> Iterator[tuple[Any, list[int]]]:
        return ((key, values) for key, values in rows.items() if any(values))

    _write(FilteredFunnelDay._meta.db_table, FUNNEL_COLUMNS, changed(counts.funnel), add=add)
    _write(CohortSlice._meta.db_table, COHORT_COLUMNS, changed(counts.cohort), add=add)
    _write(
        StageTimeSlice._meta.db_table,
        TIMES_COLUMNS,
        ((key, (count,)) for key, count in counts.times.items() if count),
        add=add,
    )
    _write(
        WinTimeSlice._meta.db_table,
        WINS_COLUMNS,
        ((key, (count,)) for key, count in counts.wins.items() if count),
        add=add,
    )
    _write(HandoffSlice._meta.db_table, HANDOFF_COLUMNS, changed(counts.handoffs), add=add)
    _write(WonDealSlice._meta.db_table, WON_COLUMNS, changed(counts.won), add=add)
    _write(
        RejectionSlice._meta.db_table,
        REJECTION_COLUMNS,
        ((key, (count,)) for key, count in counts.rejections.items() if count),
        add=add,
    )


def _save_profiles(found: dict[int, Profile]) -> None:
    CountedLead.objects.bulk_create(
        (CountedLead(lead_id=lead_id, profile=text.dump()) for lead_id, text in found.items()),
        batch_size=5_000,
    )


def recount(lead_ids: Collection[int]) -> int:
    """Take the leads' counted profiles out of the rollups and put their profiles as they are
    now in; returns how many leads' counts changed. Runs in the caller's transaction."""
    if not lead_ids:
        return 0
    ids = sorted(set(lead_ids))
    counted = {
        lead_id: Profile.load(text)
        for lead_id, text in CountedLead.objects.filter(lead_id__in=ids).values_list(
            "lead_id", "profile"
        )
    }
    current = profiles(ids)
    counts = Counts()
    changed: list[int] = []
    for lead_id in ids:
        before, after = counted.get(lead_id), current.get(lead_id)
        if before == after:
            continue
        changed.append(lead_id)
        if before is not None:
            counts.add(before, -1)
        if after is not None:
            counts.add(after)
    if changed:
        _apply(counts)
        CountedLead.objects.filter(lead_id__in=changed).delete()
        _save_profiles({lead_id: current[lead_id] for lead_id in changed if lead_id in current})
    return len(changed)


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOUNT_LOCK])


def _claim(limit: int) -> list[int]:
    table = LeadToRecount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE id IN "  # noqa: S608
            f"(SELECT id FROM {table} ORDER BY id LIMIT %s) RETURNING lead_id",
            [limit],
        )
        return [lead_id for (lead_id,) in cursor.fetchall()]


# Set while a read has brought the rollups up to date for everything it reads next.
_counted: contextvars.ContextVar[bool] = contextvars.ContextVar("rollups_counted", default=False)


@contextmanager
def up_to_date() -> Iterator[None]:
    """Recount the queue once for all the rollup reads inside: a page reads a dozen of them
    and changes nothing in between."""
    if _counted.get():
        yield
        return
    recount_queued()
    token = _counted.set(True)
    try:
        yield
    finally:
        _counted.reset(token)


def _bring_up_to_date() -> None:
    if not _counted.get():
        recount_queued()


def recount_queued(*, batch: int = RECOUNT_BATCH) -> int:
    """Recount every queued lead, `batch` leads to a transaction; returns how many queue rows
    were taken. The worker runs this every few seconds; reads run it before they sum."""
    if not LeadToRecount.objects.exists():
        return 0
    queued = LeadToRecount.objects.count()
    if queued > REBUILD_ABOVE:
        rebuild()
        return queued
    taken = 0
    while LeadToRecount.objects.exists():
        with transaction.atomic():
            _lock()
            claimed = _claim(batch)
            if not claimed:
                break
            recount(claimed)
        taken += len(claimed)
    return taken


def _measure_rollups() -> None:
    """After a rebuild has replaced every row, reclaim the old ones and measure the tables, so
    the next reads are planned and run as on a tidy table (PostgreSQL cannot vacuum inside a
    transaction: then autovacuum will, a little later)."""
    tables = [model._meta.db_table for model in ROLLUPS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if not connection.in_atomic_block:
                cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")
        else:
            for table in tables:
                cursor.execute(f"ANALYZE {table}")


def rebuild(*, batch: int = 20_000) -> int:
    """Count every lead from scratch; returns how many leads were counted."""
    counted = _count_every_lead(batch=batch)
    _measure_rollups()
    return counted


@transaction.atomic
def _count_every_lead(*, batch: int) -> int:
    _lock()
    for model in ROLLUPS:
        model.objects.all().delete()
    counts = Counts()
    total = 0
    last = 0
    while True:
        ids = list(
            Lead.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        last = ids[-1]
        found = profiles(ids)
        for profile in found.values():
            counts.add(profile)
        _save_profiles(found)
        total += len(found)
    _apply(counts, add=False)
    return total


# Reading ----------------------------------------------------------------------------------------


def _spans(dimension: str, value: str, first_day: dt.date, last_day: dt.date) -> Q:
    """The rows of `value` of `dimension` covering the days `first_day` to `last_day` exactly
    once: whole months from their month rows, the days before and after them from their day
    rows. Each alternative names the whole index prefix, so each is a range of the index."""
    first_month = first_day if first_day.day == 1 else _next_month(first_day)
    after = last_day + dt.timedelta(days=1)
    end_month = after.replace(day=1)  # the first day after the last whole month
    if first_month >= end_month:
        ranges = [(Span.DAY, first_day, after)]
    else:
        ranges = [
            (Span.MONTH, first_month, end_month),
            (Span.DAY, first_day, first_month),
            (Span.DAY, end_month, after),
        ]
    condition = Q()
    for span, start, end in ranges:
        if start < end:
            condition |= Q(
                dimension=dimension, value=value, span=span, start__gte=start, start__lt=end
            )
    return condition


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def funnel_days(
    dimension: str,
    value: str,
    first_day: dt.date,
    last_day: dt.date,
    *,
    stage: str | None = None,
) -> list[tuple[str, dt.date, int, int]]:
    """(stage, day, reached, advanced) for the leads with `value` of `dimension`, of every
    stage or of `stage`."""
    _bring_up_to_date()
    rows = FilteredFunnelDay.objects.filter(
        dimension=dimension, value=value, day__gte=first_day, day__lte=last_day
    )
    if stage is not None:
        rows = rows.filter(stage=stage)
    return list(rows.order_by().values_list("stage", "day", "reached", "advanced"))


def time_buckets(
    dimension: str, value: str, first_day: dt.date, last_day: dt.date, *, stage: str | None = None
) -> dict[str, Counter[int]]:
    """Per stage reached in the days, the leads per bucket of time in the previous stage; or,
    for `SPEED_TO_LEAD`, the handoffs made in the days per bucket of time to the first touch.
    Every stage but `SPEED_TO_LEAD` when no `stage` is named."""
    _bring_up_to_date()
    found: dict[str, Counter[int]] = defaultdict(Counter)
    rows = StageTimeSlice.objects.filter(_spans(dimension, value, first_day, last_day))
    rows = rows.filter(stage=stage) if stage is not None else rows.exclude(stage=SPEED_TO_LEAD)
    for stage_reached, bucket, leads in (
        rows.values("stage", "bucket")
        .annotate(total=Sum("leads"))
        .order_by()
        .values_list("stage", "bucket", "total")
    ):
        if leads:
            found[stage_reached][bucket] += leads
    return found


def handoff_figures(
    dimension: str, value: str, first_day: dt.date, last_day: dt.date
) -> dict[str, int]:
    """The handoffs made in the days: with deadlines, each deadline missed, both kept,
    accepted, rejected."""
    _bring_up_to_date()
    measures = HANDOFF_COLUMNS[1]
    totals = HandoffSlice.objects.filter(_spans(dimension, value, first_day, last_day)).aggregate(
        **{name: Sum(name) for name in measures}
    )
    return {name: totals[name] or 0 for name in measures}


def won_amounts(
    dimension: str, value: str, first_day: dt.date, last_day: dt.date
) -> list[tuple[str, int, int]]:
    """(currency, deals, cents) of the deals won (closed) in the days."""
    _bring_up_to_date()
    return list(
        WonDealSlice.objects.filter(_spans(dimension, value, first_day, last_day))
        .values("currency")
        .annotate(total_deals=Sum("deals"), total_cents=Sum("cents"))
        .filter(total_deals__gt=0)
        .order_by()
        .values_list("currency", "total_deals", "total_cents")
    )


def rejection_counts(
    dimension: str, value: str, first_day: dt.date, last_day: dt.date
) -> list[tuple[str, str, dt.date, int]]:
    """(reason code, reason as worded, latest day or month of that wording, rejections) for
    the rejections made in the days."""
    _bring_up_to_date()
    return list(
        RejectionSlice.objects.filter(_spans(dimension, value, first_day, last_day))
        .values("reason_code", "reason_label")
        .annotate(latest=Max("start"), total=Sum("rejections"))
        .filter(total__gt=0)
        .order_by()
        .values_list("reason_code", "reason_label", "latest", "total")
    )


def filter_values(dimension: str) -> list[str]:
    """The values of `dimension` some lead in the funnel has, in order."""
    _bring_up_to_date()
    return list(
        FilteredFunnelDay.objects.filter(dimension=dimension)
        .order_by("value")
        .values_list("value", flat=True)
        .distinct()
    )


def win_seconds(dimension: str, value: str, first_day: dt.date, last_day: dt.date) -> Counter[int]:
    """The leads that became customers in the days, per whole seconds they took from their
    first stage."""
    _bring_up_to_date()
    return Counter(
        dict(
            WinTimeSlice.objects.filter(_spans(dimension, value, first_day, last_day))
            .values("seconds")
            .annotate(total=Sum("leads"))
            .order_by()
            .values_list("seconds", "total")
        )
    )


def cohort(
    dimension: str, value: str, first_day: dt.date, last_day: dt.date
) -> list[tuple[str, str, str, list[int]]]:
    """(by, key, currency, [mqls, sqls, won deals, won leads, cents won, open deals, cents
    open]) for the leads that first became MQL in the days."""
    _bring_up_to_date()
    measures = COHORT_COLUMNS[1]
    rows = (
        CohortSlice.objects.filter(_spans(dimension, value, first_day, last_day))
        .values("by", "key", "currency")
        .annotate(**{f"total_{name}": Sum(name) for name in measures})
        .order_by()
        .values_list("by", "key", "currency", *(f"total_{name}" for name in measures))
    )
    return [(by, key, currency, list(values)) for by, key, currency, *values in rows]
