"""Reads and checks for managing routing: the rules with what they placed, the reps with their
load, and the checks a rule passes before it is saved (`services.add_rule`, `update_rule`)."""

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Max, Q, QuerySet
from pydantic import ValidationError

from tandem.agreement import wording
from tandem.agreement.rules import MAX_CONDITIONS, FitCondition
from tandem.core.api_errors import sentence_for
from tandem.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from tandem.core.roles import Role, TeamKind
from tandem.handoff.models import RepCapacity, RoutingRule
from tandem.handoff.queries import CONDITIONS, DEFAULT_CAPACITY, open_leads
from tandem.people.models import Team
from tandem.people.queries import role_of

# Who changes routing; `services.MANAGES_ROUTING` checks the same roles on every write.
MANAGES_ROUTING = frozenset({Role.SALES_MANAGER, Role.ADMIN})
NAME_MAX_LENGTH = 100
# The most open leads a rep can be given: far beyond anyone's desk, well inside the column.
MAX_CAPACITY = 10_000

MAY_NOT_MANAGE = "Your role ({role}) may not change routing; a sales manager or an admin may."
NOT_ON_A_TEAM = "You are not on a team, so you can see no routing. Ask an admin to add you."
RULE_NOT_FOUND = "There is no routing rule {rule_id}."
REP_NOT_FOUND = "There is no active sales rep {user_id}."
PERSON_NOT_FOUND = "There is no person {user_id}."
TEAM_NOT_FOUND = "There is no team {team_id}."
NEEDS_NAME = "Give the rule a name."
NAME_TOO_LONG = f"A rule's name may be at most {NAME_MAX_LENGTH} characters long."
NAME_TAKEN = "There is already a rule named “{name}”."
POSITION_TOO_LOW = "A rule's position is a whole number from 1."
POSITION_TAKEN = (
    "Position {position} is taken by the rule “{name}”: pick a free position, or move the "
    "rules with Up and Down."
)
NOT_A_SALES_TEAM = "{team} is a {kind} team; a rule sends leads to a sales team."
NOT_A_SALES_REP = "{name} is not an active sales rep; a rule sends leads to a sales rep."
CONDITIONS_NOT_A_LIST = "The conditions must be a list of conditions."
TOO_MANY_CONDITIONS = f"A rule may have at most {MAX_CONDITIONS} conditions."
NOT_A_CONDITION = (
    "Condition {number} must be an object with a field, an op and (for most ops) a value, e.g. "
    '{{"field": "country", "op": "equals", "value": "DE"}}.'
)
BAD_CONDITION = "Condition {number} ({what}): {problem}."
VALUE_KIND = "the value must be text, a number, true or false, or a list of those"


def require_routing_reader(actor: User) -> Role:
    """Everyone on a team reads routing: sales sees where leads go, marketing whom its MQLs
    reach, leadership both."""
    role = role_of(actor)
    if role is None:
        raise PermissionDenied(NOT_ON_A_TEAM)
    return role


def may_manage_routing(actor: User) -> bool:
    return role_of(actor) in MANAGES_ROUTING


def require_routing_manager(actor: User) -> None:
    """Refuse, before any form is read, someone who may only read routing."""
    role = require_routing_reader(actor)
    if role not in MANAGES_ROUTING:
        raise PermissionDenied(MAY_NOT_MANAGE.format(role=role.label))


def _rules() -> QuerySet[RoutingRule]:
    return RoutingRule.objects.select_related("team", "rep").annotate(
        current_assignments=Count("assignments", filter=Q(assignments__ended_at__isnull=True))
    )


def rules() -> QuerySet[RoutingRule]:
    """Every rule, active or not, by position; each with `current_assignments`, how many of
    the leads it placed are still with the rep it chose."""
    return _rules().order_by("position")


def rule_list() -> list[RoutingRule]:
    """`rules()` read in one query."""
    return list(rules())


def access_rule(actor: User, rule_id: int) -> RoutingRule:
    """The rule, with `current_assignments`, for anyone on a team; the services check writes."""
    require_routing_reader(actor)
    rule = _rules().filter(pk=rule_id).first()
    if rule is None:
        raise NotFound(RULE_NOT_FOUND.format(rule_id=rule_id))
    return rule


def next_position() -> int:
    """The position after the last rule: where a rule goes when none is asked for."""
    last = RoutingRule.objects.aggregate(last=Max("position"))["last"]
    return (last or 0) + 1


def describe_conditions(conditions: Sequence[dict[str, Any]]) -> str:
    """A rule's conditions in the words the agreement uses for fit rules, e.g. "company
    segment is “Enterprise” and country is one of “DE” or “AT”"; "every lead" for none."""
    if not conditions:
        return "every lead"
    tests = [
        wording.condition(test, subject=wording.fit_field(test.field))
        for test in CONDITIONS.validate_python(list(conditions))
    ]
    return wording.joined(tests, last="and")


def sales_reps() -> QuerySet[User]:
    """Whom routing gives leads to: active people in the sales rep role."""
    return User.objects.filter(is_active=True, membership__role=Role.SALES_REP)


def sales_teams() -> QuerySet[Team]:
    return Team.objects.filter(kind=TeamKind.SALES).order_by("name")


def access_rep(actor: User, user_id: int) -> User:
    """An active sales rep, for anyone on a team."""
    require_routing_reader(actor)
    rep = sales_reps().select_related("membership__team").filter(pk=user_id).first()
    if rep is None:
        raise NotFound(REP_NOT_FOUND.format(user_id=user_id))
    return rep


def find_team(team_id: int) -> Team:
    """A team named in a request's body; a wrong id is the request's mistake, not a 404."""
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise DomainError(
            TEAM_NOT_FOUND.format(team_id=team_id), fields={"team_id": "no such team"}
        )
    return team


def find_person(user_id: int) -> User:
    person = User.objects.filter(pk=user_id).select_related("membership").first()
    if person is None:
        raise DomainError(
            PERSON_NOT_FOUND.format(user_id=user_id), fields={"rep_id": "no such person"}
        )
    return person


@dataclass(frozen=True)
class RepLoad:
    """A rep as routing sees them at one moment."""

    rep: User
    team: Team
    # As set, or the default; routing counts it as 0 while the rep is away.
    capacity: int
    is_capacity_set: bool
    away_until: dt.datetime | None
    open_leads: int
    is_away: bool

    @property
    def is_full(self) -> bool:
        return self.open_leads >= self.capacity

    @property
    def takes_leads(self) -> bool:
        return not self.is_away and not self.is_full


def rep_loads(at: dt.datetime) -> list[RepLoad]:
    """Every active sales rep with their capacity, open leads and absence, by team and name:
    three queries however many reps."""
    reps = list(
        sales_reps()
        .select_related("membership__team")
        .order_by("membership__team__name", "first_name", "last_name", "username")
    )
    set_for = {row.rep_id: row for row in RepCapacity.objects.filter(rep__in=reps)}
    load = open_leads([rep.pk for rep in reps])
    return [rep_load(rep, set_for.get(rep.pk), load[rep.pk], at) for rep in reps]


def rep_load(rep: User, capacity: RepCapacity | None, load: int, at: dt.datetime) -> RepLoad:
    away_until = capacity.away_until if capacity is not None else None
    return RepLoad(
        rep=rep,
        team=rep.membership.team,
        capacity=capacity.open_leads if capacity is not None else DEFAULT_CAPACITY,
        is_capacity_set=capacity is not None,
        away_until=away_until,
        open_leads=load,
        is_away=away_until is not None and away_until > at,
    )


def load_of(rep: User, at: dt.datetime) -> RepLoad:
    capacity = RepCapacity.objects.filter(rep=rep).first()
    return rep_load(rep, capacity, open_leads([rep.pk])[rep.pk], at)


def validate_name(name: str, *, rule: RoutingRule | None = None) -> str:
    """The name, trimmed: present, short enough, and no other rule's."""
    name = name.strip()
    if not name:
        raise DomainError(NEEDS_NAME, fields={"name": "required"})
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError(NAME_TOO_LONG, fields={"name": "too long"})
    others = RoutingRule.objects.exclude(pk=rule.pk) if rule is not None else RoutingRule.objects
    if others.filter(name=name).exists():
        raise Conflict(NAME_TAKEN.format(name=name), fields={"name": "taken"})
    return name


def validate_position(position: int, *, rule: RoutingRule | None = None) -> int:
    if position < 1:
        raise DomainError(POSITION_TOO_LOW, fields={"position": "too low"})
    others = RoutingRule.objects.exclude(pk=rule.pk) if rule is not None else RoutingRule.objects
    holder = others.filter(position=position).first()
    if holder is not None:
        raise Conflict(
            POSITION_TAKEN.format(position=position, name=holder.name),
            fields={"position": "taken"},
        )
    return position


def validate_target(*, team: Team | None, rep: User | None) -> None:
    """Leads go to a sales team, whose reps take turns, or to one active sales rep."""
    if team is not None and team.kind != TeamKind.SALES:
        raise DomainError(
            NOT_A_SALES_TEAM.format(team=team.name, kind=TeamKind(team.kind).label.lower()),
            fields={"team_id": "not a sales team"},
        )
    if rep is not None and not sales_reps().filter(pk=rep.pk).exists():
        raise DomainError(
            NOT_A_SALES_REP.format(name=rep.get_full_name() or rep.username),
            fields={"rep_id": "not a sales rep"},
        )


def validate_conditions(conditions: object) -> list[dict[str, Any]]:
    """The conditions as stored (each `{"field", "op"[, "value"]}`), or a DomainError whose
    sentence names the first wrong condition by its number and what it says."""
    if not isinstance(conditions, list):
        raise DomainError(CONDITIONS_NOT_A_LIST, fields={"conditions": "not a list"})
    if len(conditions) > MAX_CONDITIONS:
        raise DomainError(TOO_MANY_CONDITIONS, fields={"conditions": "too many"})
    valid = []
    for number, item in enumerate(conditions, start=1):
        if not isinstance(item, dict):
            message = NOT_A_CONDITION.format(number=number)
            raise DomainError(message, fields={f"conditions.{number - 1}": message})
        try:
            condition = FitCondition.model_validate(item)
        except ValidationError as error:
            message = BAD_CONDITION.format(
                number=number, what=_what(item), problem=_problem(error.errors()).rstrip(".")
            )
            raise DomainError(message, fields={f"conditions.{number - 1}": message}) from None
        valid.append(condition.model_dump(mode="json", exclude_none=True))
    return valid


def _what(item: dict[str, Any]) -> str:
    """What a condition says, as written: `shoe_size equals 9`."""
    parts = [str(item.get("field", "no field")), str(item.get("op", "no op"))]
    if "value" in item:
        parts.append(json.dumps(item["value"], ensure_ascii=False))
    return " ".join(parts)[:200]


def _problem(errors: list[Any]) -> str:
    first = errors[0]
    location = tuple(first.get("loc", ()))
    if first["type"] in {"value_error", "assertion_error"}:
        return str(first.get("ctx", {}).get("error", first["msg"])).removeprefix("Value error, ")
    if location[:1] == ("value",):
        # The value is a union; pydantic names each member it tried, which means nothing here.
        return VALUE_KIND
    return sentence_for({**first, "loc": location[:1] or ("condition",)})
