"""Reads of report snapshots: periods, the canonical content and its hash, the change since the
previous snapshot, and the permission-checked fetch.

Snapshots are shared like the dashboard: everyone on a team reads every snapshot.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import QuerySet

from tandem.core.errors import NotFound
from tandem.core.time import add_months, organisation_zone
from tandem.leads.queries import require_role
from tandem.reports.models import Cadence, ReportSnapshot, SnapshotKind

SNAPSHOT_NOT_FOUND = "There is no report snapshot {snapshot_id}."
# Bumped if the canonical serialisation ever changes, so older hashes stay verifiable.
HASH_FORMAT = 1

Figure = int | float | None
# What a report shows for no figure, and the sign of a fall.
NONE = "\u2013"
MINUS = "\u2212"


@dataclass(frozen=True)
class SnapshotPeriod:
    cadence: Cadence
    first_day: dt.date
    last_day: dt.date


def period_containing(cadence: str, day: dt.date) -> SnapshotPeriod:
    """The week (Monday to Sunday) or month that `day` falls in."""
    if cadence == Cadence.WEEKLY:
        monday = day - dt.timedelta(days=day.weekday())
        return SnapshotPeriod(Cadence.WEEKLY, monday, monday + dt.timedelta(days=6))
    first = day.replace(day=1)
    return SnapshotPeriod(Cadence.MONTHLY, first, add_months(first, 1) - dt.timedelta(days=1))


def last_complete_period(cadence: str, moment: dt.datetime) -> SnapshotPeriod:
    """The latest week or month that had ended by `moment`, in the organisation's time zone."""
    today = moment.astimezone(organisation_zone()).date()
    current = period_containing(cadence, today)
    return period_containing(cadence, current.first_day - dt.timedelta(days=1))


def today_in_organisation(moment: dt.datetime) -> dt.date:
    return moment.astimezone(organisation_zone()).date()


# The canonical content and its hash -------------------------------------------------------------


def canonical_content(
    *,
    cadence: str,
    kind: str,
    first_day: dt.date,
    last_day: dt.date,
    requested_by_id: int | None,
    generated_at: dt.datetime,
    labels: list[list[str]],
    figures: dict[str, Figure],
    previous_hash: str,
) -> bytes:
    """Every stored fact of a snapshot as compact JSON with sorted keys, UTF-8.

    The previous snapshot's hash is part of it, so the snapshots form a chain: changing or
    removing one is visible from the next.
    """
    content = {
        "format": HASH_FORMAT,
        "cadence": str(cadence),
        "kind": str(kind),
        "first_day": first_day.isoformat(),
        "last_day": last_day.isoformat(),
        "requested_by": requested_by_id,
        "generated_at": generated_at.astimezone(dt.UTC).isoformat(),
        "labels": labels,
        "figures": figures,
        "previous_hash": previous_hash,
    }
    text = json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode("utf-8")


def hash_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def snapshot_content(snapshot: ReportSnapshot) -> bytes:
    """The canonical content of a stored snapshot, as its hash was computed from."""
    return canonical_content(
        cadence=snapshot.cadence,
        kind=snapshot.kind,
        first_day=snapshot.first_day,
        last_day=snapshot.last_day,
        requested_by_id=snapshot.requested_by_id,
        generated_at=snapshot.generated_at,
        labels=snapshot.labels,
        figures=snapshot.figures,
        previous_hash=snapshot.previous.content_hash if snapshot.previous is not None else "",
    )


def is_intact(snapshot: ReportSnapshot) -> bool:
    """Whether the snapshot's stored content still matches the hash recorded when it was taken."""
    return hash_of(snapshot_content(snapshot)) == snapshot.content_hash


# The previous snapshot and the change since it ------------------------------------------------


def previous_for(*, kind: str, cadence: str, first_day: dt.date) -> ReportSnapshot | None:
    """The snapshot a new one is compared with:

    - a scheduled snapshot, with the scheduled one of the period before (week on week, month on
      month);
    - an on-demand snapshot, with the latest snapshot of the same period, so a second look at a
      period shows what moved since the first; for a period never taken before, with the latest
      snapshot of the same cadence.
    """
    earlier = ReportSnapshot.objects.order_by("-generated_at", "-id")
    if kind != SnapshotKind.ON_DEMAND:
        return (
            ReportSnapshot.objects.filter(kind=kind, first_day__lt=first_day)
            .order_by("-first_day")
            .first()
        )
    same_period = earlier.filter(cadence=cadence, first_day=first_day).first()
    return same_period or earlier.filter(cadence=cadence).first()


@dataclass(frozen=True)
class KpiChange:
    key: str
    label: str
    # How to show the number: count, money, share (0 to 1) or hours.
    kind: str
    current: Figure
    previous: Figure
    # current - previous, or None when either is missing (or there is no previous snapshot).
    difference: Figure

    @property
    def current_text(self) -> str:
        return format_figure(self.current, self.kind)

    @property
    def previous_text(self) -> str:
        return format_figure(self.previous, self.kind)

    @property
    def difference_text(self) -> str:
        return format_difference(self.difference, self.kind)


def _difference(current: Figure, previous: Figure) -> Figure:
    if current is None or previous is None:
        return None
    difference = current - previous
    # Shares and hours are floats: keep the float noise of the subtraction out of reports.
    return round(difference, 6) if isinstance(difference, float) else difference


def changes(snapshot: ReportSnapshot) -> list[KpiChange]:
    """Per KPI of the snapshot, in the template's order: its value, the previous snapshot's value
    and the difference. Reads the previous snapshot if it is not loaded."""
    before: dict[str, Figure] = snapshot.previous.figures if snapshot.previous is not None else {}
    rows = []
    for key, label, *rest in snapshot.labels:
        current = snapshot.figures.get(key)
        previous = before.get(key)
        rows.append(
            KpiChange(
                key=key,
                label=label,
                kind=rest[0] if rest else "count",
                current=current,
                previous=previous,
                difference=_difference(current, previous),
            )
        )
    return rows


def format_figure(value: Figure, kind: str) -> str:
    """A figure as a report shows it: 1,204 · 12,500.00 · 37.5% · 4.25 h; an en dash for none."""
    if value is None:
        return NONE
    if kind == "share":
        return f"{value * 100:.1f}%"
    if kind == "money":
        return str(intcomma(f"{Decimal(str(value)):.2f}"))
    if kind == "hours":
        return f"{value:.2f} h"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.2f}"
    return str(intcomma(int(value)))


def format_difference(value: Figure, kind: str) -> str:
    """A change as a report shows it, signed (a fall with a true minus sign): +3, +2.5 pts, 0."""
    if value is None:
        return NONE
    if value == 0:
        return "0"
    sign = "+" if value > 0 else MINUS
    if kind == "share":
        return f"{sign}{abs(value) * 100:.1f} pts"
    return sign + format_figure(abs(value), kind)


# Permission-checked reads -------------------------------------------------------------------


def snapshot_list(actor: User) -> QuerySet[ReportSnapshot]:
    """Every snapshot, the latest taken first."""
    require_role(actor)
    return ReportSnapshot.objects.select_related("requested_by").order_by("-generated_at", "-id")


def access_snapshot(actor: User, snapshot_id: int) -> ReportSnapshot:
    """The snapshot with its previous one and who asked for it loaded."""
    require_role(actor)
    snapshot = (
        ReportSnapshot.objects.select_related("requested_by", "previous")
        .filter(pk=snapshot_id)
        .first()
    )
    if snapshot is None:
        raise NotFound(SNAPSHOT_NOT_FOUND.format(snapshot_id=snapshot_id))
    return snapshot


def describe_period(snapshot: ReportSnapshot | SnapshotPeriod) -> str:
    """'Week of 3 Mar 2025 (3 Mar to 9 Mar)' or 'March 2025'."""
    first, last = snapshot.first_day, snapshot.last_day
    if snapshot.cadence == Cadence.MONTHLY:
        return first.strftime("%B %Y")
    return f"Week of {first.day} {first:%b %Y} ({first.day} {first:%b} to {last.day} {last:%b})"


def as_rows(snapshot: ReportSnapshot) -> list[dict[str, Any]]:
    """The snapshot as rows for a CSV file: raw numbers, never formatted."""
    return [
        {
            "key": change.key,
            "label": change.label,
            "value": change.current,
            "previous_value": change.previous,
            "difference": change.difference,
        }
        for change in changes(snapshot)
    ]
