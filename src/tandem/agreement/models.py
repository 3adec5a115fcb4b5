import functools

from django.conf import settings
from django.db import models

from tandem.agreement.rules import Terms, parse_terms
from tandem.core.models import TimestampedModel
from tandem.core.roles import Role


class VersionStatus(models.TextChoices):
    """Draft → proposed → active → superseded. Only a draft's content may change."""

    DRAFT = "draft", "Draft"
    # Waiting for signatures; back to draft when withdrawn.
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    SUPERSEDED = "superseded", "Superseded"


class AgreementVersion(TimestampedModel):
    """One version of the lead agreement: its terms and where it stands in sign-off."""

    number = models.PositiveIntegerField(unique=True)
    status = models.CharField(
        max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    title = models.CharField(max_length=200)
    # What this version changes and why, for the signers.
    summary = models.TextField(blank=True)
    # Validated by `agreement.rules.Terms` on every write; read it through `terms`.
    content = models.JSONField()
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)
    # What rescoring did when this version became active: counts, kept for the record.
    activation_summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="active"),
                name="agreement_one_active_version",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.title}"

    @functools.cached_property
    def terms(self) -> Terms:
        return parse_terms(self.content)

    @property
    def is_editable(self) -> bool:
        return self.status == VersionStatus.DRAFT


class Signature(models.Model):
    """A person's explicit sign-off of a proposed version, in the role they held then."""

    version = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, related_name="signatures"
    )
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=Role.choices)
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "signer"], name="signature_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.signer_id} signed v{self.version_id} as {self.role}"
