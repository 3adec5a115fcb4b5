"""Reads of campaigns and their permission-checked fetch."""

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from tandem.campaigns.models import Campaign
from tandem.core.errors import NotFound
from tandem.core.roles import EDITS_CAMPAIGNS
from tandem.leads.queries import require_editor, require_role

CAMPAIGN_NOT_FOUND = "There is no campaign {campaign_id}."


def visible_campaigns(actor: User) -> QuerySet[Campaign]:
    """Campaigns are shared: everyone on a team reads them all (sales needs the briefs)."""
    require_role(actor)
    return Campaign.objects.select_related("owner")


def access_campaign(actor: User, campaign_id: int, *, write: bool = False) -> Campaign:
    require_role(actor)
    campaign = Campaign.objects.select_related("owner").filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound(CAMPAIGN_NOT_FOUND.format(campaign_id=campaign_id))
    if write:
        require_editor(actor, roles=EDITS_CAMPAIGNS, things="campaigns")
    return campaign


def require_campaign_editor(actor: User) -> None:
    require_editor(actor, roles=EDITS_CAMPAIGNS, things="campaigns")


def campaign_list(
    actor: User, *, search: str = "", channel: str = "", segment: str = ""
) -> QuerySet[Campaign]:
    campaigns = visible_campaigns(actor)
    if search:
        campaigns = campaigns.filter(Q(name__icontains=search) | Q(utm_key__icontains=search))
    if channel:
        campaigns = campaigns.filter(channel=channel)
    if segment:
        campaigns = campaigns.filter(audience_segment=segment)
    return campaigns
