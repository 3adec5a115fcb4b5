from django.conf import settings
from django.db import models

from tandem.core.models import TimestampedModel


class Channel(models.TextChoices):
    PAID_SEARCH = "paid_search", "Paid search"
    ORGANIC_SEARCH = "organic_search", "Organic search"
    SOCIAL = "social", "Social"
    PAID_SOCIAL = "paid_social", "Paid social"
    EMAIL = "email", "Email"
    DISPLAY = "display", "Display"
    REFERRAL = "referral", "Referral"
    DIRECT = "direct", "Direct traffic"
    EVENT = "event", "Event"
    WEBINAR = "webinar", "Webinar"
    PARTNER = "partner", "Partner"
    OTHER = "other", "Other"
    # A source that did not say where the lead came from.
    UNKNOWN = "unknown", "Unknown"


class Campaign(TimestampedModel):
    name = models.CharField(max_length=200)
    # The value of utm_campaign that ties tracked visits and leads to this campaign.
    utm_key = models.SlugField(max_length=120, unique=True)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    audience_segment = models.CharField(max_length=100, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_campaigns",
    )
    # The brief, shown to sales on the card of every lead the campaign touched.
    product = models.CharField(max_length=200, blank=True, help_text="What the campaign sells")
    message = models.TextField(blank=True, help_text="The message, and its hook")
    hook = models.CharField(max_length=300, blank=True, help_text="What makes people act")
    offer = models.CharField(max_length=300, blank=True, help_text="What people are offered")
    audience = models.TextField(blank=True, help_text="Whom the campaign is for")

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.name
