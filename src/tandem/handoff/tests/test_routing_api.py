"""The routing API: everyone on a team reads rules and capacities; sales managers and admins
change them, each mistake answered with the API's one error shape."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from tandem.core.testing import Personas, make_lead
from tandem.handoff import routing_queries, services
from tandem.handoff.models import Assignment, RepCapacity, RoutingRule
from tandem.leads.models import Stage
from tandem.people.models import Team
from tandem.people.services import create_api_token

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
BASE = "/api/v1/handoff/routing"
MANAGERS = ["manager", "admin"]
READERS = ["marketer", "marketing_lead", "sales_rep", "executive"]


pytestmark = pytest.mark.django_db


class Api:
    """JSON calls with a persona's personal API token."""

    def __init__(self, username: str) -> None:
        token = create_api_token(username=username).secret
        self.client = Client(headers={"Authorization": f"Bearer {token}"})

    def get(self, url: str) -> Any:
        return self.client.get(url)

    def send(self, method: str, url: str, body: object = None) -> Any:
        call = getattr(self.client, method)
        if body is None:
            return call(url)
        return call(url, body, content_type="application/json")


@pytest.fixture
def api_as(personas: Personas) -> Any:
    return lambda name: Api(personas.by_name(name).username)


def _team(name: str) -> Team:
    return Team.objects.get(name=name)


def _rule(position: int, name: str = "", **fields: Any) -> RoutingRule:
    return services.create_rule(
        by=None, name=name or f"Rule {position}", position=position, **fields
    )


def _rules() -> list[tuple[Any, ...]]:
    return list(
        RoutingRule.objects.order_by("position").values_list(
            "position", "name", "is_active", "conditions", "team_id", "rep_id"
        )
    )


def _error(message: str, code: str = "invalid", **fields: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields}}


@pytest.mark.parametrize("who", [*MANAGERS, *READERS, "rival_rep"])
def test_everyone_on_a_team_reads_the_rules_in_order(
    api_as: Any, personas: Personas, who: str
) -> None:
    with time_machine.travel(NOW, tick=False):
        rule = _rule(
            1,
            "Germany",
            rep=personas.sales_rep,
            conditions=[{"field": "country", "op": "equals", "value": "DE"}],
        )
        _rule(2, "Everyone else", team=_team("Sales"))
    make_lead(stage=Stage.MQL, email="de@example.com", country="DE")

    response = api_as(who).get(f"{BASE}/rules")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["items"][0] == {
        "id": rule.pk,
        "name": "Germany",
        "position": 1,
        "conditions": [{"field": "country", "op": "equals", "value": "DE"}],
        "description": "country is “DE”",
        "team": None,
        "rep": {"id": personas.sales_rep.pk, "username": "sales_rep", "name": "Sales Rep"},
        "is_active": True,
        "current_assignments": 1,
        "created_at": "2026-03-02T09:00:00Z",
        "updated_at": "2026-03-02T09:00:00Z",
    }
    assert body["items"][1]["team"] == {"id": _team("Sales").pk, "name": "Sales"}
    assert body["items"][1]["description"] == "every lead"


@pytest.mark.parametrize("url", [f"{BASE}/rules", f"{BASE}/rules/{{rule}}", f"{BASE}/capacities"])
def test_someone_on_no_team_reads_nothing(api_as: Any, personas: Personas, url: str) -> None:
    rule = _rule(1, team=_team("Sales"))

    response = api_as("outsider").get(url.format(rule=rule.pk))

    assert response.status_code == 403
    assert response.json() == _error(routing_queries.NOT_ON_A_TEAM, "forbidden")


def test_a_missing_rule_is_not_found(api_as: Any, personas: Personas) -> None:
    response = api_as("sales_rep").get(f"{BASE}/rules/999")

    assert response.status_code == 404
    assert response.json() == _error("There is no routing rule 999.", "not_found")


@pytest.mark.parametrize("who", MANAGERS)
def test_a_manager_adds_a_rule_that_routes_the_next_mql(
    api_as: Any, personas: Personas, who: str
) -> None:
    response = api_as(who).send(
        "post",
        f"{BASE}/rules",
        {
            "name": "Austria",
            "team_id": _team("Sales").pk,
            "conditions": [{"field": "country", "op": "in", "value": ["AT"]}],
        },
    )
    lead = make_lead(stage=Stage.MQL, email="at@example.com", country="AT")

    assert response.status_code == 201
    assert response.json()["position"] == 1
    assert response.json()["description"] == "country is one of “AT”"
    assert Assignment.objects.get(lead=lead).rule_id == response.json()["id"]


@pytest.mark.parametrize("who", [*READERS, "outsider"])
def test_others_change_no_rule(api_as: Any, personas: Personas, who: str) -> None:
    rule = _rule(1, team=_team("Sales"))
    before = _rules()
    caller = api_as(who)

    answers = [
        caller.send("post", f"{BASE}/rules", {"name": "Mine", "rep_id": personas.sales_rep.pk}),
        caller.send("patch", f"{BASE}/rules/{rule.pk}", {"is_active": False}),
        caller.send("delete", f"{BASE}/rules/{rule.pk}"),
        caller.send("put", f"{BASE}/capacities/{personas.sales_rep.pk}", {"open_leads": 3}),
    ]

    assert [answer.status_code for answer in answers] == [403] * 4
    assert all(answer.json()["error"]["code"] == "forbidden" for answer in answers)
    assert _rules() == before
    assert not RepCapacity.objects.exists()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {"name": "Shoes", "team_id": 0, "conditions": []},
            _error("team_id must be at least 1.", team_id="team_id must be at least 1."),
        ),
        (
            {"name": "Shoes", "nickname": "x"},
            _error("nickname is not a field here.", nickname="nickname is not a field here."),
        ),
    ],
)
def test_a_malformed_rule_is_refused_with_sentences(
    api_as: Any, personas: Personas, body: dict[str, Any], expected: dict[str, Any]
) -> None:
    response = api_as("manager").send("post", f"{BASE}/rules", body)

    assert response.status_code == 422
    assert response.json() == expected
    assert _rules() == []


def test_a_rule_for_a_team_and_a_rep_at_once_is_refused(api_as: Any, personas: Personas) -> None:
    response = api_as("manager").send(
        "post",
        f"{BASE}/rules",
        {"name": "Both", "team_id": _team("Sales").pk, "rep_id": personas.sales_rep.pk},
    )

    assert response.status_code == 400
    assert response.json() == _error(services.ONE_TARGET, team_id="one of team or rep")
    assert _rules() == []


def test_a_bad_condition_is_named_by_its_number(api_as: Any, personas: Personas) -> None:
    response = api_as("manager").send(
        "post",
        f"{BASE}/rules",
        {
            "name": "Big",
            "team_id": _team("Sales").pk,
            "conditions": [
                {"field": "company.employee_count", "op": "between", "value": [500, 100]}
            ],
        },
    )

    message = (
        "Condition 1 (company.employee_count between [500, 100]): the between test needs a "
        "list of two numbers, the lower first."
    )
    assert response.status_code == 400
    assert response.json() == _error(message, **{"conditions.0": message})
    assert _rules() == []


@pytest.mark.parametrize(
    ("body", "message", "field"),
    [
        (
            {"name": "Taken"},
            "There is already a rule named “Taken”.",
            {"name": "taken"},
        ),
        (
            {"name": "New", "position": 1},
            "Position 1 is taken by the rule “Taken”: pick a free position, or move the rules "
            "with Up and Down.",
            {"position": "taken"},
        ),
    ],
)
def test_names_and_positions_are_unique(
    api_as: Any, personas: Personas, body: dict[str, Any], message: str, field: dict[str, str]
) -> None:
    _rule(1, "Taken", team=_team("Sales"))
    before = _rules()

    response = api_as("manager").send(
        "post", f"{BASE}/rules", {**body, "rep_id": personas.sales_rep.pk}
    )

    assert response.status_code == 409
    assert response.json() == _error(message, "conflict", **field)
    assert _rules() == before


def test_a_rule_sends_leads_only_to_a_sales_team_or_rep(api_as: Any, personas: Personas) -> None:
    caller = api_as("admin")

    to_marketing = caller.send(
        "post", f"{BASE}/rules", {"name": "M", "team_id": _team("Marketing").pk}
    )
    to_manager = caller.send("post", f"{BASE}/rules", {"name": "N", "rep_id": personas.manager.pk})
    to_nobody = caller.send("post", f"{BASE}/rules", {"name": "O", "rep_id": 99999})

    assert to_marketing.json() == _error(
        "Marketing is a marketing team; a rule sends leads to a sales team.",
        team_id="not a sales team",
    )
    assert to_manager.json() == _error(
        "Manager is not an active sales rep; a rule sends leads to a sales rep.",
        rep_id="not a sales rep",
    )
    assert to_nobody.json() == _error("There is no person 99999.", rep_id="no such person")
    assert _rules() == []


def test_patch_changes_only_the_fields_sent(api_as: Any, personas: Personas) -> None:
    rule = _rule(
        1,
        "Germany",
        team=_team("Sales"),
        conditions=[{"field": "country", "op": "equals", "value": "DE"}],
    )

    response = api_as("manager").send(
        "patch", f"{BASE}/rules/{rule.pk}", {"rep_id": personas.other_rep.pk, "position": 7}
    )

    assert response.status_code == 200
    assert _rules() == [
        (
            7,
            "Germany",
            True,
            [{"field": "country", "op": "equals", "value": "DE"}],
            None,
            personas.other_rep.pk,
        )
    ]
    assert response.json()["rep"]["id"] == personas.other_rep.pk


def test_patch_refuses_an_empty_name(api_as: Any, personas: Personas) -> None:
    rule = _rule(1, "Germany", team=_team("Sales"))
    before = _rules()

    response = api_as("manager").send("patch", f"{BASE}/rules/{rule.pk}", {"name": None})

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"name": "name must be text."}
    assert _rules() == before


def test_deleting_a_rule_that_placed_leads_only_deactivates_it(
    api_as: Any, personas: Personas
) -> None:
    used = _rule(1, "Used", rep=personas.sales_rep)
    unused = _rule(2, "Unused", team=_team("Sales"))
    make_lead(stage=Stage.MQL, email="a@example.com")
    caller = api_as("manager")

    gone = caller.send("delete", f"{BASE}/rules/{unused.pk}")
    kept = caller.send("delete", f"{BASE}/rules/{used.pk}")

    assert gone.json() == {"deleted": True, "rule": None}
    assert kept.json()["deleted"] is False
    assert kept.json()["rule"]["is_active"] is False
    assert [row[:3] for row in _rules()] == [(1, "Used", False)]


@time_machine.travel(NOW, tick=False)
def test_capacities_list_every_sales_rep_with_their_load(api_as: Any, personas: Personas) -> None:
    services.set_capacity(by=None, rep=personas.other_rep, open_leads=1)
    services.set_capacity(
        by=None, rep=personas.rival_rep, open_leads=5, away_until=NOW + dt.timedelta(days=1)
    )
    _rule(1, rep=personas.other_rep)
    make_lead(stage=Stage.MQL, email="a@example.com")

    response = api_as("marketer").get(f"{BASE}/capacities")

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 3
    assert {
        item["rep"]["username"]: (
            item["open_leads"],
            item["capacity"],
            item["is_capacity_set"],
            item["is_away"],
            item["is_full"],
        )
        for item in body["items"]
    } == {
        "rival_rep": (0, 5, True, True, False),
        "other_rep": (1, 1, True, False, True),
        "sales_rep": (0, 20, False, False, False),
    }
    assert body["items"][0]["team"] == {
        "id": _team("Enterprise sales").pk,
        "name": "Enterprise sales",
    }
    assert body["items"][0]["away_until"] == "2026-03-03T09:00:00Z"


@time_machine.travel(NOW, tick=False)
def test_a_manager_sets_a_capacity_and_an_absence(api_as: Any, personas: Personas) -> None:
    response = api_as("manager").send(
        "put",
        f"{BASE}/capacities/{personas.sales_rep.pk}",
        {"open_leads": 8, "away_until": "2026-03-05T17:00:00+01:00"},
    )

    assert response.status_code == 200
    assert response.json()["capacity"] == 8
    assert response.json()["is_away"] is True
    capacity = RepCapacity.objects.get(rep=personas.sales_rep)
    assert (capacity.open_leads, capacity.away_until) == (
        8,
        dt.datetime(2026, 3, 5, 16, tzinfo=dt.UTC),
    )


@pytest.mark.parametrize(
    ("body", "field", "sentence"),
    [
        ({"open_leads": -1}, "open_leads", "open_leads must be at least 0."),
        ({"open_leads": 10001}, "open_leads", "open_leads must be at most 10000."),
        (
            {"open_leads": 3, "away_until": "2026-03-05T17:00:00"},
            "away_until",
            "away_until must include a time zone offset.",
        ),
    ],
)
def test_a_capacity_out_of_bounds_is_refused(
    api_as: Any, personas: Personas, body: dict[str, Any], field: str, sentence: str
) -> None:
    response = api_as("admin").send("put", f"{BASE}/capacities/{personas.sales_rep.pk}", body)

    assert response.status_code == 422
    assert response.json() == _error(sentence, **{field: sentence})
    assert not RepCapacity.objects.exists()


def test_only_sales_reps_have_a_capacity(api_as: Any, personas: Personas) -> None:
    response = api_as("admin").send(
        "put", f"{BASE}/capacities/{personas.marketer.pk}", {"open_leads": 3}
    )

    assert response.status_code == 404
    assert response.json() == _error(
        f"There is no active sales rep {personas.marketer.pk}.", "not_found"
    )
    assert not RepCapacity.objects.exists()


def test_the_rule_list_reads_in_a_fixed_number_of_queries(
    api_as: Any, personas: Personas, django_assert_num_queries: Any
) -> None:
    for position in range(1, 6):
        _rule(position, rep=personas.sales_rep)
    caller = api_as("manager")

    with django_assert_num_queries(4):
        caller.get(f"{BASE}/rules")
