"""The routing page: everyone on a team reads the rules and the reps' loads; sales managers and
admins add, edit, move, deactivate and delete rules and set capacities."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils.html import escape

from tandem.core.testing import Personas, make_lead
from tandem.handoff import routing_queries, services
from tandem.handoff.models import Assignment, RepCapacity, RoutingRule
from tandem.handoff.routing_forms import NOT_A_LIST, NOT_JSON
from tandem.handoff.routing_views import KEPT
from tandem.leads import services as lead_services
from tandem.leads.models import Stage
from tandem.people.models import Team

pytestmark = pytest.mark.django_db

MANAGERS = ["manager", "rival_manager", "admin"]
READERS = ["marketer", "marketing_lead", "sales_rep", "executive"]
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


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


def _signed_in(client: Client, personas: Personas, who: str) -> Client:
    client.force_login(personas.by_name(who))
    return client


@pytest.mark.parametrize("who", [*MANAGERS, *READERS])
def test_everyone_on_a_team_reads_the_rules_in_order_with_their_conditions_in_words(
    client: Client, personas: Personas, who: str
) -> None:
    _rule(
        2,
        "Everyone else",
        team=_team("Sales"),
    )
    _rule(
        1,
        "Enterprise",
        team=_team("Enterprise sales"),
        conditions=[
            {"field": "company.segment", "op": "equals", "value": "Enterprise"},
            {"field": "country", "op": "in", "value": ["DE", "AT"]},
        ],
    )

    response = _signed_in(client, personas, who).get("/handoff/routing/")

    assert response.status_code == 200
    assert [row.rule.name for row in response.context["rules"]] == ["Enterprise", "Everyone else"]
    assert [row.description for row in response.context["rules"]] == [
        "company segment is “Enterprise” and country is one of “DE” or “AT”",
        "every lead",
    ]
    assert response.context["may_manage"] is (who in MANAGERS)


def test_readers_see_no_forms(client: Client, personas: Personas) -> None:
    _rule(1, team=_team("Sales"))

    page = _signed_in(client, personas, "sales_rep").get("/handoff/routing/").content.decode()

    assert 'id="read-only"' in page
    assert 'id="rule-form"' not in page
    assert "capacity-form" not in page


def test_someone_on_no_team_is_refused(client: Client, personas: Personas) -> None:
    response = _signed_in(client, personas, "outsider").get("/handoff/routing/")

    assert response.status_code == 403


def test_each_rule_shows_how_many_current_assignments_it_made(
    client: Client, personas: Personas
) -> None:
    rule = _rule(1, rep=personas.sales_rep)
    first = make_lead(stage=Stage.MQL, email="a@example.com")
    make_lead(stage=Stage.MQL, email="b@example.com")
    services.reassign(lead=first, to=personas.other_rep, by=personas.manager, reason="Holiday")

    response = _signed_in(client, personas, "manager").get("/handoff/routing/")

    assert response.context["rules"][0].rule.current_assignments == 1
    assert Assignment.objects.filter(rule=rule).count() == 2


def test_a_rule_added_through_the_form_routes_the_next_mql(
    client: Client, personas: Personas
) -> None:
    response = _signed_in(client, personas, "manager").post(
        "/handoff/routing/rules/new",
        {
            "name": "Germany",
            "position": "",
            "target": f"rep:{personas.other_rep.pk}",
            "conditions": '[{"field": "country", "op": "equals", "value": "DE"}]',
        },
    )
    lead = make_lead(stage=Stage.MQL, email="de@example.com", country="DE")

    assert response.status_code == 302
    assert _rules() == [
        (
            1,
            "Germany",
            True,
            [{"field": "country", "op": "equals", "value": "DE"}],
            None,
            personas.other_rep.pk,
        )
    ]
    assignment = Assignment.objects.get(lead=lead)
    assert (assignment.rep, assignment.rule.name) == (personas.other_rep, "Germany")


def test_a_rule_without_a_position_goes_last(client: Client, personas: Personas) -> None:
    _rule(4, team=_team("Sales"))

    _signed_in(client, personas, "admin").post(
        "/handoff/routing/rules/new",
        {"name": "Catch all", "target": f"team:{_team('Sales').pk}", "conditions": ""},
    )

    assert [row[:2] for row in _rules()] == [(4, "Rule 4"), (5, "Catch all")]


def test_a_bad_condition_is_named_in_a_sentence_and_nothing_is_added(
    client: Client, personas: Personas
) -> None:
    response = _signed_in(client, personas, "manager").post(
        "/handoff/routing/rules/new",
        {
            "name": "Shoes",
            "target": f"team:{_team('Sales').pk}",
            "conditions": '[{"field": "country", "op": "equals", "value": "DE"},'
            ' {"field": "shoe_size", "op": "at_least", "value": 9}]',
        },
    )

    assert response.status_code == 400
    problems = response.context["problems"]
    assert len(problems) == 1
    assert problems[0].startswith(
        "Condition 2 (shoe_size at_least 9): shoe_size is not a field a fit rule can read: "
        "use one of job_title, country,"
    )
    assert escape(problems[0]) in response.content.decode()
    assert _rules() == []


@pytest.mark.parametrize(
    ("conditions", "problem"),
    [
        (
            '[{"field": "country", "op": "in", "value": "DE"}]',
            'Condition 1 (country in "DE"): the in test needs a list of values.',
        ),
        (
            '[{"field": "country", "op": "about", "value": "DE"}]',
            "Condition 1 (country about \"DE\"): op must be one of: 'equals', 'not_equals', "
            "'in', 'not_in', 'contains', 'starts_with', 'ends_with', 'has_word', 'at_least', "
            "'at_most', 'between', 'is_set' or 'is_empty'.",
        ),
        ('{"field": "country"}', NOT_A_LIST),
        (
            '[{"field": "country", ',
            NOT_JSON.format(
                reason="Expecting property name enclosed in double quotes", line=1, column=23
            ),
        ),
    ],
)
def test_conditions_that_cannot_be_read_are_explained(
    client: Client, personas: Personas, conditions: str, problem: str | None
) -> None:
    response = _signed_in(client, personas, "manager").post(
        "/handoff/routing/rules/new",
        {"name": "Bad", "target": f"team:{_team('Sales').pk}", "conditions": conditions},
    )

    assert response.status_code == 400
    assert response.context["problems"] == [problem]
    assert _rules() == []


def test_a_taken_position_or_name_is_refused_with_a_sentence(
    client: Client, personas: Personas
) -> None:
    _rule(1, "Enterprise", team=_team("Enterprise sales"))
    before = _rules()

    response = _signed_in(client, personas, "manager").post(
        "/handoff/routing/rules/new",
        {"name": "Smaller", "position": "1", "target": f"team:{_team('Sales').pk}"},
    )

    assert response.context["problems"] == [
        "Position: Position 1 is taken by the rule “Enterprise”: pick a free position, or move "
        "the rules with Up and Down."
    ]
    assert _rules() == before


def test_leads_cannot_be_sent_to_someone_who_is_not_a_sales_rep(
    client: Client, personas: Personas
) -> None:
    response = _signed_in(client, personas, "manager").post(
        "/handoff/routing/rules/new",
        {"name": "Odd", "target": f"rep:{personas.marketer.pk}"},
    )

    assert response.status_code == 400
    assert response.context["problems"] == [
        "Send leads to: Choose a sales team or a sales rep to send the leads to."
    ]
    assert _rules() == []


@pytest.mark.parametrize("who", READERS)
@pytest.mark.parametrize(
    "action",
    [
        "rules/new",
        "rules/{rule}/edit",
        "rules/{rule}/move",
        "rules/{rule}/active",
        "rules/{rule}/delete",
        "reps/{rep}/capacity",
    ],
)
def test_readers_change_nothing(client: Client, personas: Personas, who: str, action: str) -> None:
    rule = _rule(1, team=_team("Sales"))
    _rule(2, rep=personas.sales_rep)
    before = _rules()
    path = "/handoff/routing/" + action.format(rule=rule.pk, rep=personas.sales_rep.pk)

    response = _signed_in(client, personas, who).post(
        path,
        {
            "name": "Mine",
            "target": f"rep:{personas.sales_rep.pk}",
            "direction": "down",
            "is_active": "false",
            "open_leads": "99",
        },
    )

    assert response.status_code == 403
    assert _rules() == before
    assert not RepCapacity.objects.exists()


def test_a_manager_edits_a_rule(client: Client, personas: Personas) -> None:
    rule = _rule(1, team=_team("Sales"))
    signed_in = _signed_in(client, personas, "manager")

    form = signed_in.get(f"/handoff/routing/rules/{rule.pk}/edit")
    response = signed_in.post(
        f"/handoff/routing/rules/{rule.pk}/edit",
        {
            "name": "Austria",
            "position": "3",
            "target": f"rep:{personas.sales_rep.pk}",
            "conditions": '[{"field": "country", "op": "equals", "value": "AT"}]',
        },
    )

    assert form.status_code == 200
    assert form.context["form"].initial["target"] == f"team:{_team('Sales').pk}"
    assert response.status_code == 302
    assert _rules() == [
        (
            3,
            "Austria",
            True,
            [{"field": "country", "op": "equals", "value": "AT"}],
            None,
            personas.sales_rep.pk,
        )
    ]


def test_moving_a_rule_up_swaps_it_with_the_one_before(client: Client, personas: Personas) -> None:
    _rule(1, "First", team=_team("Sales"))
    second = _rule(5, "Second", rep=personas.sales_rep)

    _signed_in(client, personas, "manager").post(
        f"/handoff/routing/rules/{second.pk}/move", {"direction": "up"}
    )

    assert [row[:2] for row in _rules()] == [(1, "Second"), (5, "First")]


def test_the_first_rule_cannot_move_up(client: Client, personas: Personas) -> None:
    first = _rule(1, "First", team=_team("Sales"))

    response = _signed_in(client, personas, "manager").post(
        f"/handoff/routing/rules/{first.pk}/move", {"direction": "up"}, follow=True
    )

    assert [str(m) for m in response.context["messages"]] == ["“First” is already the first rule."]
    assert [row[:2] for row in _rules()] == [(1, "First")]


def test_a_deactivated_rule_places_no_more_leads(client: Client, personas: Personas) -> None:
    rule = _rule(1, rep=personas.sales_rep)

    _signed_in(client, personas, "manager").post(
        f"/handoff/routing/rules/{rule.pk}/active", {"is_active": "false"}
    )
    lead = make_lead(stage=Stage.MQL, email="a@example.com")

    assert RoutingRule.objects.get(pk=rule.pk).is_active is False
    assert not Assignment.objects.filter(lead=lead).exists()


def test_a_rule_that_placed_leads_is_deactivated_rather_than_deleted(
    client: Client, personas: Personas
) -> None:
    used = _rule(1, "Used", rep=personas.sales_rep)
    unused = _rule(2, "Unused", team=_team("Sales"))
    make_lead(stage=Stage.MQL, email="a@example.com")
    signed_in = _signed_in(client, personas, "admin")

    signed_in.post(f"/handoff/routing/rules/{unused.pk}/delete")
    response = signed_in.post(f"/handoff/routing/rules/{used.pk}/delete", follow=True)

    assert [row[:3] for row in _rules()] == [(1, "Used", False)]
    assert KEPT.format(name="Used") in [str(m) for m in response.context["messages"]]


@time_machine.travel(NOW, tick=False)
def test_a_manager_sets_a_reps_capacity_and_absence(client: Client, personas: Personas) -> None:
    response = _signed_in(client, personas, "manager").post(
        f"/handoff/routing/reps/{personas.sales_rep.pk}/capacity",
        {"open_leads": "12", "away_until": "2026-03-09T08:00"},
    )

    capacity = RepCapacity.objects.get(rep=personas.sales_rep)
    assert response.status_code == 302
    # The page's times are the organisation's (UTC in tests).
    assert (capacity.open_leads, capacity.away_until) == (
        12,
        dt.datetime(2026, 3, 9, 8, tzinfo=dt.UTC),
    )
    load = next(row for row in routing_queries.rep_loads(NOW) if row.rep == personas.sales_rep)
    assert (load.capacity, load.is_away, load.takes_leads) == (12, True, False)


@time_machine.travel(NOW, tick=False)
def test_the_reps_table_shows_open_leads_against_capacity_and_who_is_skipped(
    client: Client, personas: Personas
) -> None:
    services.set_capacity(by=None, rep=personas.other_rep, open_leads=1)
    services.set_capacity(
        by=None, rep=personas.rival_rep, open_leads=5, away_until=NOW + dt.timedelta(days=1)
    )
    _rule(1, rep=personas.other_rep)
    make_lead(stage=Stage.MQL, email="a@example.com")

    response = _signed_in(client, personas, "executive").get("/handoff/routing/")

    rows = {
        load.rep.username: (load.open_leads, load.capacity, load.is_away, load.is_full)
        for load in response.context["loads"]
    }
    assert rows == {
        "sales_rep": (0, 20, False, False),
        "other_rep": (1, 1, False, True),
        "rival_rep": (0, 5, True, False),
    }
    page = response.content.decode()
    assert "Full" in page
    assert "Away" in page


def test_a_capacity_out_of_bounds_is_refused(client: Client, personas: Personas) -> None:
    response = _signed_in(client, personas, "manager").post(
        f"/handoff/routing/reps/{personas.sales_rep.pk}/capacity",
        {"open_leads": "-1"},
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        "Sales Rep's capacity was not saved. Capacity: Ensure this value is greater than or "
        "equal to 0."
    ]
    assert not RepCapacity.objects.exists()


def test_the_page_reads_in_a_fixed_number_of_queries(
    client: Client, personas: Personas, django_assert_num_queries: Any
) -> None:
    for position in range(1, 6):
        _rule(position, rep=personas.sales_rep)
    lead_services.create_company(by=None, name="Acme")
    signed_in = _signed_in(client, personas, "manager")

    with django_assert_num_queries(9):
        signed_in.get("/handoff/routing/")
