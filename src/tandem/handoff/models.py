from django.conf import settings
from django.db import models

from tandem.core.models import TimestampedModel


class RoutingRule(TimestampedModel):
    """Where new MQLs go: the first active rule, by position, whose conditions all hold for the
    lead sends it to one rep or to a team, whose reps take turns by their capacity.

    Conditions are the lead agreement's fit conditions (`agreement.rules.FitCondition`): lead
    and company fields, custom attributes. A rule without conditions takes every lead.
    """

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveIntegerField(unique=True)
    conditions = models.JSONField(default=list, blank=True)
    team = models.ForeignKey(
        "people.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team__isnull=True, rep__isnull=False)
                | models.Q(team__isnull=False, rep__isnull=True),
                name="routing_rule_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"


class RepCapacity(models.Model):
    """How many open leads a rep takes at most — also their share of a team's leads — and
    whether they are away."""

    rep = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="capacity"
    )
    open_leads = models.PositiveIntegerField(default=20)
    away_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "rep capacities"

    def __str__(self) -> str:
        return f"{self.rep_id}: {self.open_leads}"


class Decision(models.TextChoices):
    """What sales did with an assigned lead."""

    ACCEPTED = "accepted", "Accepted"
    # Not decided within the agreement's window, and the agreement accepts such leads.
    ACCEPTED_BY_DEFAULT = "accepted_by_default", "Accepted by default"
    REJECTED = "rejected", "Rejected"


class Assignment(models.Model):
    """A lead given to a rep: by a routing rule, or by a manager. A lead has at most one
    current assignment; earlier ones are kept, ended."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="assignments")
    rep = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    # The rule that chose the rep; empty when a person did.
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500)
    assigned_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # The agreement whose service levels set the deadlines; none when no agreement was active.
    agreement_version = models.ForeignKey(
        "agreement.AgreementVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Deadlines in business hours of the agreement's time zone, set when the lead is assigned.
    accept_by = models.DateTimeField(null=True, blank=True)
    first_touch_by = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    first_touch_at = models.DateTimeField(null=True, blank=True)
    # Each reminder and breach is told once: the worker sets these as it tells.
    accept_reminded_at = models.DateTimeField(null=True, blank=True)
    touch_reminded_at = models.DateTimeField(null=True, blank=True)
    accept_breached_at = models.DateTimeField(null=True, blank=True)
    touch_breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead"],
                condition=models.Q(ended_at__isnull=True),
                name="assignment_one_current",
            ),
        ]
        indexes = [
            models.Index(
                fields=["rep"], condition=models.Q(ended_at__isnull=True), name="assignment_open"
            ),
            # The worker's look for deadlines coming up or passed.
            models.Index(
                fields=["accept_by"],
                condition=models.Q(ended_at__isnull=True, decided_at__isnull=True),
                name="assignment_undecided",
            ),
            models.Index(
                fields=["first_touch_by"],
                condition=models.Q(ended_at__isnull=True, first_touch_at__isnull=True),
                name="assignment_untouched",
            ),
            # The dashboard's handoffs made in a period.
            models.Index(fields=["assigned_at"], name="assignment_assigned_at"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} → {self.rep_id}"


class TouchKind(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    MEETING = "meeting", "Meeting"


class Touch(models.Model):
    """A rep's contact with a lead; the first of an assignment sets its speed to lead."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="touches")
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="touches"
    )
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=TouchKind.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["lead", "-at"], name="touch_lead_recent")]

    def __str__(self) -> str:
        return f"{self.kind} {self.lead_id} at {self.at:%Y-%m-%d}"


class Rejection(models.Model):
    """Sales' answer that a lead is not ready (recycled) or never a fit (disqualified): one of
    the agreement's reasons, copied as it read then, and the rep's note."""

    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="rejections")
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="rejections"
    )
    rep = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason_code = models.CharField(max_length=60)
    reason_label = models.CharField(max_length=200)
    # "recycle" or "disqualify", as the reason said.
    outcome = models.CharField(max_length=20)
    note = models.TextField(blank=True)
    agreement_version = models.ForeignKey(
        "agreement.AgreementVersion", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["lead", "-at"], name="rejection_lead_recent"),
            models.Index(fields=["reason_code"], name="rejection_reason"),
            # The dashboard's rejections made in a period.
            models.Index(fields=["at"], name="rejection_at"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} rejected: {self.reason_code}"
