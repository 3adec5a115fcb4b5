"""Routing: each new MQL goes to a rep by the first routing rule it meets, within a team by turns
weighted by each rep's capacity; a manager may reassign. Every assignment is recorded with the
rule, or the person, that made it."""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from pydantic import ValidationError

from tandem.agreement.models import AgreementVersion
from tandem.agreement.queries import active_version
from tandem.agreement.rules import RejectionOutcome, RejectionReason, parse_terms
from tandem.core.errors import Conflict, DomainError, PermissionDenied, check_known_fields
from tandem.core.roles import WORKS_LEADS, Role
from tandem.core.time import now, organisation_zone
from tandem.handoff import queries, routing_queries, sla
from tandem.handoff.models import (
    Assignment,
    Decision,
    Rejection,
    RepCapacity,
    RoutingRule,
    Touch,
    TouchKind,
)
from tandem.leads import lifecycle
from tandem.leads import services as lead_services
from tandem.leads.models import Deal, Lead, Stage
from tandem.notifications.models import NotificationKind
from tandem.notifications.services import notify_people
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
    timed = _timed(moment)
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
                    **timed,
                )
            )
            break
    lead_services.set_owners({assignment.lead_id: assignment.rep_id for assignment in made})
    created = Assignment.objects.bulk_create(made)
    _tell_reps(created)
    return created


def _timed(at: dt.datetime) -> dict[str, Any]:
    """The agreement in force and the deadlines its service levels set for an assignment made
    `at`; nothing when no agreement is active."""
    version = active_version()
    if version is None:
        return {}
    accept_by, first_touch_by = sla.deadlines(
        assigned_at=at, levels=parse_terms(version.content).service_levels
    )
    return {"agreement_version": version, "accept_by": accept_by, "first_touch_by": first_touch_by}


def _tell_reps(assignments: Sequence[Assignment]) -> None:
    """Each rep hears once of the leads just given to them: one notification for a lead, one
    for many (activation can route thousands at once)."""
    by_rep: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in assignments:
        by_rep[assignment.rep_id].append(assignment)
    for given in by_rep.values():
        rep = given[0].rep
        if len(given) == 1:
            lead = given[0].lead
            title, url = ASSIGNED_ONE_TITLE.format(lead=lead.display_name), f"/leads/{lead.pk}/"
        else:
            title, url = ASSIGNED_TITLE.format(count=len(given)), "/handoff/"
        notify_people(
            recipients=[rep],
            kind=NotificationKind.LEAD_ASSIGNED,
            title=title[:200],
            body=given[0].reason,
            url=url,
        )


def route_lead(*, lead: Lead, at: dt.datetime | None = None) -> Assignment | None:
    """`route_leads` for one lead: its current assignment, or None when no rule placed it."""
    route_leads(lead_ids=[lead.pk], at=at)
    return queries.current_assignment(lead)


def route_new_mqls(*, stage: str, lead_ids: list[int], **_: object) -> None:
    """Route leads as they become MQLs (connected to `leads.signals.stage_entered`)."""
    if stage == Stage.MQL:
        route_leads(lead_ids=lead_ids)


USE_REJECT = (
    "A lead handed to sales goes back only through Reject, with one of the agreement's reasons "
    "and a note for marketing."
)
HANDED_BACK = frozenset({Stage.RECYCLED, Stage.DISQUALIFIED})
# Stages at which a lead is no longer sales' work.
LEAVES_SALES = frozenset({*HANDED_BACK, Stage.CUSTOMER})


def check_stage_move(*, lead: Lead, to_stage: str) -> None:
    """Refuse to recycle or disqualify, by the plain stage form or API, a lead that sales holds
    and has not answered with a reason: the closed loop needs every rejection's reason."""
    if (
        to_stage in HANDED_BACK
        and lead.stage in (Stage.MQL, Stage.SAL)
        and queries.current_assignment(lead) is not None
    ):
        raise Conflict(USE_REJECT, code="use_reject", fields={"stage": "reject the lead instead"})


# Stages a lead reaches only once sales has taken it on.
TAKEN_ON = frozenset({Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER})


def follow_stage_moves(*, stage: str, lead_ids: list[int], **_: object) -> None:
    """Keep assignments true to the ledger when a lead moves by other means than the card (the
    stage form, an import, a won deal): moving on decides an undecided assignment as accepted,
    leaving the funnel or becoming a customer ends it (the rep no longer works it, so it no
    longer counts against their capacity). Connected to `leads.signals.stage_entered`."""
    current = Assignment.objects.filter(lead_id__in=lead_ids, ended_at__isnull=True)
    if stage in TAKEN_ON:
        current.filter(decided_at__isnull=True).update(decision=Decision.ACCEPTED, decided_at=now())
    if stage in LEAVES_SALES:
        current.update(ended_at=now())


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
    assignment = _assign(
        lead=lead,
        rep=to,
        rule=None,
        by=by,
        reason=REASSIGNED.format(name=by.get_full_name() or by.username, reason=reason)[:500],
        at=moment,
    )
    _tell_reps([assignment])
    return assignment


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
        lead=lead, rep=rep, rule=rule, assigned_by=by, reason=reason, assigned_at=at, **_timed(at)
    )


# Accepting, rejecting, touching and qualifying a handed-over lead.

NOT_ON_ITS_WAY = "Only an MQL can be accepted; this lead is {stage}."
NOT_REJECTABLE = "Only an MQL or an accepted lead (SAL) can be rejected; this lead is {stage}."
NOT_QUALIFIABLE = "Only an MQL or an accepted lead (SAL) can be qualified; this lead is {stage}."
NOT_ASSIGNED = "The lead is not assigned to anyone yet; a sales manager assigns it first."
NOT_YOURS = (
    "The lead is assigned to {name}; only they, their sales manager or an admin may act on it."
)
MAY_NOT_WORK_LEADS = (
    "Your role ({role}) may not accept, reject or work leads; sales reps, sales managers and "
    "admins may."
)
NO_AGREEMENT = "There is no active lead agreement, so there are no agreed rejection reasons."
UNKNOWN_REASON = "{code} is not one of the agreement's rejection reasons: {known}."
NEEDS_NOTE = "Say in a note why the lead is rejected; marketing reads it."
TOUCH_IN_FUTURE = "A touch cannot be dated in the future."
ACCEPTED = "Accepted by {name}."
REJECTED = "Rejected by {name}: {label}. {note}"
QUALIFIED = "Qualified by {name}{note}"
REJECTION_TITLE = "{lead} was rejected: {label}"
REJECTION_BODY = "{rep} rejected {lead} ({campaigns}) with the reason “{label}”: {note}"
ASSIGNED_TITLE = "{count} new leads assigned to you"
ASSIGNED_ONE_TITLE = "New lead assigned to you: {lead}"


def _check_worker(*, lead: Lead, by: User) -> Assignment | None:
    """`by` may act on the lead: a sales role or an admin, and a rep only on their own lead.
    Returns the lead's current assignment."""
    role = role_of(by)
    if role not in WORKS_LEADS:
        raise PermissionDenied(MAY_NOT_WORK_LEADS.format(role=role.label if role else "none"))
    current = queries.current_assignment(lead)
    if role == Role.SALES_REP and (current is None or current.rep_id != by.pk):
        owner = current.rep if current is not None else None
        raise PermissionDenied(
            NOT_YOURS.format(name=_name(owner)) if owner is not None else NOT_ASSIGNED
        )
    return current


def _name(person: User) -> str:
    return person.get_full_name() or person.username


def _decide(
    assignment: Assignment | None, decision: Decision, at: dt.datetime, **also: Any
) -> None:
    if assignment is not None:
        Assignment.objects.filter(pk=assignment.pk).update(decision=decision, decided_at=at, **also)


@transaction.atomic
def accept(*, lead: Lead, by: User, at: dt.datetime | None = None) -> Lead:
    """The rep takes the lead on: MQL → SAL, the assignment decided."""
    current = _check_worker(lead=lead, by=by)
    if lead.stage != Stage.MQL:
        raise Conflict(NOT_ON_ITS_WAY.format(stage=Stage(lead.stage).label))
    if current is None:
        raise DomainError(NOT_ASSIGNED)
    moment = at or now()
    lifecycle.change_stage(
        lead=lead, to_stage=Stage.SAL, by=by, reason=ACCEPTED.format(name=_name(by)), at=moment
    )
    _decide(current, Decision.ACCEPTED, moment)
    return lead


def rejection_reason(code: str) -> tuple[AgreementVersion, RejectionReason]:
    """The active agreement and its rejection reason `code`."""
    version = active_version()
    if version is None:
        raise DomainError(NO_AGREEMENT)
    reasons = parse_terms(version.content).rejection_reasons
    for reason in reasons:
        if reason.code == code:
            return version, reason
    raise DomainError(
        UNKNOWN_REASON.format(
            code=code or "An empty reason", known=", ".join(r.code for r in reasons)
        ),
        fields={"reason": "not an agreed reason"},
    )


@transaction.atomic
def reject(
    *, lead: Lead, by: User, reason: str, note: str, at: dt.datetime | None = None
) -> Rejection:
    """The rep hands the lead back with one of the agreement's reasons and a note: recycled to
    nurture or disqualified, as the reason says. The assignment ends; the owners of the
    campaigns that brought the lead are told."""
    current = _check_worker(lead=lead, by=by)
    if lead.stage not in (Stage.MQL, Stage.SAL):
        raise Conflict(NOT_REJECTABLE.format(stage=Stage(lead.stage).label))
    note = note.strip()
    if not note:
        raise DomainError(NEEDS_NOTE, fields={"note": "required"})
    version, agreed = rejection_reason(reason)
    moment = at or now()
    to_stage = Stage.RECYCLED if agreed.outcome == RejectionOutcome.RECYCLE else Stage.DISQUALIFIED
    lifecycle.change_stage(
        lead=lead,
        to_stage=to_stage,
        by=by,
        reason=REJECTED.format(name=_name(by), label=agreed.label, note=note)[:500],
        at=moment,
        agreement_version_id=version.pk,
    )
    _decide(current, Decision.REJECTED, moment, ended_at=moment)
    rejection = Rejection.objects.create(
        lead=lead,
        assignment=current,
        rep=by,
        reason_code=agreed.code,
        reason_label=agreed.label,
        outcome=agreed.outcome,
        note=note,
        agreement_version=version,
        at=moment,
    )
    _tell_marketing(lead=lead, rejection=rejection)
    return rejection


def _tell_marketing(*, lead: Lead, rejection: Rejection) -> None:
    """The marketers who own the lead's campaigns hear of the rejection; with no campaign
    owner, the marketing leads do."""
    campaigns = queries.campaigns_of(lead)
    owners = [campaign.owner for campaign in campaigns if campaign.owner is not None]
    recipients = owners or queries.marketing_leads()
    names = ", ".join(campaign.name for campaign in campaigns) or "no campaign"
    notify_people(
        recipients=recipients,
        kind=NotificationKind.LEAD_REJECTED,
        title=REJECTION_TITLE.format(lead=lead.display_name, label=rejection.reason_label)[:200],
        body=REJECTION_BODY.format(
            rep=_name(rejection.rep),
            lead=lead.display_name,
            campaigns=names,
            label=rejection.reason_label,
            note=rejection.note,
        ),
        url=f"/leads/{lead.pk}/",
    )


@transaction.atomic
def log_touch(
    *, lead: Lead, by: User, kind: str, note: str = "", at: dt.datetime | None = None
) -> Touch:
    """A call, email or meeting with the lead; the first of an assignment is its speed to
    lead."""
    current = _check_worker(lead=lead, by=by)
    moment = at or now()
    if moment > now() + lifecycle.FUTURE_TOLERANCE:
        raise DomainError(TOUCH_IN_FUTURE, fields={"at": "in the future"})
    touch = Touch.objects.create(
        lead=lead, assignment=current, rep=by, kind=TouchKind(kind), note=note.strip(), at=moment
    )
    if current is not None:
        # Conditional: the first touch stays first, whichever request commits second.
        Assignment.objects.filter(pk=current.pk, first_touch_at__isnull=True).update(
            first_touch_at=moment
        )
    return touch


@transaction.atomic
def qualify(
    *,
    lead: Lead,
    by: User,
    deal_name: str,
    amount: Decimal,
    currency: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> Deal:
    """The rep qualifies the lead (→ SQL) and opens its deal. An MQL is accepted first, so the
    ledger shows both steps."""
    current = _check_worker(lead=lead, by=by)
    if lead.stage not in (Stage.MQL, Stage.SAL):
        raise Conflict(NOT_QUALIFIABLE.format(stage=Stage(lead.stage).label))
    moment = at or now()
    if lead.stage == Stage.MQL:
        accept(lead=lead, by=by, at=moment)
    note = note.strip()
    lifecycle.change_stage(
        lead=lead,
        to_stage=Stage.SQL,
        by=by,
        reason=QUALIFIED.format(name=_name(by), note=f": {note}" if note else ".")[:500],
        at=moment,
    )
    return lead_services.create_deal(
        lead=lead,
        by=by,
        name=deal_name,
        amount=amount,
        currency=currency,
        opened_on=moment.astimezone(organisation_zone()).date(),
        owner_id=current.rep_id if current is not None else by.pk,
    )


# Managing routing rules.

RULE_FIELDS = frozenset({"name", "position", "team", "rep", "conditions", "is_active"})
ALREADY_FIRST = "“{name}” is already the first rule."
ALREADY_LAST = "“{name}” is already the last rule."


@transaction.atomic
def add_rule(
    *,
    by: User | None,
    name: str,
    position: int | None = None,
    team: Team | None = None,
    rep: User | None = None,
    conditions: object = None,
) -> RoutingRule:
    """`create_rule` as people call it, from the routing page and the API: each field checked
    with a sentence that names what is wrong; without a position the rule goes last."""
    _check_routing_manager(by)
    name = routing_queries.validate_name(name)
    position = routing_queries.validate_position(
        routing_queries.next_position() if position is None else position
    )
    if (team is None) == (rep is None):
        raise DomainError(ONE_TARGET, fields={"team_id": "one of team or rep"})
    routing_queries.validate_target(team=team, rep=rep)
    valid = routing_queries.validate_conditions([] if conditions is None else conditions)
    return create_rule(by=by, name=name, position=position, team=team, rep=rep, conditions=valid)


@transaction.atomic
def update_rule(*, rule: RoutingRule, by: User | None, changes: Mapping[str, Any]) -> RoutingRule:
    """Change the fields in `changes` (name, position, team, rep, conditions, is_active). A new
    team or rep replaces the whole target: sending `team` alone clears the rep."""
    _check_routing_manager(by)
    check_known_fields(changes, RULE_FIELDS)
    rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    updated: list[str] = []
    if "name" in changes:
        rule.name = routing_queries.validate_name(changes["name"], rule=rule)
        updated.append("name")
    if "position" in changes:
        rule.position = routing_queries.validate_position(changes["position"], rule=rule)
        updated.append("position")
    if "team" in changes or "rep" in changes:
        team, rep = changes.get("team"), changes.get("rep")
        if (team is None) == (rep is None):
            raise DomainError(ONE_TARGET, fields={"team_id": "one of team or rep"})
        routing_queries.validate_target(team=team, rep=rep)
        rule.team, rule.rep = team, rep
        updated += ["team", "rep"]
    if "conditions" in changes:
        rule.conditions = routing_queries.validate_conditions(changes["conditions"])
        updated.append("conditions")
    if "is_active" in changes:
        rule.is_active = bool(changes["is_active"])
        updated.append("is_active")
    if updated:
        rule.save(update_fields=[*updated, "updated_at"])
    return rule


@transaction.atomic
def move_rule(*, rule: RoutingRule, by: User | None, up: bool) -> RoutingRule:
    """Swap the rule with the one before it (`up`) or after it, so it is tried earlier or
    later; positions stay the two rules' own."""
    _check_routing_manager(by)
    # Every rule locked, in order: two managers moving rules at once must not interleave swaps.
    rules = list(RoutingRule.objects.select_for_update().order_by("position"))
    index = next(i for i, row in enumerate(rules) if row.pk == rule.pk)
    other_index = index - 1 if up else index + 1
    if not 0 <= other_index < len(rules):
        raise DomainError((ALREADY_FIRST if up else ALREADY_LAST).format(name=rules[index].name))
    moved, other = rules[index], rules[other_index]
    moved_position, other_position = moved.position, other.position
    # Positions are unique at every statement, so the moved rule steps aside first.
    RoutingRule.objects.filter(pk=moved.pk).update(position=rules[-1].position + 1)
    RoutingRule.objects.filter(pk=other.pk).update(position=moved_position, updated_at=now())
    RoutingRule.objects.filter(pk=moved.pk).update(position=other_position, updated_at=now())
    moved.refresh_from_db()
    return moved


def set_rule_active(*, rule: RoutingRule, by: User | None, is_active: bool) -> RoutingRule:
    """Stop the rule placing leads, or let it again; what it placed stays placed."""
    return update_rule(rule=rule, by=by, changes={"is_active": is_active})


@transaction.atomic
def delete_rule(*, rule: RoutingRule, by: User | None) -> bool:
    """Delete the rule, or, when an assignment names it (assignments keep the rule that made
    them), only deactivate it. True when it was deleted."""
    _check_routing_manager(by)
    if Assignment.objects.filter(rule=rule).exists():
        RoutingRule.objects.filter(pk=rule.pk).update(is_active=False, updated_at=now())
        rule.is_active = False
        return False
    rule.delete()
    return True
