"""The shapes of the campaigns API."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from tandem.campaigns.closed_loop import ClosedLoopRow, Dimension, Touch
from tandem.campaigns.models import Channel
from tandem.core.schemas import InSchema, PersonRef, patch_field

MAX_ID = 2**63 - 1
UTM_KEY_PATTERN = r"^[-a-zA-Z0-9_]+$"
UTM_KEY_DESCRIPTION = (
    "The utm_campaign value that ties visits and leads to the campaign: letters, digits, "
    "hyphens and underscores; unique among campaigns."
)
PRODUCT = "The brief: what the campaign sells."
MESSAGE = "The brief: the campaign's message."
HOOK = "The brief: the hook, what makes people act."
OFFER = "The brief: what people are offered."
AUDIENCE = "The brief: whom the campaign is for, in words."
# The model's limits; the two text fields get a bound the API can state.
PRODUCT_MAX = 200
HOOK_MAX = OFFER_MAX = 300
TEXT_MAX = 5000


class CampaignOut(Schema):
    id: int = Field(description="The campaign's id.")
    name: str = Field(description="The campaign's name.")
    utm_key: str = Field(description=UTM_KEY_DESCRIPTION)
    channel: Channel = Field(description="The channel the campaign runs on.")
    audience_segment: str = Field(description="The segment the campaign is aimed at.")
    starts_on: dt.date | None = Field(description="The first day the campaign runs.")
    ends_on: dt.date | None = Field(description="The last day the campaign runs.")
    owner: PersonRef | None = Field(description="The person in marketing who owns the campaign.")
    product: str = Field(description=PRODUCT)
    message: str = Field(description=MESSAGE)
    hook: str = Field(description=HOOK)
    offer: str = Field(description=OFFER)
    audience: str = Field(description=AUDIENCE)
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
    product: str = Field("", max_length=PRODUCT_MAX, description=PRODUCT)
    message: str = Field("", max_length=TEXT_MAX, description=MESSAGE)
    hook: str = Field("", max_length=HOOK_MAX, description=HOOK)
    offer: str = Field("", max_length=OFFER_MAX, description=OFFER)
    audience: str = Field("", max_length=TEXT_MAX, description=AUDIENCE)


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
    product: str = patch_field(max_length=PRODUCT_MAX, description=PRODUCT)
    message: str = patch_field(max_length=TEXT_MAX, description=MESSAGE)
    hook: str = patch_field(max_length=HOOK_MAX, description=HOOK)
    offer: str = patch_field(max_length=OFFER_MAX, description=OFFER)
    audience: str = patch_field(max_length=TEXT_MAX, description=AUDIENCE)


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


class ClosedLoopQuery(Schema):
    touch: Touch = Field(
        Touch.LAST,
        description="Which campaign and landing page a lead counts for: its last touch (a lead "
        "with only a first touch counts for that) or its first.",
    )
    mql_from: dt.date | None = Field(
        None,
        alias="from",
        description="Only leads that first became MQL on or after this day (YYYY-MM-DD, in the "
        "organisation's time zone). Left out, from the start.",
    )
    mql_to: dt.date | None = Field(
        None,
        alias="to",
        description="Only leads that first became MQL on or before this day. Left out, to now.",
    )


class ClosedLoopByQuery(ClosedLoopQuery):
    by: Dimension = Field(
        Dimension.CAMPAIGN,
        description="What one row is: a campaign, a channel, a landing page or a segment (of "
        "the lead's company).",
    )


class ReasonCountOut(Schema):
    code: str = Field(description="The rejection reason's code in the lead agreement.")
    label: str = Field(description="The reason's wording (its latest, if it was reworded).")
    count: int = Field(description="How many rejections gave this reason.")


class RevenueOut(Schema):
    currency: str = Field(description="ISO 4217 currency code.")
    amount: Decimal = Field(description="The won deals' amounts in this currency, added up.")


class ClosedLoopRowOut(Schema):
    key: str | None = Field(
        description="The campaign's id (as text), the channel's code, the landing page's "
        "address or the segment; null for the leads with none."
    )
    label: str = Field(description="The row's name for people, e.g. No campaign.")
    mqls: int = Field(description="Leads that first became MQL in the period.")
    accepted: int = Field(
        description="Handoffs of those leads that sales accepted, or that were accepted by "
        "default when not decided in time."
    )
    rejected: int = Field(description="Handoffs of those leads that sales rejected.")
    acceptance_rate: float | None = Field(
        description="accepted / (accepted + rejected); null before any decision."
    )
    reasons: list[ReasonCountOut] = Field(
        description="The rejections by reason, most frequent first."
    )
    sqls: int = Field(description="Of the MQLs, how many reached SQL (so far).")
    sql_rate: float | None = Field(description="sqls / mqls; null without MQLs.")
    won_deals: int = Field(description="Won deals of those leads.")
    revenue: list[RevenueOut] = Field(
        description="The won deals' amounts per currency; currencies are never converted."
    )
    median_speed_to_lead_seconds: float | None = Field(
        description="The median time from a handoff's assignment to sales' first touch, in "
        "seconds; null when sales touched none."
    )

    @staticmethod
    def resolve_median_speed_to_lead_seconds(row: ClosedLoopRow) -> float | None:
        speed = row.median_speed_to_lead
        return speed.total_seconds() if speed is not None else None


class ClosedLoopOut(Schema):
    by: Dimension = Field(description="What one row is.")
    touch: Touch = Field(description="The attribution used.")
    mql_from: dt.date | None = Field(description="The first day of the period, or null.")
    mql_to: dt.date | None = Field(description="The last day of the period, or null.")
    rows: list[ClosedLoopRowOut] = Field(
        description="One row per value, most MQLs first; the row of leads with none comes last."
    )
    total: ClosedLoopRowOut = Field(description="All the rows added up.")


class CampaignClosedLoopOut(Schema):
    campaign: CampaignOut = Field(description="The campaign.")
    touch: Touch = Field(description="The attribution used.")
    mql_from: dt.date | None = Field(description="The first day of the period, or null.")
    mql_to: dt.date | None = Field(description="The last day of the period, or null.")
    closed_loop: ClosedLoopRowOut = Field(description="The campaign's closed loop.")
