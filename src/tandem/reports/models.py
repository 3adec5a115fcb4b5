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


# The dashboard's rollups by lead attribute (`reports.rollups`) ---------------------------------


class RollupDimension(models.TextChoices):
    """What a rollup row is narrowed to: every lead, or the leads with one value of one of the
    dashboard's filters (the lead's company segment, its owner's team, its campaign)."""

    ALL = "all", "All leads"
    SEGMENT = "segment", "Segment"
    TEAM = "team", "Team"
    CAMPAIGN = "campaign", "Campaign"


class Span(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"


class LeadToRecount(models.Model):
    """A lead whose figures in the rollups may have changed. Database triggers append a row on
    every change the rollups depend on (a stage reached, a lead's company, owner, source,
    landing page or campaigns, a deal, a company's segment, a person's team), whatever made
    it; `reports.rollups` recounts the leads and removes their rows.

    Rows are only ever appended and deleted, with no unique key, so writers never wait on
    each other here."""

    lead_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"lead {self.lead_id}"


class CountedLead(models.Model):
    """What the rollups hold for one lead: its attributes, reaches and deals as they were
    counted (`reports.rollups.Profile`), so a recount can take exactly that back out."""

    lead_id = models.BigIntegerField(primary_key=True)
    profile = models.TextField()

    def __str__(self) -> str:
        return f"lead {self.lead_id}"


class FilteredFunnelDay(models.Model):
    """`leads.FunnelDay` for the leads with one value of one filter: per day and stage, the
    leads that first reached the stage and how many of those have reached the next one."""

    day = models.DateField()
    stage = models.CharField(max_length=20)
    dimension = models.CharField(max_length=10, choices=RollupDimension.choices)
    value = models.CharField(max_length=100)
    reached = models.IntegerField(default=0)
    advanced = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "value", "day", "stage"], name="filteredfunnelday_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.value}: {self.stage} on {self.day}"


class SliceRow(models.Model):
    """A rollup row of one day or one month, for every lead (`dimension` all) or for the leads
    with one `value` of one filter."""

    span = models.CharField(max_length=5, choices=Span.choices)
    start = models.DateField()
    dimension = models.CharField(max_length=10, choices=RollupDimension.choices)
    value = models.CharField(max_length=100)

    class Meta:
        abstract = True


class CohortSlice(SliceRow):
    """The MQLs of a day or a month (by the day they first became MQL) with one value of a
    breakdown (`by`: source, campaign, landing page or segment; `key` is "" for none), for all
    leads or one value of a filter: how many, how many reached SQL, and their deals in one
    currency. Counts of MQLs are on the rows whose currency is ""; money is in cents."""

    by = models.CharField(max_length=20)
    key = models.CharField(max_length=500)
    currency = models.CharField(max_length=3)
    mqls = models.IntegerField(default=0)
    sqls = models.IntegerField(default=0)
    won_deals = models.IntegerField(default=0)
    won_leads = models.IntegerField(default=0)
    won_cents = models.BigIntegerField(default=0)
    open_deals = models.IntegerField(default=0)
    open_cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "value", "span", "start", "by", "key", "currency"],
                name="cohortslice_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.value}: MQLs of {self.span} {self.start} by {self.by}"


class StageTimeSlice(SliceRow):
    """How many leads reaching a stage in a day or a month had spent a time in the previous
    stage that falls in `bucket` (`reports.rollups.bucket_of`), for all leads or one value of
    a filter: the medians of time in stage are read from these counts."""

    stage = models.CharField(max_length=20)
    bucket = models.IntegerField()
    leads = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "value", "span", "start", "stage", "bucket"],
                name="stagetimeslice_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.value}: {self.stage} in the {self.span} of {self.start}"


class WinTimeSlice(SliceRow):
    """How many leads becoming customers in a day or a month took `seconds` from their first
    stage (their first contact) to customer, for all leads or one value of a filter: the median
    time to win is read from these counts, to the second."""

    seconds = models.BigIntegerField()
    leads = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "value", "span", "start", "seconds"],
                name="wintimeslice_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.value}: won in the {self.span} of {self.start}"


class HandoffSlice(SliceRow):
    """The handoffs made in a day or a month, for all leads or one value of a filter (the
    team is the rep's): how many had deadlines, missed each deadline or kept both, and how
    many sales accepted or rejected."""

    timed = models.IntegerField(default=0)
    accept_breaches = models.IntegerField(default=0)
    touch_breaches = models.IntegerField(default=0)
    kept_both = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "value", "span", "start"], name="handoffslice_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.value}: handoffs in the {self.span} of {self.start}"


class RejectionSlice(SliceRow):
    """The rejections made in a day or a month per reason as worded then, for all leads or one
    value of a filter (the team is the rep's)."""

    reason_code = models.CharField(max_length=60)
    reason_label = models.CharField(max_length=200)
    rejections = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "value", "span", "start", "reason_code", "reason_label"],
                name="rejectionslice_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.value}: {self.reason_code} in {self.span} {self.start}"


class WonDealSlice(SliceRow):
    """The deals won (closed) in a day or a month in one currency, for all leads or one value
    of a filter: how many and their amounts, in cents."""

    currency = models.CharField(max_length=3)
    deals = models.IntegerField(default=0)
    cents = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "value", "span", "start", "currency"],
                name="wondealslice_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.value}: won in {self.currency} in {self.span} {self.start}"
