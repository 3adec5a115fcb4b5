from typing import Any

from django.conf import settings
from django.db import models

from tandem.core.models import TimestampedModel
from tandem.planning.periods import PeriodKind


class Plan(TimestampedModel):
    """A named reverse-funnel plan for a month or a quarter, kept as it was computed.

    `inputs` are the values the planner used (flat names, see `planning.arithmetic`),
    `defaults` what the organisation's history gave for each (null where it had none), and
    `overridden` the names a person set instead. `result` is the computed plan. None of these
    change after creation: a different plan is a new plan. At most one plan is active; pacing
    follows it.
    """

    name = models.CharField(max_length=200)
    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField()
    target_revenue = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, help_text="ISO 4217")
    # The whole months of history the defaults were computed over, both days included.
    history_months = models.PositiveSmallIntegerField()
    history_first_day = models.DateField()
    history_last_day = models.DateField()
    inputs = models.JSONField()
    defaults = models.JSONField()
    overridden = models.JSONField(default=list)
    result = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="plan_one_active"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="plan_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(target_revenue__gt=0), name="plan_target_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def stage_rows(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = self.result["stages"]
        return rows
