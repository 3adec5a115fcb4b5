"""The shapes of the report snapshots API."""

import datetime as dt

from ninja import Field, Schema

from tandem.core.schemas import InSchema, PersonRef
from tandem.reports.models import Cadence, ReportSnapshot, SnapshotKind
from tandem.reports.snapshot_queries import KpiChange, changes


class SnapshotIn(InSchema):
    cadence: Cadence = Field(description="Snapshot a week (Monday to Sunday) or a month.")
    day: dt.date | None = Field(
        None,
        description="Any day of the week or month to snapshot, in the organisation's time zone. "
        "Defaults to today. The period must have begun.",
    )


class SnapshotSummaryOut(Schema):
    id: int = Field(description="The snapshot's id.")
    cadence: Cadence = Field(description="Whether the period is a week or a month.")
    first_day: dt.date = Field(description="The period's first day.")
    last_day: dt.date = Field(description="The period's last day.")
    kind: SnapshotKind = Field(description="Taken on schedule (weekly, monthly) or on demand.")
    requested_by: PersonRef | None = Field(
        description="Who asked for it, or null when the worker took it on schedule."
    )
    generated_at: dt.datetime = Field(description="When it was taken.")
    content_hash: str = Field(
        description="SHA-256 (hex) of the snapshot's canonical content; see docs/snapshots.md."
    )
    previous_id: int | None = Field(
        description="The snapshot this one is compared with, or null for none."
    )


class KpiChangeOut(Schema):
    key: str = Field(description="The KPI's stable key, e.g. `mqls`.")
    label: str = Field(description="The KPI's name for people.")
    kind: str = Field(description="How to read the number: count, money, share (0 to 1), hours.")
    value: int | float | None = Field(description="The KPI in this snapshot; null for none.")
    previous_value: int | float | None = Field(
        description="The KPI in the previous snapshot; null for none."
    )
    difference: int | float | None = Field(
        description="value - previous_value; null when either is null."
    )

    @staticmethod
    def resolve_value(change: KpiChange) -> int | float | None:
        return change.current

    @staticmethod
    def resolve_previous_value(change: KpiChange) -> int | float | None:
        return change.previous


class SnapshotOut(SnapshotSummaryOut):
    """A snapshot with its figures and the change since the previous snapshot."""

    figures: list[KpiChangeOut] = Field(description="One row per KPI, in the report's order.")

    @staticmethod
    def resolve_figures(snapshot: ReportSnapshot) -> list[KpiChange]:
        return changes(snapshot)


class SnapshotPage(Schema):
    count: int = Field(description="How many snapshots there are, over all pages.")
    items: list[SnapshotSummaryOut] = Field(description="This page of snapshots, latest first.")
