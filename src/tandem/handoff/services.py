"""Routing: each new MQL goes to a rep by the first routing rule it meets, within a team by turns
weighted by each rep's capacity; a manager may reassign. Every assignment is recorded with the
rule, or the person, that made it."""

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from pydantic import ValidationError

from tandem.core.errors import DomainError, PermissionDenied
from tandem.core.roles import Role
from tandem.core.time import now
from tandem.handoff import queries
from tandem.handoff.models import Assignment, RepCapacity, RoutingRule
from tandem.leads import services as lead_services
from tandem.leads.models import Lead, Stage
from tandem.people.models import Team
from tandem.people.queries import role_of

ROUTED = "Routed by rule {position} ({name})."
REASSIGNED = "Reassigned by {name}: {reason}"
REASSIGNS = frozenset({Role.SALES_MANAGER, Role.ADMIN})
MAY_NOT_REASSIGN = "Your role ({role}) may not reassign leads; a sales manager or an admin may."
NEEDS_REASON = "Say why the lead is reassigned."
SAME_REP = "The lead is already {name}'s."


MANAGES_ROUTING = frozenset({Role.SALES_MANAGER, Role.ADMIN})
MAY_NOT_MANAGE_ROUTING = (
    "Your role ({role}) may not change routing; a sales manager or an admin may."
)
ONE_TARGET = "A routing rule sends leads to a team or to one rep, not both and not neither."
BAD_CONDITIONS = "The conditions are not valid: {detail}"


def _check_routing_manager(by: User | None) -> None:
    """Sales managers and admins change routing; None is the system (the demo, the console)."""
    if by is None:
        return
    role = role_of(by)
    if role not in MANAGES_ROUTING:
        raise PermissionDenied(MAY_NOT_MANAGE_ROUTING.format(role=role.label if role else "none"))


@transaction.atomic
def create_rule(
    *,
    by: User | None,
    name: str,
    position: int,
    team: Team | None = None,
    rep: User | None = None,
    conditions: Sequence[Mapping[str, Any]] = (),
) -> RoutingRule:
    """Add a routing rule at `position`, its conditions checked as the agreement's are."""
    _check_routing_manager(by)
    if (team is None) == (rep is None):
        raise DomainError(ONE_TARGET, fields={"team": "one of team or rep"})
    try:
        queries.CONDITIONS.validate_python(list(conditions))
    except ValidationError as error:
        raise DomainError(
            BAD_CONDITIONS.format(detail=error.errors()[0]["msg"]), fields={"conditions": "invalid"}
        ) from None
    return RoutingRule.objects.create(
        name=name, position=position, team=team, rep=rep, conditions=list(conditions)
    )


@transaction.atomic
def set_capacity(
    *, by: User | None, rep: User, open_leads: int, away_until: dt.datetime | None = None
) -> RepCapacity:
    """How many open leads `rep` takes at most, and until when they are away."""
    _check_routing_manager(by)
    capacity, _ = RepCapacity.objects.update_or_create(
        rep=rep, defaults={"open_leads": open_leads, "away_until": away_until}
    )
    return capacity


def _turn(reps: list[User], capacity: dict[int, int], load: dict[int, int]) -> User | None:
    """Of the reps not away and under capacity, the one with the fewest open leads for their
    capacity (so over time each gets leads in proportion to it); ties go to the lower id."""
    free = [rep for rep in reps if load[rep.pk] < capacity[rep.pk]]
    if not free:
        return None
    return min(free, key=lambda rep: ((load[rep.pk] + 1) / capacity[rep.pk], rep.pk))


@transaction.atomic
def route_leads(*, lead_ids: Collection[int], at: dt.datetime | None = None) -> list[Assignment]:
    """Assign each lead without a current assignment by the first active rule it meets that
    has a rep free; a lead no rule can place stays unassigned, waiting for a person. Reads the
    rules, reps and their loads once, however many leads: activation can make thousands of
    MQLs at once."""
    rules = queries.active_rules()
    if not rules or not lead_ids:
        return []
    moment = at or now()
    assigned = queries.assigned(lead_ids)
    leads = queries.leads_to_route([pk for pk in lead_ids if pk not in assigned])
    conditions = {rule.pk: queries.conditions_of(rule) for rule in rules}
    reps = {rule.pk: queries.reps_of(rule) for rule in rules}
    everyone = {rep.pk for team in reps.values() for rep in team}
    capacity = queries.capacities(everyone, moment)
    load = queries.open_leads(everyone)
    made: list[Assignment] = []
    for lead in leads:
        for rule in rules:
            if not queries.meets(conditions[rule.pk], lead):
                continue
            rep = _turn(reps[rule.pk], capacity, load)
            if rep is None:
                continue
            load[rep.pk] += 1
            made.append(
                Assignment(
                    lead=lead,
                    rep=rep,
                    rule=rule,
                    reason=ROUTED.format(position=rule.position, name=rule.name),
                    assigned_at=moment,
                )
            )
            break
    lead_services.set_owners({assignment.lead_id: assignment.rep_id for assignment in made})
    return Assignment.objects.bulk_create(made)


def route_lead(*, lead: Lead, at: dt.datetime | None = None) -> Assignment | None:
    """`route_leads` for one lead: its current assignment, or None when no rule placed it."""
    route_leads(lead_ids=[lead.pk], at=at)
    return queries.current_assignment(lead)


def route_new_mqls(*, stage: str, lead_ids: list[int], **_: object) -> None:
    """Route leads as they become MQLs (connected to `leads.signals.stage_entered`)."""
    if stage == Stage.MQL:
        route_leads(lead_ids=lead_ids)


@transaction.atomic
def reassign(*, lead: Lead, to: User, by: User, reason: str) -> Assignment:
    """A sales manager (within their team) or an admin gives the lead to another rep, saying
    why; the earlier assignment ends."""
    role = role_of(by)
    if role not in REASSIGNS:
        raise PermissionDenied(MAY_NOT_REASSIGN.format(role=role.label if role else "none"))
    reason = reason.strip()
    if not reason:
        raise DomainError(NEEDS_REASON, fields={"reason": "required"})
    current = queries.current_assignment(lead)
    if current is not None and current.rep_id == to.pk:
        raise DomainError(SAME_REP.format(name=to.get_full_name() or to.username))
    moment = now()
    if current is not None:
        Assignment.objects.filter(pk=current.pk).update(ended_at=moment)
    return _assign(
        lead=lead,
        rep=to,
        rule=None,
        by=by,
        reason=REASSIGNED.format(name=by.get_full_name() or by.username, reason=reason)[:500],
        at=moment,
    )


def _assign(
    *,
    lead: Lead,
    rep: User,
    rule: RoutingRule | None,
    by: User | None,
    reason: str,
    at: dt.datetime,
) -> Assignment:
    # The lead's owner follows its assignment; the lead services check who may own and assign.
    lead_services.update_lead(lead=lead, by=by, changes={"owner_id": rep.pk})
    return Assignment.objects.create(
        lead=lead, rep=rep, rule=rule, assigned_by=by, reason=reason, assigned_at=at
    )
