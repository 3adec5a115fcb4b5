"""Reads of campaigns and their permission-checked fetch."""

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from tandem.campaigns.models import Campaign
from tandem.core.errors import NotFound
from tandem.core.roles import EDITS_CAMPAIGNS, SEES_ALL_LEADS
from tandem.handoff.models import Rejection
from tandem.leads.queries import require_editor, require_role, visible_leads
from tandem.people.queries import role_of

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


def may_edit_campaigns(actor: User) -> bool:
    """Whether pages offer the actor the campaign forms."""
    return role_of(actor) in EDITS_CAMPAIGNS


def campaign_owners() -> QuerySet[User]:
    """The people who may own a campaign: active, in a role that edits campaigns."""
    return User.objects.filter(is_active=True, membership__role__in=EDITS_CAMPAIGNS).order_by(
        "first_name", "last_name", "username"
    )


def recent_rejections(actor: User, campaign: Campaign, *, limit: int) -> list[Rejection]:
    """The latest rejections of leads the campaign touched (first or last touch, as the
    rejection notice goes to the owners of both), among the leads the actor may see.

    Not tied to the closed loop's period or attribution: the campaign's owner reads every
    answer sales gave about its leads, latest first.
    """
    require_role(actor)
    rejections = Rejection.objects.filter(
        Q(lead__first_touch_campaign=campaign) | Q(lead__last_touch_campaign=campaign)
    )
    if role_of(actor) not in SEES_ALL_LEADS:
        rejections = rejections.filter(lead__in=visible_leads(actor))
    return list(rejections.select_related("lead", "rep").order_by("-at", "-id")[:limit])


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
