"""Routing: each new MQL goes to a rep by the first routing rule it meets, within a team by turns
weighted by each rep's capacity; a manager may reassign. Every assignment is recorded with the
rule, or the person, that made it."""

import datetime as dt

from django.contrib.auth.models import User
from django.db import transaction

from tandem.core.errors import DomainError, PermissionDenied
from tandem.core.roles import Role
from tandem.core.time import now
from tandem.handoff import queries
from tandem.handoff.models import Assignment, RoutingRule
from tandem.leads import services as lead_services
from tandem.leads.models import Lead
from tandem.people.queries import role_of

ROUTED = "Routed by rule {position} ({name})."
REASSIGNED = "Reassigned by {name}: {reason}"
REASSIGNS = frozenset({Role.SALES_MANAGER, Role.ADMIN})
MAY_NOT_REASSIGN = "Your role ({role}) may not reassign leads; a sales manager or an admin may."
NEEDS_REASON = "Say why the lead is reassigned."
SAME_REP = "The lead is already {name}'s."


def choose_rep(rule: RoutingRule, at: dt.datetime) -> User | None:
    """The rep whose turn it is under `rule`: of those not away and under capacity, the one with
    the fewest open leads for their capacity (so over time each gets leads in proportion to
    it); ties go to the rep with the lower id. None when nobody can take a lead."""
    reps = queries.reps_of(rule)
    ids = [rep.pk for rep in reps]
    capacity = queries.capacities(ids, at)
    load = queries.open_leads(ids)
    free = [rep for rep in reps if load[rep.pk] < capacity[rep.pk]]
    if not free:
        return None
    return min(free, key=lambda rep: ((load[rep.pk] + 1) / capacity[rep.pk], rep.pk))


@transaction.atomic
def route_lead(*, lead: Lead, at: dt.datetime | None = None) -> Assignment | None:
    """Assign the lead by the first active rule it meets that has a rep free; the current
    assignment when it has one; None when no rule finds a rep (it waits for a person)."""
    current = queries.current_assignment(lead)
    if current is not None:
        return current
    moment = at or now()
    for rule in queries.active_rules():
        if not queries.rule_matches(rule, lead):
            continue
        rep = choose_rep(rule, moment)
        if rep is None:
            continue
        return _assign(
            lead=lead,
            rep=rep,
            rule=rule,
            by=None,
            reason=ROUTED.format(position=rule.position, name=rule.name),
            at=moment,
        )
    return None


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
