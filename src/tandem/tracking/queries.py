"""Reads for the tracking sources page: the sources with what each sent lately, and how the
pipeline keeps up. Only people who manage sources (admins) may read them."""

import datetime as dt
import math
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum

from tandem.core.errors import PermissionDenied
from tandem.core.roles import MANAGES_SOURCES, Role
from tandem.core.time import now
from tandem.leads.queries import require_role
from tandem.people.models import Source
from tandem.people.services import MAY_NOT_MANAGE_SOURCES
from tandem.tracking import pipeline
from tandem.tracking.models import ReceivedBatch

RECENT_TRAFFIC = dt.timedelta(hours=24)
STATUS_WINDOW = dt.timedelta(hours=1)


def require_source_manager(actor: User) -> Role:
    """The actor's role, if it may see and manage tracking sources."""
    role = require_role(actor)
    if role not in MANAGES_SOURCES:
        raise PermissionDenied(MAY_NOT_MANAGE_SOURCES.format(role=role.label))
    return role


@dataclass(frozen=True)
class SourceRow:
    source: Source
    # Events stored in the last 24 hours; a replayed message is not counted again.
    events_last_day: int


def source_list(actor: User) -> list[SourceRow]:
    """Every source, active ones first, each with the events it sent in the last 24 hours."""
    require_source_manager(actor)
    # Counted from the received batches, which are indexed by time; events are not.
    received = dict(
        ReceivedBatch.objects.filter(received_at__gte=now() - RECENT_TRAFFIC)
        .values_list("source")
        .annotate(events=Sum("event_count"))
        .order_by()
    )
    sources = Source.objects.select_related("created_by").order_by(
        F("revoked_at").desc(nulls_first=True), "name"
    )
    return [
        SourceRow(source=source, events_last_day=received.get(source.pk, 0)) for source in sources
    ]


@dataclass(frozen=True)
class PipelineStatus:
    """How far behind the pipeline is, and how quickly it processed the last hour's batches."""

    events_waiting: int
    # How long the oldest batch not processed yet has waited; None when nothing waits.
    oldest_waiting: dt.timedelta | None
    batches_last_hour: int
    events_last_hour: int
    # Between a batch's arrival and its processing, over the last hour's processed batches;
    # None when there were none.
    median_delay: dt.timedelta | None
    p95_delay: dt.timedelta | None


def _delay_at(batches: QuerySet[ReceivedBatch], count: int, fraction: float) -> dt.timedelta:
    """The delay at `fraction` of the processed batches, by nearest rank: the database sorts,
    so only one value comes back however many batches there were."""
    rank = max(1, math.ceil(fraction * count))
    delay: dt.timedelta = (
        batches.annotate(
            delay=ExpressionWrapper(
                F("processed_at") - F("received_at"), output_field=DurationField()
            )
        )
        .order_by("delay")
        .values_list("delay", flat=True)[rank - 1]
    )
    return delay


def pipeline_status(actor: User) -> PipelineStatus:
    """What the tracking pipeline has waiting, and its delays over the last hour."""
    require_source_manager(actor)
    moment = now()
    oldest = (
        ReceivedBatch.objects.filter(processed_at__isnull=True)
        .order_by("id")
        .values_list("received_at", flat=True)
        .first()
    )
    recent = ReceivedBatch.objects.filter(received_at__gte=moment - STATUS_WINDOW)
    totals = recent.aggregate(
        batches=Count("id"),
        events=Sum("event_count", default=0),
        processed=Count("id", filter=Q(processed_at__isnull=False)),
    )
    processed = recent.filter(processed_at__isnull=False)
    processed_count = totals["processed"]
    return PipelineStatus(
        events_waiting=pipeline.pending_count(),
        oldest_waiting=max(moment - oldest, dt.timedelta(0)) if oldest is not None else None,
        batches_last_hour=totals["batches"],
        events_last_hour=totals["events"],
        median_delay=_delay_at(processed, processed_count, 0.5) if processed_count else None,
        p95_delay=_delay_at(processed, processed_count, 0.95) if processed_count else None,
    )
