"""Taking report snapshots: on demand, and on schedule by the worker.

A snapshot is the dashboard's summary (`reports.kpis.summary`) for a week or a month, stored
once with a SHA-256 hash of its canonical content and never changed. A later look at the same
period is a new snapshot, compared with the earlier one.
"""

import datetime as dt
import logging

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from tandem.core.errors import DomainError, PermissionDenied
from tandem.core.roles import Role
from tandem.core.time import now
from tandem.leads.queries import require_role
from tandem.reports.kpis import SUMMARY_KINDS, SUMMARY_LABELS, summary
from tandem.reports.models import Cadence, ReportSnapshot, SnapshotKind
from tandem.reports.snapshot_queries import (
    canonical_content,
    hash_of,
    last_complete_period,
    period_containing,
    previous_for,
    today_in_organisation,
)

logger = logging.getLogger(__name__)

# Who may take a snapshot on demand: the people who answer for the numbers (leadership, the
# marketing lead, sales managers) and admins. Everyone on a team reads them.
TAKES_SNAPSHOTS = frozenset({Role.EXECUTIVE, Role.MARKETING_LEAD, Role.SALES_MANAGER, Role.ADMIN})
MAY_NOT_TAKE = (
    "Your role ({role}) may read report snapshots but not take them; leadership, the marketing "
    "lead and sales managers can."
)
PERIOD_NOT_BEGUN = "The {cadence} starting {first_day} has not begun yet; pick a day up to today."
UNKNOWN_CADENCE = "{cadence} is not a snapshot period; use weekly or monthly."
SCHEDULED_BY_WORKER = "Scheduled snapshots are taken by the worker, never by a person."

SCHEDULED_KIND_OF: dict[Cadence, SnapshotKind] = {
    Cadence.WEEKLY: SnapshotKind.SCHEDULED_WEEKLY,
    Cadence.MONTHLY: SnapshotKind.SCHEDULED_MONTHLY,
}


def may_take_snapshots(actor: User) -> bool:
    try:
        return require_role(actor) in TAKES_SNAPSHOTS
    except DomainError:
        return False


def require_snapshot_taker(actor: User) -> None:
    role = require_role(actor)
    if role not in TAKES_SNAPSHOTS:
        raise PermissionDenied(MAY_NOT_TAKE.format(role=role.label))


@transaction.atomic
def take_snapshot(
    *,
    by: User | None,
    cadence: str,
    day: dt.date,
    kind: str = SnapshotKind.ON_DEMAND,
) -> ReportSnapshot:
    """Snapshot the summary KPIs of the week or month containing `day`, as they stand now.

    `by` is the person asking (checked against `TAKES_SNAPSHOTS`), or None for the system.
    A scheduled kind raises IntegrityError when that period's scheduled snapshot exists.
    """
    if cadence not in Cadence.values:
        raise DomainError(UNKNOWN_CADENCE.format(cadence=cadence), fields={"cadence": "unknown"})
    if by is not None:
        require_snapshot_taker(by)
        if kind != SnapshotKind.ON_DEMAND:
            raise PermissionDenied(SCHEDULED_BY_WORKER)
    period = period_containing(cadence, day)
    generated_at = now()
    if period.first_day > today_in_organisation(generated_at):
        raise DomainError(
            PERIOD_NOT_BEGUN.format(
                cadence="week" if period.cadence == Cadence.WEEKLY else "month",
                first_day=period.first_day.isoformat(),
            ),
            fields={"day": "in a period that has not begun"},
        )
    figures = summary(first_day=period.first_day, last_day=period.last_day)
    labels = [
        [key, label, SUMMARY_KINDS.get(key, "count")] for key, label in SUMMARY_LABELS.items()
    ]
    previous = previous_for(kind=kind, cadence=period.cadence, first_day=period.first_day)
    content = canonical_content(
        cadence=period.cadence,
        kind=kind,
        first_day=period.first_day,
        last_day=period.last_day,
        requested_by_id=by.pk if by is not None else None,
        generated_at=generated_at,
        labels=labels,
        figures=figures,
        previous_hash=previous.content_hash if previous is not None else "",
    )
    snapshot = ReportSnapshot(
        cadence=period.cadence,
        first_day=period.first_day,
        last_day=period.last_day,
        kind=kind,
        requested_by=by,
        generated_at=generated_at,
        figures=figures,
        labels=labels,
        previous=previous,
        content_hash=hash_of(content),
    )
    snapshot.save()
    return snapshot


def take_scheduled_snapshots() -> int:
    """The worker's periodic job: take the scheduled snapshot of the last complete week and of
    the last complete month, each once. Returns how many it took (0 when both exist).

    Safe from several workers at once: the unique constraint on (kind, first_day) claims the
    period, and the worker that loses the race takes nothing.
    """
    taken = 0
    moment = now()
    for cadence, kind in SCHEDULED_KIND_OF.items():
        period = last_complete_period(cadence, moment)
        if ReportSnapshot.objects.filter(kind=kind, first_day=period.first_day).exists():
            continue
        try:
            take_snapshot(by=None, cadence=cadence, day=period.first_day, kind=kind)
        except IntegrityError:
            logger.info("Another worker took the %s snapshot of %s.", kind, period.first_day)
            continue
        taken += 1
    return taken
