"""The shapes of the wins feed API."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from tandem.campaigns.models import Campaign, Channel
from tandem.core.schemas import PersonRef
from tandem.leads.models import Deal


class CampaignRef(Schema):
    id: int = Field(description="The campaign's id.")
    name: str = Field(description="The campaign's name.")
    channel: Channel = Field(description="The campaign's channel.")


class WinOut(Schema):
    """A won deal, crediting the campaigns that brought its lead and the rep who closed it."""

    deal_id: int = Field(description="The won deal's id.")
    name: str = Field(description="The deal's name.")
    company: str | None = Field(description="The company's name, or null for none.")
    amount: Decimal = Field(description="The deal's value, in `currency`.")
    currency: str = Field(description="ISO 4217 currency code.")
    closed_on: dt.date = Field(description="The day the deal was won.")
    closed_by: PersonRef | None = Field(
        description="The rep who closed it (the deal's owner), or null when it has none."
    )
    first_touch_campaign: CampaignRef | None = Field(
        description="The campaign that first brought the lead, or null for none."
    )
    last_touch_campaign: CampaignRef | None = Field(
        description="The latest campaign that brought the lead back, or null for none."
    )

    @staticmethod
    def resolve_deal_id(deal: Deal) -> int:
        return deal.pk

    @staticmethod
    def resolve_company(deal: Deal) -> str | None:
        return deal.company.name if deal.company is not None else None

    @staticmethod
    def resolve_closed_by(deal: Deal) -> object:
        return deal.owner

    @staticmethod
    def resolve_first_touch_campaign(deal: Deal) -> Campaign | None:
        return deal.lead.first_touch_campaign

    @staticmethod
    def resolve_last_touch_campaign(deal: Deal) -> Campaign | None:
        return deal.lead.last_touch_campaign


class WinPage(Schema):
    count: int = Field(description="How many deals have been won, over all pages.")
    items: list[WinOut] = Field(description="This page of wins, the latest closed first.")
