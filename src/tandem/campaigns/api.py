"""The campaigns API. Everyone on a team reads campaigns; marketing (and admins) change them."""

from typing import Any

from ninja import Query, Router, Status

from tandem.campaigns import services
from tandem.campaigns.models import Campaign
from tandem.campaigns.queries import access_campaign, campaign_list, require_campaign_editor
from tandem.campaigns.schemas import (
    CampaignFilter,
    CampaignIn,
    CampaignOut,
    CampaignPage,
    CampaignPatch,
)
from tandem.core.api_support import ApiRequest, page_of
from tandem.core.schemas import READ_ERRORS, WRITE_ERRORS, PageQuery

router = Router(tags=["campaigns"])


@router.get("", response={200: CampaignPage, **READ_ERRORS})
def list_campaigns(
    request: ApiRequest, filters: Query[CampaignFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """Every campaign, latest start first."""
    return page_of(campaign_list(request.auth, **filters.criteria()), page)


@router.post("", response={201: CampaignOut, **WRITE_ERRORS})
def create_campaign(request: ApiRequest, payload: CampaignIn) -> Status[Campaign]:
    require_campaign_editor(request.auth)
    # Unset fields are left to the service, so a campaign sent without an owner gets its creator.
    fields = payload.model_dump(exclude_unset=True)
    return Status(201, services.create_campaign(by=request.auth, **fields))


@router.get("/{campaign_id}", response={200: CampaignOut, **READ_ERRORS})
def get_campaign(request: ApiRequest, campaign_id: int) -> Campaign:
    return access_campaign(request.auth, campaign_id)


@router.patch("/{campaign_id}", response={200: CampaignOut, **WRITE_ERRORS})
def update_campaign(request: ApiRequest, campaign_id: int, payload: CampaignPatch) -> Campaign:
    """Change the fields sent, and only those."""
    campaign = access_campaign(request.auth, campaign_id, write=True)
    return services.update_campaign(
        campaign=campaign, by=request.auth, changes=payload.model_dump(exclude_unset=True)
    )
