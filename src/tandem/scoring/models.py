from django.db import models

from tandem.agreement.rules import Grade
from tandem.core.models import RowidOneToOneField


class EventKind(models.Model):
    """What an event is, without who or when: its type, name and properties.

    Events that look alike share a kind, so a rule is matched once per kind rather than once per
    event, whatever the number of events.
    """

    type = models.CharField(max_length=20)
    name = models.CharField(max_length=200, blank=True)
    properties = models.JSONField(default=dict, blank=True)
    # SHA-256 of the canonical JSON of (type, name, properties): the kind's identity.
    fingerprint = models.CharField(max_length=64, unique=True)

    def __str__(self) -> str:
        return f"{self.type} {self.name}".strip()


class LeadActivity(models.Model):
    """A lead's events in the compact form the scoring engine reads: (time, kind) pairs.

    Derived from `leads.Event` by `scoring.activity`: appended to as events are recorded, and
    rebuilt from the events table after bulk loads. Rescoring a million leads reads these rows
    instead of ten million events.
    """

    lead = RowidOneToOneField(
        "leads.Lead", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # Packed little-endian (seconds since the epoch: int64, kind id: uint32), oldest first.
    events = models.BinaryField(default=b"")
    event_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.event_count} events"


class LeadScore(models.Model):
    """A lead's fit grade and engagement score under one agreement version, with their reasons."""

    # Scores are derived rows, replaced wholesale by each rescoring: the database does not check
    # their references row by row (that would cost a third of writing a million scores); the
    # ORM still deletes a lead's score with the lead.
    lead = RowidOneToOneField(
        "leads.Lead",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="score",
        db_constraint=False,
    )
    # Not indexed either: every row of a rescoring names the same version.
    version = models.ForeignKey(
        "agreement.AgreementVersion",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    fit_points = models.IntegerField()
    grade = models.CharField(max_length=1, choices=[(grade.value, grade.value) for grade in Grade])
    score = models.IntegerField()
    meets_mql = models.BooleanField()
    # Points per rule, packed float32, fit rules then engagement rules in the version's order;
    # `scoring.explain` turns them back into sentences.
    contributions = models.BinaryField()
    scored_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.grade} {self.score}"
