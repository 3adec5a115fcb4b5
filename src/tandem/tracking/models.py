from django.conf import settings
from django.db import models

from tandem.core.models import TimestampedModel


class ReceivedBatch(models.Model):
    """The events one tracking request stored, waiting for the pipeline to attach them to leads
    and score them. Written in the request's transaction, so an acknowledged event is never
    forgotten; kept once processed, as the record of how long processing took."""

    source = models.ForeignKey("people.Source", on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()
    # The ids of the stored events, packed as little-endian 64-bit integers.
    event_ids = models.BinaryField()
    event_count = models.PositiveIntegerField()
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"], condition=models.Q(processed_at__isnull=True), name="batch_pending"
            ),
            models.Index(fields=["-received_at"], name="batch_recent"),
        ]
        verbose_name_plural = "received batches"

    def __str__(self) -> str:
        state = "processed" if self.processed_at else "pending"
        return f"{self.event_count} events from source {self.source_id}, {state}"


class Form(TimestampedModel):
    """A form on any website that posts to Tandem; each submission becomes a form event."""

    name = models.CharField(max_length=100, unique=True)
    # Public: it is in the HTML of the page that embeds the form.
    key = models.CharField(max_length=40, unique=True)
    source = models.ForeignKey("people.Source", on_delete=models.PROTECT, related_name="forms")
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The lead fields the form asks for, in order; `email` is always among them.
    fields = models.JSONField(default=list)
    # Empty when the form asks no consent; otherwise the exact sentence beside the checkbox.
    consent_wording = models.TextField(blank=True)
    # Where a person is sent after an HTML submission; empty shows Tandem's thank-you page.
    redirect_url = models.URLField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.archived_at is None


class SubmissionOutcome(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    HONEYPOT = "honeypot", "Spam: hidden field filled"
    TOO_FAST = "too_fast", "Spam: sent too soon after the form was shown"
    RATE_LIMITED = "rate_limited", "Too many from one address"


class FormSubmission(models.Model):
    """Every post to a form, kept or turned away, so spam protection can be seen to work."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="submissions")
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=SubmissionOutcome.choices)
    # A keyed hash of the sender's address: enough to rate-limit, not enough to know them.
    address_digest = models.CharField(max_length=64)
    event = models.ForeignKey(
        "leads.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["address_digest", "-received_at"], name="submission_by_address"),
            models.Index(fields=["form", "-received_at"], name="submission_by_form"),
        ]

    def __str__(self) -> str:
        return f"{self.form_id} {self.outcome} at {self.received_at:%Y-%m-%d %H:%M}"
