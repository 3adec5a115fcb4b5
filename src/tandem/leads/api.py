"""The leads, companies and deals API. Handlers parse, fetch through `access_*`, call one service
or query and return an Out schema; permission rules live in `leads.queries`."""

from typing import Any

from django.db.models import QuerySet
from ninja import Query, Router, Status

from tandem.core.api_support import ApiRequest, page_of
from tandem.core.errors import NotFound
from tandem.core.schemas import READ_ERRORS, WRITE_ERRORS, PageQuery
from tandem.handoff import services as handoff_services
from tandem.leads import lifecycle, services
from tandem.leads.models import Company, Deal, Lead, StageChange
from tandem.leads.queries import (
    access_company,
    access_deal,
    access_lead,
    lead_list,
    require_company_editor,
    require_deal_editor,
    require_lead_editor,
    stage_history,
    visible_companies,
    visible_deals,
)
from tandem.leads.schemas import (
    CompanyFilter,
    CompanyIn,
    CompanyOut,
    CompanyPage,
    CompanyPatch,
    DealFilter,
    DealIn,
    DealOut,
    DealPage,
    DealPatch,
    LeadFilter,
    LeadIn,
    LeadOut,
    LeadPage,
    LeadPatch,
    StageChangeOut,
    StageMoveIn,
    StageMoveOut,
)
from tandem.scoring.queries import ScoreExplanation, score_explanation
from tandem.scoring.schemas import ScoreOut

leads_router = Router(tags=["leads"])
companies_router = Router(tags=["companies"])
deals_router = Router(tags=["deals"])

# Leads ------------------------------------------------------------------------------------

NOT_SCORED = "This lead has not been scored yet: leads are scored once a lead agreement is active."


@leads_router.get("", response={200: LeadPage, **READ_ERRORS})
def list_leads(
    request: ApiRequest, filters: Query[LeadFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """The leads you may see, latest stage change first."""
    return page_of(lead_list(request.auth, filters.criteria()), page)


@leads_router.post("", response={201: LeadOut, **WRITE_ERRORS})
def create_lead(request: ApiRequest, payload: LeadIn) -> Status[Lead]:
    """Create a lead at a stage of the main path, appending the first ledger row."""
    require_lead_editor(request.auth)
    return Status(201, services.create_lead(by=request.auth, **payload.model_dump()))


@leads_router.get("/{lead_id}", response={200: LeadOut, **READ_ERRORS})
def get_lead(request: ApiRequest, lead_id: int) -> Lead:
    return access_lead(request.auth, lead_id)


@leads_router.patch("/{lead_id}", response={200: LeadOut, **WRITE_ERRORS})
def update_lead(request: ApiRequest, lead_id: int, payload: LeadPatch) -> Lead:
    """Change the fields sent, and only those. The stage changes through `/stage`."""
    lead = access_lead(request.auth, lead_id, write=True)
    return services.update_lead(
        lead=lead, by=request.auth, changes=payload.model_dump(exclude_unset=True)
    )


@leads_router.post("/{lead_id}/stage", response={200: StageMoveOut, **WRITE_ERRORS})
def move_lead(request: ApiRequest, lead_id: int, payload: StageMoveIn) -> dict[str, Any]:
    """Move the lead to another stage. A move the lifecycle forbids answers 409."""
    lead = access_lead(request.auth, lead_id, write=True)
    handoff_services.check_stage_move(lead=lead, to_stage=payload.stage)
    change = lifecycle.change_stage(
        lead=lead, to_stage=payload.stage, by=request.auth, reason=payload.reason
    )
    return {"lead": lead, "change": change}


@leads_router.get("/{lead_id}/score", response={200: ScoreOut, **READ_ERRORS})
def lead_score(request: ApiRequest, lead_id: int) -> ScoreExplanation:
    """Why the lead has its grade and score, and why it is an MQL (or what it lacks)."""
    explanation = score_explanation(access_lead(request.auth, lead_id))
    if explanation is None:
        raise NotFound(NOT_SCORED, code="not_scored")
    return explanation


@leads_router.get("/{lead_id}/history", response={200: list[StageChangeOut], **READ_ERRORS})
def lead_history(request: ApiRequest, lead_id: int) -> QuerySet[StageChange]:
    """The lead's stage ledger, oldest first."""
    return stage_history(access_lead(request.auth, lead_id))


# Companies --------------------------------------------------------------------------------


@companies_router.get("", response={200: CompanyPage, **READ_ERRORS})
def list_companies(
    request: ApiRequest, filters: Query[CompanyFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """Every company (they are shared by all teams), by name."""
    return page_of(filters.filter(visible_companies(request.auth)), page)


@companies_router.post("", response={201: CompanyOut, **WRITE_ERRORS})
def create_company(request: ApiRequest, payload: CompanyIn) -> Status[Company]:
    require_company_editor(request.auth)
    return Status(201, services.create_company(by=request.auth, **payload.model_dump()))


@companies_router.get("/{company_id}", response={200: CompanyOut, **READ_ERRORS})
def get_company(request: ApiRequest, company_id: int) -> Company:
    return access_company(request.auth, company_id)


@companies_router.patch("/{company_id}", response={200: CompanyOut, **WRITE_ERRORS})
def update_company(request: ApiRequest, company_id: int, payload: CompanyPatch) -> Company:
    """Change the fields sent, and only those."""
    company = access_company(request.auth, company_id, write=True)
    return services.update_company(
        company=company, by=request.auth, changes=payload.model_dump(exclude_unset=True)
    )


# Deals ------------------------------------------------------------------------------------


@deals_router.get("", response={200: DealPage, **READ_ERRORS})
def list_deals(
    request: ApiRequest, filters: Query[DealFilter], page: Query[PageQuery]
) -> dict[str, Any]:
    """The deals of the leads you may see, latest opened first."""
    return page_of(filters.filter(visible_deals(request.auth)), page)


@deals_router.post("", response={201: DealOut, **WRITE_ERRORS})
def create_deal(request: ApiRequest, payload: DealIn) -> Status[Deal]:
    """Open a deal for a lead you may change. A deal created as won makes the lead a customer."""
    require_deal_editor(request.auth)
    lead = access_lead(request.auth, payload.lead_id, write=True)
    fields = payload.model_dump(exclude={"lead_id"})
    return Status(201, services.create_deal(lead=lead, by=request.auth, **fields))


@deals_router.get("/{deal_id}", response={200: DealOut, **READ_ERRORS})
def get_deal(request: ApiRequest, deal_id: int) -> Deal:
    return access_deal(request.auth, deal_id)


@deals_router.patch("/{deal_id}", response={200: DealOut, **WRITE_ERRORS})
def update_deal(request: ApiRequest, deal_id: int, payload: DealPatch) -> Deal:
    """Change the fields sent, and only those. Winning a deal makes its lead a customer."""
    deal = access_deal(request.auth, deal_id, write=True)
    return services.update_deal(
        deal=deal, by=request.auth, changes=payload.model_dump(exclude_unset=True)
    )
