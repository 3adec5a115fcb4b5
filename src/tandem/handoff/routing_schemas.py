"""The shapes of the routing API: rules and reps' capacities."""

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import AwareDatetime

from tandem.agreement.rules import MAX_CONDITIONS
from tandem.core.schemas import MAX_ID, InSchema, PersonRef, patch_field
from tandem.handoff.models import RoutingRule
from tandem.handoff.routing_queries import (
    MAX_CAPACITY,
    NAME_MAX_LENGTH,
    RepLoad,
    describe_conditions,
)

MAX_POSITION = 1_000_000
CONDITIONS_DESCRIPTION = (
    "The lead agreement's fit conditions, all of which must hold; empty takes every lead. Each "
    'is {"field", "op", "value"}, e.g. {"field": "company.segment", "op": "equals", "value": '
    '"Enterprise"}; `value` is left out for is_set and is_empty.'
)
TARGET_DESCRIPTION = (
    "Send exactly one of team_id and rep_id: a sales team, whose reps take turns by capacity, "
    "or one active sales rep."
)


class TeamRef(Schema):
    id: int = Field(description="The team's id.")
    name: str = Field(description="The team's name.")


class RoutingConditionOut(Schema):
    field: str = Field(description="The lead or company field the condition reads.")
    op: str = Field(description="How the value is compared, e.g. `equals`, `in`, `at_least`.")
    value: Any = Field(None, description="What the field is compared with; absent for some ops.")


class RoutingRuleOut(Schema):
    id: int = Field(description="The rule's id.")
    name: str = Field(description="The rule's name, unique among rules.")
    position: int = Field(description="Rules are tried from the lowest position up.")
    conditions: list[RoutingConditionOut] = Field(description=CONDITIONS_DESCRIPTION)
    description: str = Field(description="The conditions in words, e.g. “country is “DE””.")
    team: TeamRef | None = Field(description="The team whose reps take turns, or null.")
    rep: PersonRef | None = Field(description="The one rep the rule sends leads to, or null.")
    is_active: bool = Field(description="Whether the rule places new MQLs.")
    current_assignments: int = Field(
        description="Leads the rule placed that are still with the rep it chose."
    )
    created_at: dt.datetime = Field(description="When the rule was added.")
    updated_at: dt.datetime = Field(description="When the rule last changed.")

    @staticmethod
    def resolve_description(rule: RoutingRule) -> str:
        return describe_conditions(rule.conditions)


class RoutingRulePage(Schema):
    count: int = Field(description="How many rules there are, over all pages.")
    items: list[RoutingRuleOut] = Field(description="This page of rules, by position.")


class RoutingRuleIn(InSchema):
    name: str = Field(
        min_length=1, max_length=NAME_MAX_LENGTH, description="The rule's name, unique."
    )
    position: int | None = Field(
        None,
        ge=1,
        le=MAX_POSITION,
        description="Where the rule is tried, unique among rules; left out, it goes last.",
    )
    team_id: int | None = Field(None, ge=1, le=MAX_ID, description=TARGET_DESCRIPTION)
    rep_id: int | None = Field(None, ge=1, le=MAX_ID, description=TARGET_DESCRIPTION)
    conditions: list[dict[str, Any]] = Field(
        [], max_length=MAX_CONDITIONS, description=CONDITIONS_DESCRIPTION
    )


class RoutingRulePatch(InSchema):
    """Only the fields sent are changed; a team_id or rep_id replaces the whole target."""

    name: str = patch_field(
        min_length=1, max_length=NAME_MAX_LENGTH, description="The rule's name, unique."
    )
    position: int = patch_field(
        ge=1, le=MAX_POSITION, description="Where the rule is tried, unique among rules."
    )
    team_id: int | None = patch_field(ge=1, le=MAX_ID, description=TARGET_DESCRIPTION)
    rep_id: int | None = patch_field(ge=1, le=MAX_ID, description=TARGET_DESCRIPTION)
    conditions: list[dict[str, Any]] = patch_field(
        max_length=MAX_CONDITIONS, description=CONDITIONS_DESCRIPTION
    )
    is_active: bool = patch_field(description="Whether the rule places new MQLs.")


class RoutingRuleDeletedOut(Schema):
    deleted: bool = Field(
        description="True when the rule is gone; false when it had placed leads and was only "
        "deactivated, since assignments keep the rule that made them."
    )
    rule: RoutingRuleOut | None = Field(description="The deactivated rule, when it was kept.")


class RepCapacityOut(Schema):
    rep: PersonRef = Field(description="The sales rep.")
    team: TeamRef = Field(description="The rep's team.")
    capacity: int = Field(description="The most open leads the rep holds; their share in turns.")
    is_capacity_set: bool = Field(description="False when the capacity is the default.")
    away_until: dt.datetime | None = Field(description="Until when the rep is away, if set.")
    is_away: bool = Field(description="Whether the rep is away now; routing skips them.")
    open_leads: int = Field(description="The leads currently assigned to the rep.")
    is_full: bool = Field(description="Whether the rep holds their capacity; routing skips them.")

    @staticmethod
    def resolve_is_full(load: RepLoad) -> bool:
        return load.is_full


class RepCapacityList(Schema):
    count: int = Field(description="How many active sales reps there are.")
    items: list[RepCapacityOut] = Field(description="Every active sales rep, by team and name.")


class RepCapacityIn(InSchema):
    open_leads: int = Field(
        ge=0, le=MAX_CAPACITY, description="The most open leads the rep holds at once."
    )
    away_until: AwareDatetime | None = Field(
        None, description="Until when the rep is away (with a time zone offset); null: not away."
    )
