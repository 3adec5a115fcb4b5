from django.conf import settings
from django.db import models


class NotificationKind(models.TextChoices):
    """What a notification is about; each kind is written by one service."""

    AGREEMENT_PROPOSED = "agreement_proposed", "Agreement proposed"
    AGREEMENT_SIGNED = "agreement_signed", "Agreement signed"
    AGREEMENT_ACTIVATED = "agreement_activated", "Agreement activated"
    # A proposal taken back to draft: the signatures it had were removed.
    AGREEMENT_WITHDRAWN = "agreement_withdrawn", "Agreement proposal withdrawn"
    LEAD_ASSIGNED = "lead_assigned", "Lead assigned"
    DEADLINE_NEAR = "deadline_near", "Service-level deadline near"
    DEADLINE_MISSED = "deadline_missed", "Service-level deadline missed"
    LEAD_REJECTED = "lead_rejected", "Lead rejected"
    LEAD_RETURNED = "lead_returned", "Lead back from nurture"


class Notification(models.Model):
    """A message to one person: shown in Tandem until read, and sent once by email."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    # A path inside Tandem where the subject can be read, e.g. /agreement/v/3/.
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell counts a person's unread rows on every page.
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
