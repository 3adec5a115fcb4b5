"""Nurture: drip sequences of emails for recycled leads, who is in which, and what was sent."""

from django.conf import settings
from django.db import models

from tandem.core.models import TimestampedModel


class Sequence(TimestampedModel):
    """An ordered set of emails a recycled lead receives, waits between them, until it ends.

    A lead entering `recycled` joins the first active sequence, by `position`, whose segment is
    its company's or that names none.
    """

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    # Lower first, when more than one sequence would take a lead.
    position = models.PositiveIntegerField(default=1)
    # Only leads whose company is in this segment; empty takes every lead.
    segment = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    """One email of a sequence. `wait_days` counts from the previous email, or from enrolment
    for the first step."""

    sequence = models.ForeignKey(Sequence, on_delete=models.CASCADE, related_name="steps")
    # 1, 2, 3…: the order the emails go out in.
    position = models.PositiveSmallIntegerField()
    subject = models.CharField(max_length=200)
    body = models.TextField()
    content_url = models.URLField(max_length=500)
    content_title = models.CharField(max_length=200)
    wait_days = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["sequence", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sequence", "position"], name="step_unique_position"),
            models.CheckConstraint(condition=models.Q(position__gte=1), name="step_position_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.sequence_id} #{self.position}: {self.subject}"


class EndReason(models.TextChoices):
    COMPLETED = "completed", "Completed"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    RETURNED_TO_MQL = "returned_to_mql", "Returned to MQL"
    # Moved by sales or a rule to a stage other than MQL (back to lead, disqualified).
    LEFT_RECYCLED = "left_recycled", "Left recycled"
    # The lead's marketing-email consent in force is a refusal, given anywhere.
    CONSENT_REFUSED = "consent_refused", "Consent refused"
    # The lead's email address was removed while it was enrolled.
    NO_ADDRESS = "no_address", "No email address"


class Enrolment(models.Model):
    """A lead's way through a sequence: which step goes out next, and when."""

    lead = models.ForeignKey(
        "leads.Lead", on_delete=models.CASCADE, related_name="nurture_enrolments"
    )
    sequence = models.ForeignKey(Sequence, on_delete=models.PROTECT, related_name="enrolments")
    started_at = models.DateTimeField()
    # The position of the step to send next; steps may be edited, so it is a position and not a
    # step row. Null once every step went out.
    next_position = models.PositiveSmallIntegerField(null=True, blank=True)
    next_send_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"],
                condition=models.Q(ended_at__isnull=True),
                name="enrolment_one_open_per_lead",
            ),
            models.CheckConstraint(
                condition=(models.Q(ended_at__isnull=True) & models.Q(end_reason=""))
                | (models.Q(ended_at__isnull=False) & ~models.Q(end_reason="")),
                name="enrolment_ended_with_reason",
            ),
        ]
        indexes = [
            # The worker's look-up, every minute: open enrolments due, oldest first.
            models.Index(
                fields=["next_send_at"],
                condition=models.Q(ended_at__isnull=True),
                name="enrolment_due",
            ),
            models.Index(fields=["sequence", "-started_at"], name="enrolment_sequence_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} in {self.sequence_id}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class SentEmail(models.Model):
    """One email that went out. Its `token` is the key of its unsubscribe and content links."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="emails")
    # A step that went out cannot be removed: the links of its emails must keep working.
    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="sent_emails")
    sent_at = models.DateTimeField()
    # 256 random bits, URL-safe; unique, so the constraint's index finds the email.
    token = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.enrolment_id} step {self.step_id} at {self.sent_at:%Y-%m-%d %H:%M}"
