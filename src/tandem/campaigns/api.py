"""The campaigns API. Everyone on a team reads campaigns; marketing (and admins) change them."""

from typing import Any

from ninja import Query, Router, Status

from tandem.campaigns import services
from tandem.campaigns.closed_loop import ClosedLoop, campaign_closed_loop, closed_loop
from tandem.campaigns.models import Campaign
from tandem.campaigns.queries import access_campaign, campaign_list, require_campaign_editor
from tandem.campaigns.schemas import (
    CampaignClosedLoopOut,
    CampaignFilter,
    CampaignIn,
    CampaignOut,
    CampaignPage,
    CampaignPatch,
    ClosedLoopByQuery,
    ClosedLoopOut,
    ClosedLoopQuery,
)
from tandem.core.api_support import ApiRequest, page_of
from tandem.core.schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut, PageQuery

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


@router.get("/closed-loop", response={200: ClosedLoopOut, 400: ErrorOut, **READ_ERRORS})
def get_closed_loop(request: ApiRequest, query: Query[ClosedLoopByQuery]) -> ClosedLoop:
    """What sales made of the leads that became MQL in the period, one row per campaign,
    channel, landing page or segment."""
    return closed_loop(
        request.auth,
        by=query.by,
        touch=query.touch,
        mql_from=query.mql_from,
        mql_to=query.mql_to,
    )


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


@router.get(
    "/{campaign_id}/closed-loop",
    response={200: CampaignClosedLoopOut, 400: ErrorOut, **READ_ERRORS},
)
def get_campaign_closed_loop(
    request: ApiRequest, campaign_id: int, query: Query[ClosedLoopQuery]
) -> dict[str, Any]:
    """What sales made of the campaign's leads that became MQL in the period."""
    campaign = access_campaign(request.auth, campaign_id)
    row = campaign_closed_loop(
        request.auth, campaign, touch=query.touch, mql_from=query.mql_from, mql_to=query.mql_to
    )
    return {
        "campaign": campaign,
        "touch": query.touch,
        "mql_from": query.mql_from,
        "mql_to": query.mql_to,
        "closed_loop": row,
    }
