"""The shapes of the campaigns API."""

import datetime as dt

from ninja import Field, Schema

from tandem.campaigns.models import Channel
from tandem.core.schemas import InSchema, PersonRef, patch_field

MAX_ID = 2**63 - 1
UTM_KEY_PATTERN = r"^[-a-zA-Z0-9_]+$"
UTM_KEY_DESCRIPTION = (
    "The utm_campaign value that ties visits and leads to the campaign: letters, digits, "
    "hyphens and underscores; unique among campaigns."
)


class CampaignOut(Schema):
    id: int = Field(description="The campaign's id.")
    name: str = Field(description="The campaign's name.")
    utm_key: str = Field(description=UTM_KEY_DESCRIPTION)
    channel: Channel = Field(description="The channel the campaign runs on.")
    audience_segment: str = Field(description="The segment the campaign is aimed at.")
    starts_on: dt.date | None = Field(description="The first day the campaign runs.")
    ends_on: dt.date | None = Field(description="The last day the campaign runs.")
    owner: PersonRef | None = Field(description="The person in marketing who owns the campaign.")
    created_at: dt.datetime = Field(description="When the campaign was created.")
    updated_at: dt.datetime = Field(description="When the campaign last changed.")


class CampaignIn(InSchema):
    name: str = Field(min_length=1, max_length=200, description="The campaign's name.")
    utm_key: str = Field(
        min_length=1, max_length=120, pattern=UTM_KEY_PATTERN, description=UTM_KEY_DESCRIPTION
    )
    channel: Channel = Field(description="The channel the campaign runs on.")
    audience_segment: str = Field(
        "", max_length=100, description="The segment the campaign is aimed at."
    )
    starts_on: dt.date | None = Field(None, description="The first day the campaign runs.")
    ends_on: dt.date | None = Field(
        None, description="The last day the campaign runs; not before starts_on."
    )
    owner_id: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="The campaign's owner. Left out, it is you; null means nobody.",
    )


class CampaignPatch(InSchema):
    """Only the fields sent are changed."""

    name: str = patch_field(min_length=1, max_length=200, description="The campaign's name.")
    utm_key: str = patch_field(
        min_length=1, max_length=120, pattern=UTM_KEY_PATTERN, description=UTM_KEY_DESCRIPTION
    )
    channel: Channel = patch_field(description="The channel the campaign runs on.")
    audience_segment: str = patch_field(
        max_length=100, description="The segment the campaign is aimed at."
    )
    starts_on: dt.date | None = patch_field(description="The first day the campaign runs.")
    ends_on: dt.date | None = patch_field(
        description="The last day the campaign runs; not before starts_on."
    )
    owner_id: int | None = patch_field(
        ge=1, le=MAX_ID, description="The campaign's owner, or null for nobody."
    )


class CampaignFilter(Schema):
    search: str = Field(
        "", max_length=100, description="Text the campaign's name or UTM key contains."
    )
    channel: Channel | None = Field(None, description="Only campaigns on this channel.")
    segment: str = Field(
        "", max_length=100, description="Only campaigns aimed at this audience segment."
    )

    def criteria(self) -> dict[str, str]:
        """The filters as `campaigns.queries.campaign_list` takes them."""
        return {
            "search": self.search.strip(),
            "channel": self.channel or "",
            "segment": self.segment,
        }


class CampaignPage(Schema):
    count: int = Field(description="How many campaigns match, over all pages.")
    items: list[CampaignOut] = Field(description="This page of campaigns, latest start first.")
