"""Reads for routing: which rule a lead meets, which reps can take it, how loaded they are."""

import datetime as dt
from collections.abc import Callable, Collection
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, F
from pydantic import TypeAdapter

from tandem.agreement.rules import FitCondition
from tandem.campaigns.models import Campaign
from tandem.core.roles import Role
from tandem.handoff.models import Assignment, RepCapacity, RoutingRule
from tandem.leads.models import Lead, Stage
from tandem.people.queries import membership_of, role_of
from tandem.scoring.engine import condition_test

# A rep with no capacity set takes this many open leads.
DEFAULT_CAPACITY = 20
CONDITIONS = TypeAdapter(list[FitCondition])


def lead_value(lead: Lead, field: str) -> Any:
    """The value a fit condition's `field` names for this lead (`company.segment`,
    `attributes.plan`, `company.attributes.plan`, `country`, …)."""
    owner: Any = lead
    if field.startswith("company."):
        if lead.company is None:
            return None
        owner, field = lead.company, field.removeprefix("company.")
    if field.startswith("attributes."):
        return owner.attributes.get(field.removeprefix("attributes."))
    return getattr(owner, field)


Tests = list[tuple[str, Callable[[Any], bool]]]


def conditions_of(rule: RoutingRule) -> Tests:
    """The rule's conditions as (field, test) pairs."""
    return [
        (condition.field, condition_test(condition))
        for condition in CONDITIONS.validate_python(rule.conditions)
    ]


def meets(tests: Tests, lead: Lead) -> bool:
    return all(test(lead_value(lead, field)) for field, test in tests)


def assigned(lead_ids: Collection[int]) -> set[int]:
    """Those of the leads with a current assignment."""
    return set(
        Assignment.objects.filter(lead_id__in=lead_ids, ended_at__isnull=True).values_list(
            "lead_id", flat=True
        )
    )


def leads_to_route(lead_ids: Collection[int]) -> list[Lead]:
    return list(Lead.objects.filter(pk__in=lead_ids).select_related("company").order_by("pk"))


def active_rules() -> list[RoutingRule]:
    return list(RoutingRule.objects.filter(is_active=True).select_related("team", "rep"))


def current_assignment(lead: Lead) -> Assignment | None:
    return Assignment.objects.filter(lead=lead, ended_at__isnull=True).first()


# The stages at which an assigned lead is sales' work: what the queue lists and capacity counts.
WORKED_STAGES = (Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY)


def open_leads(rep_ids: Collection[int]) -> dict[int, int]:
    """Each rep's current assignments of leads still being worked."""
    rows = (
        Assignment.objects.filter(
            rep_id__in=rep_ids, ended_at__isnull=True, lead__stage__in=WORKED_STAGES
        )
        .values("rep_id")
        .annotate(count=Count("id"))
    )
    counts = dict.fromkeys(rep_ids, 0)
    counts.update({row["rep_id"]: row["count"] for row in rows})
    return counts


def capacities(rep_ids: Collection[int], at: dt.datetime) -> dict[int, int]:
    """Each rep's capacity now: 0 while away."""
    set_for = {row.rep_id: row for row in RepCapacity.objects.filter(rep_id__in=rep_ids)}
    return {
        rep_id: (
            0
            if rep_id in set_for and (set_for[rep_id].away_until or at) > at
            else (set_for[rep_id].open_leads if rep_id in set_for else DEFAULT_CAPACITY)
        )
        for rep_id in rep_ids
    }


def reps_of(rule: RoutingRule) -> list[User]:
    """The active sales reps a rule sends leads to."""
    people = User.objects.filter(is_active=True, membership__role=Role.SALES_REP)
    if rule.rep_id is not None:
        return list(people.filter(pk=rule.rep_id))
    return list(people.filter(membership__team=rule.team_id).order_by("pk"))


def campaigns_of(lead: Lead) -> list[Campaign]:
    """The campaigns that brought the lead: its first and last touch, once each."""
    ids = {lead.first_touch_campaign_id, lead.last_touch_campaign_id} - {None}
    return list(Campaign.objects.filter(pk__in=ids).select_related("owner").order_by("name"))


def marketing_leads() -> list[User]:
    return list(User.objects.filter(is_active=True, membership__role=Role.MARKETING_LEAD))


QUEUE_LENGTH = 200


def queue(actor: User) -> list[Assignment]:
    """The current assignments the actor works or oversees: a rep's own, a sales manager's
    team's, everyone's for others. Undecided leads first, the nearest deadline first."""
    role = role_of(actor)
    current = Assignment.objects.filter(ended_at__isnull=True, lead__stage__in=WORKED_STAGES)
    if role == Role.SALES_REP:
        current = current.filter(rep=actor)
    elif role == Role.SALES_MANAGER:
        membership = membership_of(actor)
        current = (
            current.filter(rep__membership__team_id=membership.team_id)
            if membership is not None
            else current.none()
        )
    rows = current.select_related(
        "lead", "lead__company", "lead__last_touch_campaign", "lead__score", "rep", "rule"
    ).order_by(F("decided_at").asc(nulls_first=True), F("accept_by").asc(nulls_last=True), "pk")
    return list(rows[:QUEUE_LENGTH])


def unassigned_mqls(*, limit: int = 50) -> list[Lead]:
    """MQLs no rule could place, waiting for a manager (newest first)."""
    return list(
        Lead.objects.filter(stage=Stage.MQL, owner__isnull=True)
        .exclude(assignments__ended_at__isnull=True)
        .select_related("company")
        .order_by("-stage_changed_at", "-id")[:limit]
    )
