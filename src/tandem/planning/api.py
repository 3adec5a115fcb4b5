"""The planning API. Everyone on a team reads plans and pacing; leadership, the marketing lead,
sales managers and admins make plans and choose the active one."""

from typing import Any

from ninja import Query, Router, Status

from tandem.core.api_support import ApiRequest, page_of
from tandem.core.schemas import READ_ERRORS, WRITE_ERRORS, PageQuery
from tandem.leads.queries import require_role
from tandem.planning import services
from tandem.planning.models import Plan
from tandem.planning.pacing import Pacing, pacing
from tandem.planning.queries import (
    History,
    access_active_plan,
    access_plan,
    history_defaults,
    plan_list,
    require_plan_editor,
)
from tandem.planning.schemas import (
    DefaultsOut,
    DefaultsQuery,
    PacingOut,
    PacingQuery,
    PlanIn,
    PlanOut,
    PlanPage,
)

router = Router(tags=["planning"])


@router.get("/plans", response={200: PlanPage, **READ_ERRORS})
def list_plans(request: ApiRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Every plan, the active one first, then the latest made."""
    return page_of(plan_list(request.auth), page)


@router.post("/plans", response={201: PlanOut, **WRITE_ERRORS})
def create_plan(request: ApiRequest, payload: PlanIn) -> Status[Plan]:
    """Compute and save a plan; inputs left out come from the organisation's history."""
    require_plan_editor(request.auth)
    plan = services.create_plan(
        by=request.auth,
        name=payload.name,
        period_kind=payload.period,
        starts_on=payload.starts_on,
        target_revenue=payload.target_revenue,
        currency=payload.currency,
        history_months=payload.history_months,
        overrides=payload.inputs.model_dump(exclude_none=True) if payload.inputs else {},
        activate=payload.activate,
    )
    return Status(201, plan)


@router.get("/defaults", response={200: DefaultsOut, **READ_ERRORS})
def get_defaults(request: ApiRequest, query: Query[DefaultsQuery]) -> History:
    """What the organisation's history gives for each plan input."""
    require_role(request.auth)
    return history_defaults(
        months=query.months, currency=query.currency, today=services.local_today()
    )


@router.get("/pacing", response={200: PacingOut, **READ_ERRORS})
def get_active_pacing(request: ApiRequest, query: Query[PacingQuery]) -> Pacing:
    """The active plan's pacing; 404 when no plan is active."""
    plan = access_active_plan(request.auth)
    return pacing(plan, grain=query.grain, source=query.source)


@router.get("/plans/{plan_id}", response={200: PlanOut, **READ_ERRORS})
def get_plan(request: ApiRequest, plan_id: int) -> Plan:
    return access_plan(request.auth, plan_id)


@router.post("/plans/{plan_id}/activate", response={200: PlanOut, **WRITE_ERRORS})
def activate_plan(request: ApiRequest, plan_id: int) -> Plan:
    """Make the plan the active one, which pacing follows."""
    plan = access_plan(request.auth, plan_id, write=True)
    return services.activate_plan(plan=plan, by=request.auth)


@router.get("/plans/{plan_id}/pacing", response={200: PacingOut, **READ_ERRORS})
def get_pacing(request: ApiRequest, plan_id: int, query: Query[PacingQuery]) -> Pacing:
    """Any plan's pacing as of today, active or not."""
    plan = access_plan(request.auth, plan_id)
    return pacing(plan, grain=query.grain, source=query.source)
