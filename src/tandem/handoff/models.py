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
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} → {self.rep_id}"
