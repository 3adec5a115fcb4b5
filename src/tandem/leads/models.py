from django.conf import settings
from django.db import models

from tandem.core.errors import Conflict
from tandem.core.models import TimestampedModel

LEDGER_IS_APPEND_ONLY = "The stage ledger is append-only: its rows are never changed or deleted."


class Stage(models.TextChoices):
    """The lead lifecycle. Allowed moves between stages live in `leads.lifecycle`."""

    INQUIRY = "inquiry", "Inquiry"
    LEAD = "lead", "Lead"
    MQL = "mql", "MQL"
    SAL = "sal", "SAL"
    SQL = "sql", "SQL"
    OPPORTUNITY = "opportunity", "Opportunity"
    CUSTOMER = "customer", "Customer"
    # Back to marketing's nurture: not now, maybe later.
    RECYCLED = "recycled", "Recycled"
    # Never a fit.
    DISQUALIFIED = "disqualified", "Disqualified"


class Company(TimestampedModel):
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True)
    segment = models.CharField(max_length=100, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    employee_count = models.PositiveIntegerField(null=True, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    attributes = models.JSONField(default=dict, blank=True)
    # Where an imported row came from, so a second import finds it instead of copying it.
    import_source = models.CharField(max_length=40, blank=True)
    external_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(
                fields=["import_source", "external_id"],
                condition=~models.Q(external_id=""),
                name="company_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["domain"], condition=~models.Q(domain=""), name="company_unique_domain"
            ),
        ]
        indexes = [models.Index(fields=["segment"], name="company_segment")]

    def __str__(self) -> str:
        return self.name


class Lead(TimestampedModel):
    """A person who raised a hand or was captured, and where they stand in the funnel."""

    email = models.EmailField(max_length=254, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="leads"
    )
    source = models.CharField(max_length=60, blank=True, help_text="How the lead came in")
    first_touch_campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="first_touch_leads",
    )
    last_touch_campaign = models.ForeignKey(
        "campaigns.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="last_touch_leads",
    )
    utm_source = models.CharField(max_length=100, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=120, blank=True)
    utm_term = models.CharField(max_length=100, blank=True)
    utm_content = models.CharField(max_length=100, blank=True)
    # The first page the lead landed on, and the latest one a campaign brought them to.
    landing_page = models.CharField(max_length=500, blank=True)
    last_touch_landing_page = models.CharField(max_length=500, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_leads",
    )
    # Denormalised from the ledger by `leads.lifecycle`, the only writer of these two fields.
    stage = models.CharField(max_length=20, choices=Stage.choices)
    stage_changed_at = models.DateTimeField()
    attributes = models.JSONField(default=dict, blank=True)
    import_source = models.CharField(max_length=40, blank=True)
    external_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-stage_changed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["import_source", "external_id"],
                condition=~models.Q(external_id=""),
                name="lead_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["email"], condition=~models.Q(email=""), name="lead_unique_email"
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "-stage_changed_at"], name="lead_owner_recent"),
            models.Index(fields=["stage", "-stage_changed_at"], name="lead_stage_recent"),
            models.Index(fields=["-stage_changed_at", "-id"], name="lead_recent"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        if name:
            return name
        if self.email:
            return self.email
        reference = self.external_id[:8] if self.external_id else str(self.pk)
        return f"Lead {reference}"


class DealStage(models.TextChoices):
    QUALIFICATION = "qualification", "Qualification"
    PROPOSAL = "proposal", "Proposal"
    NEGOTIATION = "negotiation", "Negotiation"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Deal(TimestampedModel):
    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="deals")
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="deals"
    )
    name = models.CharField(max_length=200)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, help_text="ISO 4217")
    stage = models.CharField(max_length=20, choices=DealStage.choices)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    lost_reason = models.CharField(max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_deals",
    )
    attributes = models.JSONField(default=dict, blank=True)
    import_source = models.CharField(max_length=40, blank=True)
    external_id = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["-opened_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["import_source", "external_id"],
                condition=~models.Q(external_id=""),
                name="deal_unique_external_id",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="deal_amount_positive"),
            models.CheckConstraint(
                condition=~models.Q(stage__in=["won", "lost"]) | models.Q(closed_on__isnull=False),
                name="closed_deal_has_close_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(stage="lost") | ~models.Q(lost_reason=""),
                name="lost_deal_has_reason",
            ),
        ]
        indexes = [
            # The dashboard's deals won (or lost) in a period.
            models.Index(fields=["stage", "closed_on"], name="deal_stage_closed"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.stage in (DealStage.WON, DealStage.LOST)

    @property
    def is_won(self) -> bool:
        return self.stage == DealStage.WON


class EventType(models.TextChoices):
    PAGE = "page", "Page view"
    SCREEN = "screen", "Screen view"
    TRACK = "track", "Action"
    IDENTIFY = "identify", "Identify"
    GROUP = "group", "Group"
    ALIAS = "alias", "Alias"
    FORM = "form", "Form submission"
    EMAIL = "email", "Email"


class Event(models.Model):
    """An activity of a lead, or of a visitor not yet identified (then only `anonymous_id` or
    `user_id`).

    Events that came through the tracking API keep their source, the client's `messageId` and
    all four of Segment's times: `original_timestamp` (the device's clock when the call was
    made), `sent_at` (the device's clock when it was sent), `received_at` (the server's clock)
    and `occurred_at`, the original time corrected for the device's clock skew.
    """

    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    anonymous_id = models.CharField(max_length=100, blank=True)
    user_id = models.CharField(max_length=100, blank=True)
    type = models.CharField(max_length=20, choices=EventType.choices)
    name = models.CharField(max_length=200, blank=True)
    properties = models.JSONField(default=dict, blank=True)
    # What the person told about themselves (identify, form) or their company (group): kept
    # apart from `properties`, which scoring rules test.
    traits = models.JSONField(default=dict, blank=True)
    context = models.JSONField(default=dict, blank=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.ForeignKey(
        "people.Source", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message_id = models.CharField(max_length=100, blank=True)
    occurred_at = models.DateTimeField()
    original_timestamp = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # Tracking clients retry whole batches; each message is stored once.
            models.UniqueConstraint(
                fields=["source", "message_id"],
                condition=~models.Q(message_id=""),
                name="event_unique_message",
            ),
        ]
        indexes = [
            models.Index(fields=["lead", "-occurred_at"], name="event_lead_recent"),
            models.Index(
                fields=["anonymous_id"],
                condition=models.Q(lead__isnull=True),
                name="event_unstitched",
            ),
            models.Index(
                fields=["user_id"],
                condition=models.Q(lead__isnull=True) & ~models.Q(user_id=""),
                name="event_unstitched_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.name}".strip()


class StageChangeQuerySet(models.QuerySet["StageChange"]):
    def update(self, **kwargs: object) -> int:
        raise Conflict(LEDGER_IS_APPEND_ONLY)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise Conflict(LEDGER_IS_APPEND_ONLY)


class StageChange(models.Model):
    """One row of the append-only stage ledger. Written only by `leads.lifecycle`."""

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="stage_changes")
    # Empty when the lead entered the lifecycle with this change.
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    at = models.DateTimeField()
    # The month of `at` in the organisation's time zone, stored so reports group without
    # computing dates row by row.
    month = models.DateField()
    # A person, or None for the system; `actor_label` then says which part of it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    # The lead agreement whose rules made this change, when a rule made it (e.g. MQL by score).
    agreement_version = models.ForeignKey(
        "agreement.AgreementVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = StageChangeQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["lead", "at"], name="stagechange_lead_at"),
            models.Index(fields=["-at", "-id"], name="stagechange_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.from_stage or '∅'} → {self.to_stage} at {self.at:%Y-%m-%d}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise Conflict(LEDGER_IS_APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise Conflict(LEDGER_IS_APPEND_ONLY)


class StageReach(models.Model):
    """The first time a lead reached a stage. Derived from the ledger by `leads.funnel`.

    A lead reaches a stage of the main path when it first enters that stage or any later one,
    counting from the stage it entered the lifecycle at: a lead that jumps from MQL to customer
    has passed SAL, SQL and opportunity too.
    """

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    at = models.DateTimeField()
    month = models.DateField()
    # How long the lead spent in the previous stage of the main path: from reaching it to
    # reaching this one (zero when a jump passed it). None for a side stage and for the stage
    # the lead entered the lifecycle at. Never changes once written (both reaches are firsts),
    # and spares the dashboard a lookup and a date computation per row.
    time_in_previous_stage = models.DurationField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "stage"], name="stagereach_once_per_stage"),
        ]
        indexes = [
            # The dashboard reads a period's reaches of one stage; with the lead and the time
            # in the previous stage in the index, neither database visits the table for them.
            models.Index(
                fields=["stage", "at", "lead", "time_in_previous_stage"],
                name="stagereach_stage_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} reached {self.stage} in {self.month:%Y-%m}"


class FunnelMonth(models.Model):
    """Rollup of `StageReach`: per stage and month, how many leads reached it and how many of
    those went on to the next stage of the main path. Kept up to date by `leads.lifecycle` in
    the same transaction as the ledger row, so the dashboard never scans the ledger."""

    stage = models.CharField(max_length=20, choices=Stage.choices)
    month = models.DateField()
    reached = models.PositiveIntegerField(default=0)
    advanced = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["month", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "month"], name="funnelmonth_one_row"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.month:%Y-%m}: {self.reached} reached, {self.advanced} advanced"


class FunnelDay(models.Model):
    """`FunnelMonth` by day (in the organisation's time zone): per stage and day, how many
    leads first reached the stage that day, and how many of those have reached the next stage
    of the main path since. Kept by `leads.lifecycle` with the ledger row, like `FunnelMonth`;
    the dashboard reads it for any period of whole days when nothing narrows the leads."""

    stage = models.CharField(max_length=20, choices=Stage.choices)
    day = models.DateField()
    reached = models.PositiveIntegerField(default=0)
    advanced = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "stage"]
        constraints = [
            models.UniqueConstraint(fields=["day", "stage"], name="funnelday_one_row"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} {self.day}: {self.reached} reached, {self.advanced} advanced"


class IdentityKind(models.TextChoices):
    ANONYMOUS = "anonymous", "Anonymous id"
    USER = "user", "User id"


class Identity(models.Model):
    """An id a tracking client knows a person by, and the lead it belongs to.

    An anonymous id names a browser or device; a user id names a person in the customer's own
    systems. Events carrying either are attached to the lead (stitched) once it is known. An
    alias between two ids neither of which has a lead yet is kept in `same_as_user_id` until
    that user id is identified.
    """

    kind = models.CharField(max_length=20, choices=IdentityKind.choices)
    value = models.CharField(max_length=100)
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="identities"
    )
    same_as_user_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_unique_value"),
        ]
        indexes = [
            models.Index(
                fields=["same_as_user_id"],
                condition=models.Q(lead__isnull=True),
                name="identity_pending_alias",
            ),
        ]
        verbose_name_plural = "identities"

    def __str__(self) -> str:
        return f"{self.kind} {self.value} → {self.lead_id or '?'}"


class ConsentPurpose(models.TextChoices):
    MARKETING_EMAIL = "marketing_email", "Marketing email"


class Consent(models.Model):
    """A lead's answer to a consent question, with the exact wording they saw; append-only, the
    latest row per lead and purpose is the answer in force."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=40, choices=ConsentPurpose.choices)
    granted = models.BooleanField()
    wording = models.TextField()
    # Where it was given, e.g. "form:webinar-signup".
    origin = models.CharField(max_length=200)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["lead", "purpose", "-at"], name="consent_latest")]

    def __str__(self) -> str:
        answer = "granted" if self.granted else "refused"
        return f"{self.lead_id} {answer} {self.purpose} at {self.at:%Y-%m-%d}"
