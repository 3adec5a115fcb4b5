"""Shared set-up for the report snapshot and wins tests."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User

from tandem.campaigns import services as campaign_services
from tandem.campaigns.models import Campaign
from tandem.core.testing import make_lead
from tandem.leads import lifecycle
from tandem.leads import services as lead_services
from tandem.leads.models import Deal, DealStage, Lead, Stage

# Wednesday 12 March 2025; its week runs 10 to 16 March.
MARCH_12 = dt.datetime(2025, 3, 12, 10, 0, tzinfo=dt.UTC)
MARCH_3 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)
MARCH_11 = dt.datetime(2025, 3, 11, 9, 0, tzinfo=dt.UTC)
TEAM_PERSONAS = [
    "marketer",
    "marketing_lead",
    "sales_rep",
    "other_rep",
    "manager",
    "rival_rep",
    "rival_manager",
    "executive",
    "admin",
]
TAKERS = ["marketing_lead", "manager", "rival_manager", "executive", "admin"]
READERS_ONLY = ["marketer", "sales_rep", "other_rep", "rival_rep"]


def make_mqls(count: int, *, at: dt.datetime, prefix: str) -> list[Lead]:
    """`count` leads that entered as leads and became MQL at `at`."""
    leads = []
    for number in range(count):
        lead = make_lead(at=at, email=f"{prefix}{number}@example.com")
        lifecycle.change_stage(lead=lead, to_stage=Stage.MQL, by=None, at=at)
        leads.append(lead)
    return leads


def make_campaign(name: str, owner: User) -> Campaign:
    return campaign_services.create_campaign(
        by=owner, name=name, utm_key=name.lower().replace(" ", "-"), channel="email"
    )


def make_win(
    *,
    name: str,
    owner: User | None,
    closed_on: dt.date,
    amount: str = "1000.00",
    first_touch: Campaign | None = None,
    last_touch: Campaign | None = None,
    stage: str = DealStage.WON,
) -> Deal:
    """A deal won (or closed otherwise) by `owner` for a new SQL lead with the given touches."""
    lead = make_lead(
        stage=Stage.SQL,
        owner=owner,
        email=f"{name.lower().replace(' ', '-')}@example.com",
        first_touch_campaign_id=first_touch.pk if first_touch else None,
        last_touch_campaign_id=last_touch.pk if last_touch else None,
    )
    return lead_services.create_deal(
        lead=lead,
        by=None,
        name=name,
        amount=Decimal(amount),
        currency="EUR",
        stage=stage,
        opened_on=closed_on - dt.timedelta(days=30),
        closed_on=closed_on,
        lost_reason="Price" if stage == DealStage.LOST else "",
        owner_id=owner.pk if owner else None,
    )
