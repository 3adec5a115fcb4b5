"""The routing API. Everyone on a team reads the rules and the reps' capacities; sales managers
and admins change them."""

from typing import Any

from ninja import Query, Router, Status

from tandem.core.api_support import ApiRequest, page_of
from tandem.core.schemas import READ_ERRORS, WRITE_ERRORS, PageQuery
from tandem.core.time import now
from tandem.handoff import routing_queries, services
from tandem.handoff.models import RoutingRule
from tandem.handoff.routing_queries import RepLoad
from tandem.handoff.routing_schemas import (
    RepCapacityIn,
    RepCapacityList,
    RepCapacityOut,
    RoutingRuleDeletedOut,
    RoutingRuleIn,
    RoutingRuleOut,
    RoutingRulePage,
    RoutingRulePatch,
)

router = Router(tags=["routing"])


def _targets(fields: dict[str, Any]) -> dict[str, Any]:
    """team_id and rep_id, where sent, as the team and the person the services take."""
    targets: dict[str, Any] = {}
    if "team_id" in fields:
        team_id = fields.pop("team_id")
        targets["team"] = routing_queries.find_team(team_id) if team_id is not None else None
    if "rep_id" in fields:
        rep_id = fields.pop("rep_id")
        targets["rep"] = routing_queries.find_person(rep_id) if rep_id is not None else None
    return {**fields, **targets}


@router.get("/rules", response={200: RoutingRulePage, **READ_ERRORS})
def list_rules(request: ApiRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """Every rule, active or not, in the order they are tried."""
    routing_queries.require_routing_reader(request.auth)
    return page_of(routing_queries.rules(), page)


@router.post("/rules", response={201: RoutingRuleOut, **WRITE_ERRORS})
def create_rule(request: ApiRequest, payload: RoutingRuleIn) -> Status[RoutingRule]:
    routing_queries.require_routing_manager(request.auth)
    rule = services.add_rule(by=request.auth, **_targets(payload.model_dump()))
    return Status(201, routing_queries.access_rule(request.auth, rule.pk))


@router.get("/rules/{rule_id}", response={200: RoutingRuleOut, **READ_ERRORS})
def get_rule(request: ApiRequest, rule_id: int) -> RoutingRule:
    return routing_queries.access_rule(request.auth, rule_id)


@router.patch("/rules/{rule_id}", response={200: RoutingRuleOut, **WRITE_ERRORS})
def update_rule(request: ApiRequest, rule_id: int, payload: RoutingRulePatch) -> RoutingRule:
    """Change the fields sent, and only those."""
    rule = routing_queries.access_rule(request.auth, rule_id)
    routing_queries.require_routing_manager(request.auth)
    changes = _targets(payload.model_dump(exclude_unset=True))
    services.update_rule(rule=rule, by=request.auth, changes=changes)
    return routing_queries.access_rule(request.auth, rule_id)


@router.delete("/rules/{rule_id}", response={200: RoutingRuleDeletedOut, **WRITE_ERRORS})
def delete_rule(request: ApiRequest, rule_id: int) -> dict[str, Any]:
    """Delete the rule; one that placed leads is deactivated instead."""
    rule = routing_queries.access_rule(request.auth, rule_id)
    deleted = services.delete_rule(rule=rule, by=request.auth)
    return {"deleted": deleted, "rule": None if deleted else rule}


@router.get("/capacities", response={200: RepCapacityList, **READ_ERRORS})
def list_capacities(request: ApiRequest) -> dict[str, Any]:
    """Every active sales rep: capacity, open leads, and whether routing skips them now."""
    routing_queries.require_routing_reader(request.auth)
    loads = routing_queries.rep_loads(now())
    return {"count": len(loads), "items": loads}


@router.put("/capacities/{user_id}", response={200: RepCapacityOut, **WRITE_ERRORS})
def set_capacity(request: ApiRequest, user_id: int, payload: RepCapacityIn) -> RepLoad:
    rep = routing_queries.access_rep(request.auth, user_id)
    routing_queries.require_routing_manager(request.auth)
    services.set_capacity(by=request.auth, rep=rep, **payload.model_dump())
    return routing_queries.load_of(rep, now())
