from django.conf import settings
from django.db import models

from tandem.core.errors import Conflict

SNAPSHOTS_ARE_IMMUTABLE = (
    "Report snapshots are never changed or deleted: take a new snapshot instead."
)


class Cadence(models.TextChoices):
    """How long a snapshot's period is. Weeks run Monday to Sunday, months from the 1st, both in
    the organisation's time zone."""

    WEEKLY = "weekly", "Week"
    MONTHLY = "monthly", "Month"


class SnapshotKind(models.TextChoices):
    SCHEDULED_WEEKLY = "scheduled_weekly", "Scheduled weekly"
    SCHEDULED_MONTHLY = "scheduled_monthly", "Scheduled monthly"
    ON_DEMAND = "on_demand", "On demand"


SCHEDULED_KINDS = (SnapshotKind.SCHEDULED_WEEKLY, SnapshotKind.SCHEDULED_MONTHLY)


class ReportSnapshotQuerySet(models.QuerySet["ReportSnapshot"]):
    def update(self, **kwargs: object) -> int:
        raise Conflict(SNAPSHOTS_ARE_IMMUTABLE)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise Conflict(SNAPSHOTS_ARE_IMMUTABLE)


class ReportSnapshot(models.Model):
    """The dashboard's summary KPIs for one period, as they stood when it was taken.

    Written once by `reports.snapshots.take_snapshot` and never changed: a later look at the same
    period is a new snapshot. `content_hash` is the SHA-256 of the canonical serialisation of
    every other field (including the previous snapshot's hash), so any change is detectable.
    A database trigger refuses UPDATE as well (migration 0002).
    """

    cadence = models.CharField(max_length=10, choices=Cadence.choices)
    first_day = models.DateField()
    last_day = models.DateField()
    kind = models.CharField(max_length=20, choices=SnapshotKind.choices)
    # The person who asked, or None when the worker took it on schedule.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    generated_at = models.DateTimeField()
    # {key: value}, and [[key, label, how to show it], ...] in the template's order (PostgreSQL's
    # jsonb does not keep a JSON object's key order, so the order lives in this list).
    figures = models.JSONField()
    labels = models.JSONField()
    # The snapshot this one is compared with, chosen when it was taken (see `previous_for`).
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    content_hash = models.CharField(max_length=64, db_index=True)

    objects = ReportSnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-generated_at", "-id"]
        constraints = [
            # The worker's claim: a scheduled snapshot of a period is taken once, whichever
            # worker gets there first.
            models.UniqueConstraint(
                fields=["kind", "first_day"],
                condition=models.Q(kind__in=["scheduled_weekly", "scheduled_monthly"]),
                name="snapshot_scheduled_once",
            ),
            models.CheckConstraint(
                condition=models.Q(first_day__lte=models.F("last_day")),
                name="snapshot_period_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["cadence", "first_day", "-generated_at"], name="snapshot_period"),
            models.Index(fields=["-generated_at", "-id"], name="snapshot_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} snapshot of {self.first_day} to {self.last_day}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise Conflict(SNAPSHOTS_ARE_IMMUTABLE)
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise Conflict(SNAPSHOTS_ARE_IMMUTABLE)

    @property
    def short_hash(self) -> str:
        return self.content_hash[:12]
