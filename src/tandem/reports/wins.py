"""The wins feed: every won deal, announced to both teams with the credit shared.

A win is a `leads.Deal` at stage won. It credits the campaigns that brought its lead (the lead's
first and last touch) and the rep who closed it (the deal's owner).

Who reads it:
- everyone on a team, whatever deals they may open: a win is news for both sides;
- so the feed shows what a win is (deal, company, amount, date, rep, campaigns) and never the
  lead's contact details, which stay behind `leads.queries.access_lead`.
"""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from tandem.leads.models import Deal, DealStage
from tandem.leads.queries import require_role


def wins(actor: User) -> QuerySet[Deal]:
    """Won deals, the latest closed first, with what the feed shows of each loaded in one query."""
    require_role(actor)
    return (
        Deal.objects.filter(stage=DealStage.WON)
        .select_related(
            "company", "owner", "lead__first_touch_campaign", "lead__last_touch_campaign"
        )
        .order_by("-closed_on", "-id")
    )
