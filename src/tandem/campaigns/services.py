"""Writes for campaigns."""

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from tandem.campaigns.models import Campaign
from tandem.core.errors import Conflict, DomainError, check_known_fields
from tandem.core.roles import EDITS_CAMPAIGNS
from tandem.people.queries import role_of

UTM_KEY_TAKEN = "Another campaign already uses the UTM key {utm_key}."
OWNER_NOT_IN_MARKETING = "Person {owner_id} is not an active marketer, so cannot own a campaign."
ENDS_BEFORE_START = "A campaign cannot end ({ends_on}) before it starts ({starts_on})."

# A campaign is owned by someone who may edit it.
CAMPAIGN_OWNER_ROLES = EDITS_CAMPAIGNS
# The brief: what sales reads on the card of every lead the campaign touched.
BRIEF_FIELDS = frozenset({"product", "message", "hook", "offer", "audience"})
CAMPAIGN_FIELDS = (
    frozenset(
        {"name", "utm_key", "channel", "audience_segment", "starts_on", "ends_on", "owner_id"}
    )
    | BRIEF_FIELDS
)


def _check(campaign: Campaign) -> None:
    if campaign.owner_id is not None:
        owner = User.objects.filter(pk=campaign.owner_id, is_active=True).first()
        if owner is None or role_of(owner) not in CAMPAIGN_OWNER_ROLES:
            raise DomainError(
                OWNER_NOT_IN_MARKETING.format(owner_id=campaign.owner_id),
                fields={"owner_id": "not in marketing"},
            )
    if campaign.starts_on and campaign.ends_on and campaign.ends_on < campaign.starts_on:
        raise DomainError(
            ENDS_BEFORE_START.format(ends_on=campaign.ends_on, starts_on=campaign.starts_on),
            fields={"ends_on": "before starts_on"},
        )
    clash = Campaign.objects.filter(utm_key=campaign.utm_key).exclude(pk=campaign.pk)
    if clash.exists():
        raise Conflict(
            UTM_KEY_TAKEN.format(utm_key=campaign.utm_key),
            code="taken",
            fields={"utm_key": "taken"},
        )


@transaction.atomic
def create_campaign(
    *, by: User | None, name: str, utm_key: str, channel: str, **fields: Any
) -> Campaign:
    """Create a campaign; its owner defaults to the person creating it."""
    check_known_fields(fields, CAMPAIGN_FIELDS)
    if "owner_id" not in fields and by is not None:
        fields["owner_id"] = by.pk
    campaign = Campaign(name=name, utm_key=utm_key, channel=channel, **fields)
    _check(campaign)
    campaign.save()
    return campaign


@transaction.atomic
def update_campaign(*, campaign: Campaign, by: User | None, changes: Mapping[str, Any]) -> Campaign:
    """Change a campaign's fields."""
    check_known_fields(changes, CAMPAIGN_FIELDS)
    for field, value in changes.items():
        setattr(campaign, field, value)
    _check(campaign)
    campaign.save(update_fields=[*changes, "updated_at"])
    return campaign
