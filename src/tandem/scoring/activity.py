"""Lead activity in the engine's compact form: each lead's events as (time, kind) pairs.

Kept in `LeadActivity`, one row per lead, appended to as events are recorded and rebuilt from
the events table after bulk loads. Within a lead, pairs are in canonical order — by time, then
kind — so a lead's activity is the same bytes whichever way it was built.
"""

import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction

from tandem.core.progress import Progress, no_progress
from tandem.core.sql import in_list
from tandem.leads.models import Event
from tandem.scoring.models import EventKind, LeadActivity

# Leads per upsert of their activity, within SQLite's limit on parameters.
UPSERT_ROWS = 5_000
PAIR = np.dtype([("at", "<i8"), ("kind", "<u4")])
Pairs = npt.NDArray[np.void]


def fingerprint(type: str, name: str, properties: Mapping[str, Any]) -> str:
    canonical = json.dumps(
        [type, name, properties], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def intern_kinds(kinds: Sequence[tuple[str, str, Mapping[str, Any]]]) -> list[int]:
    """The `EventKind` id of each (type, name, properties), creating the kinds not seen yet."""
    prints = [fingerprint(*kind) for kind in kinds]
    matches, params = in_list("fingerprint", sorted(set(prints)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT fingerprint, id FROM {EventKind._meta.db_table} WHERE {matches}",  # noqa: S608
            params,
        )
        known = dict(cursor.fetchall())
    missing = {
        print_: kind for print_, kind in zip(prints, kinds, strict=True) if print_ not in known
    }
    if missing:
        # Two writers may create the same kind at once; the loser's row is dropped, then read.
        EventKind.objects.bulk_create(
            [
                EventKind(type=type, name=name, properties=dict(properties), fingerprint=print_)
                for print_, (type, name, properties) in missing.items()
            ],
            ignore_conflicts=True,
        )
        known.update(
            EventKind.objects.filter(fingerprint__in=missing).values_list("fingerprint", "id")
        )
    return [known[print_] for print_ in prints]


def seconds_of(moment: dt.datetime) -> int:
    return math.floor(moment.timestamp())


def unpack(blob: bytes | memoryview) -> Pairs:
    return np.frombuffer(bytes(blob), dtype=PAIR)


def canonical(pairs: Pairs) -> Pairs:
    return pairs[np.lexsort((pairs["kind"], pairs["at"]))]


def append_events(*, lead_id: int, events: Sequence[Event]) -> None:
    """Add `events` of one lead to its activity.

    Must run inside the transaction that saved the events; locks the activity row until then.
    """
    kinds = intern_kinds([(event.type, event.name, event.properties) for event in events])
    append_activity(
        {lead_id: [(kind, event.occurred_at) for kind, event in zip(kinds, events, strict=True)]}
    )


# (EventKind id, occurred_at) of one event.
NewEvent = tuple[int, dt.datetime]


def append_activity(events_by_lead: Mapping[int, Sequence[NewEvent]]) -> None:
    """Add events to the activity of each of their leads: one read and one write per statement
    batch, however many leads.

    Must run inside the transaction that saved or stitched the events; locks the leads'
    activity rows until then.
    """
    added = {
        lead_id: np.array([(seconds_of(occurred), kind) for kind, occurred in events], dtype=PAIR)
        for lead_id, events in events_by_lead.items()
        if events
    }
    if not added:
        return
    table = LeadActivity._meta.db_table
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    matches, params = in_list("lead_id", sorted(added))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT lead_id, events FROM {table} WHERE {matches}{lock}",  # noqa: S608
            params,
        )
        stored = {lead_id: unpack(blob) for lead_id, blob in cursor.fetchall()}
        rows = []
        for lead_id, pairs in added.items():
            merged = canonical(
                np.concatenate([stored[lead_id], pairs]) if lead_id in stored else pairs
            )
            rows.append((lead_id, merged.tobytes(), len(merged)))
        # One upsert per few thousand leads: run once per lead, PostgreSQL would parse and plan
        # the statement each time.
        for start in range(0, len(rows), UPSERT_ROWS):
            chunk = rows[start : start + UPSERT_ROWS]
            cursor.execute(
                f"INSERT INTO {table} (lead_id, events, event_count) "  # noqa: S608
                f"VALUES {', '.join(['(%s, %s, %s)'] * len(chunk))} "
                "ON CONFLICT (lead_id) DO UPDATE SET events = excluded.events, "
                "event_count = excluded.event_count",
                [value for row in chunk for value in row],
            )


def _epoch_sql() -> str:
    if connection.vendor == "postgresql":
        return "FLOOR(EXTRACT(EPOCH FROM occurred_at))::bigint"
    return "CAST(strftime('%s', occurred_at) AS INTEGER)"


def _event_rows(chunk_size: int) -> Iterator[list[tuple[int, int, str, str, Any]]]:
    """Every stitched event as (lead, seconds, type, name, properties), by lead, in chunks."""
    table = Event._meta.db_table
    sql = (
        f"SELECT lead_id, {_epoch_sql()}, type, name, properties FROM {table} "  # noqa: S608
        "WHERE lead_id IS NOT NULL ORDER BY lead_id"
    )
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(chunk_size):
            yield rows


@transaction.atomic
def rebuild_activity(*, chunk_size: int = 200_000, progress: Progress = no_progress) -> int:
    """Rebuild every lead's activity from the events table; returns the number of events.

    For data loaded in bulk without going through `leads.services.record_event`.
    """
    LeadActivity.objects.all().delete()
    kind_ids: dict[tuple[str, str, str], int] = {}
    total = 0
    pending: list[tuple[int, int, str, str, Any]] = []
    expected = Event.objects.filter(lead__isnull=False).count()
    for rows in _event_rows(chunk_size):
        pending.extend(rows)
        # Keep a lead's events together: hold back the last lead of the chunk.
        last_lead = pending[-1][0]
        ready = [row for row in pending if row[0] != last_lead]
        pending = [row for row in pending if row[0] == last_lead]
        total += _write_activity(ready, kind_ids)
        progress("events", total, expected)
    total += _write_activity(pending, kind_ids)
    progress("events", total, expected)
    return total


def _write_activity(
    rows: list[tuple[int, int, str, str, Any]], kind_ids: dict[tuple[str, str, str], int]
) -> int:
    if not rows:
        return 0
    unknown: dict[tuple[str, str, str], tuple[str, str, dict[str, Any]]] = {}
    keys = []
    for _, _, type, name, raw in rows:
        # Both databases hand JSON back as text here; its parse is needed only for a new kind.
        text = raw if isinstance(raw, str) else json.dumps(raw, sort_keys=True)
        key = (type, name, text)
        keys.append(key)
        if key not in kind_ids and key not in unknown:
            unknown[key] = (type, name, json.loads(text))
    if unknown:
        kind_ids.update(zip(unknown, intern_kinds(list(unknown.values())), strict=True))
    leads = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    pairs = np.empty(len(rows), dtype=PAIR)
    pairs["at"] = np.fromiter((row[1] for row in rows), dtype=np.int64, count=len(rows))
    pairs["kind"] = np.fromiter((kind_ids[key] for key in keys), dtype=np.uint32, count=len(rows))
    order = np.lexsort((pairs["kind"], pairs["at"], leads))
    leads, pairs = leads[order], pairs[order]
    starts = np.flatnonzero(np.r_[True, leads[1:] != leads[:-1]])
    ends = np.r_[starts[1:], len(leads)]
    LeadActivity.objects.bulk_create(
        [
            LeadActivity(
                lead_id=int(leads[start]),
                events=pairs[start:end].tobytes(),
                event_count=int(end - start),
            )
            for start, end in zip(starts, ends, strict=True)
        ],
        batch_size=5_000,
    )
    return len(rows)
