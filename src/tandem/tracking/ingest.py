"""Storing tracked events: all a tracking call does before it answers.

A call stores its events and a `ReceivedBatch` naming them in one transaction, and answers only
after that transaction commits: an acknowledged event is never lost. Everything that can wait
a moment — creating and updating leads, stitching anonymous history, campaign touches, scoring
— is done by the pipeline (`tracking.pipeline`), which takes the batches in order.

The insert is one statement per few hundred rows, with no model objects: this is the hot path
of every website and app that reports to Tandem.
"""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson
from django.db import connection, transaction

from tandem.campaigns.models import Campaign
from tandem.leads import identities
from tandem.leads.models import Event
from tandem.tracking.messages import EventRow
from tandem.tracking.models import ReceivedBatch

EVENT_COLUMNS = (
    "lead_id",
    "anonymous_id",
    "user_id",
    "type",
    "name",
    "properties",
    "traits",
    "context",
    "campaign_id",
    "source_id",
    "message_id",
    "occurred_at",
    "original_timestamp",
    "sent_at",
    "received_at",
)
JSON_COLUMNS = frozenset({"properties", "traits", "context"})
# Rows per INSERT: well inside SQLite's limit of 32,766 parameters.
ROWS_PER_STATEMENT = 500


@dataclass(frozen=True)
class StoredBatch:
    """What one call stored: new events, and those already stored from an earlier delivery."""

    batch_id: int | None
    event_ids: list[int]
    duplicates: int

    @property
    def stored(self) -> int:
        return len(self.event_ids)


def campaigns_of(rows: Sequence[EventRow]) -> dict[str, int]:
    """Campaign ids by the `utm_campaign` key found in the rows' `context.campaign.name`."""
    keys = {key for row in rows if (key := campaign_key(row))}
    if not keys:
        return {}
    return dict(Campaign.objects.filter(utm_key__in=keys).values_list("utm_key", "pk"))


def campaign_key(row: EventRow) -> str:
    campaign = row.context.get("campaign")
    if isinstance(campaign, dict):
        name = campaign.get("name")
        if isinstance(name, str):
            return name.strip().lower()
    return ""


def _insert_sql(count: int) -> str:
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    one = (
        "("
        + ", ".join(
            f"%s{json_cast}" if column in JSON_COLUMNS else "%s" for column in EVENT_COLUMNS
        )
        + ")"
    )
    return (
        f"INSERT INTO {Event._meta.db_table} ({', '.join(EVENT_COLUMNS)}) "  # noqa: S608
        f"VALUES {', '.join([one] * count)} ON CONFLICT DO NOTHING RETURNING id"
    )


def _dump(value: dict[str, object]) -> str:
    return orjson.dumps(value).decode()


def _sqlite_time(moment: dt.datetime | None) -> str | None:
    """As Django writes a time to SQLite (naive UTC text), without its per-call overhead, which
    is a tenth of a tracking call's time."""
    return None if moment is None else str(moment.astimezone(dt.UTC).replace(tzinfo=None))


def time_adapter() -> Callable[[dt.datetime | None], Any]:
    if connection.vendor == "sqlite":
        return _sqlite_time
    return connection.ops.adapt_datetimefield_value


@transaction.atomic
def store_events(
    *, source_id: int, rows: Sequence[EventRow], received_at: dt.datetime
) -> StoredBatch:
    """Store `rows` from a source, once each: a message id the source sent before is skipped.

    The new events and the batch that hands them to the pipeline commit together.
    """
    if not rows:
        return StoredBatch(batch_id=None, event_ids=[], duplicates=0)
    keys = [identities.keys_of(user_id=row.user_id, anonymous_id=row.anonymous_id) for row in rows]
    leads = identities.known_leads({key for row_keys in keys for key in row_keys})
    campaigns = campaigns_of(rows)
    adapt = time_adapter()
    received = adapt(received_at)
    event_ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            params: list[Any] = []
            for offset, row in enumerate(chunk):
                params += (
                    identities.lead_of(keys[start + offset], leads),
                    row.anonymous_id,
                    row.user_id,
                    row.type,
                    row.name,
                    _dump(row.properties),
                    _dump(row.traits),
                    _dump(row.context),
                    campaigns.get(campaign_key(row)),
                    source_id,
                    row.message_id,
                    adapt(row.occurred_at),
                    adapt(row.original_timestamp),
                    adapt(row.sent_at),
                    received,
                )
            cursor.execute(_insert_sql(len(chunk)), params)
            event_ids += [event_id for (event_id,) in cursor.fetchall()]
    batch_id = None
    if event_ids:
        batch = ReceivedBatch.objects.create(
            source_id=source_id,
            received_at=received_at,
            event_ids=pack_ids(event_ids),
            event_count=len(event_ids),
        )
        batch_id = batch.pk
    return StoredBatch(
        batch_id=batch_id, event_ids=event_ids, duplicates=len(rows) - len(event_ids)
    )


def pack_ids(ids: Sequence[int]) -> bytes:
    return np.asarray(ids, dtype="<i8").tobytes()


def unpack_ids(blob: bytes | memoryview) -> list[int]:
    ids: list[int] = np.frombuffer(bytes(blob), dtype="<i8").tolist()
    return ids
