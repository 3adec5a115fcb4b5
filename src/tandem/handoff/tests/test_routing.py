"""Routing new MQLs: rules in order, turns weighted by capacity, away and full reps skipped,
every assignment recorded with what made it; managers reassign."""

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth.models import User

from tandem.core.errors import DomainError, PermissionDenied
from tandem.core.testing import Personas, make_lead
from tandem.core.time import now
from tandem.handoff import services
from tandem.handoff.models import Assignment, RepCapacity, RoutingRule
from tandem.leads import lifecycle
from tandem.leads import services as lead_services
from tandem.leads.models import Lead, Stage
from tandem.people.models import Team
from tandem.people.services import create_person

pytestmark = pytest.mark.django_db


def _team(name: str) -> Team:
    return Team.objects.get(name=name)


def _rule(position: int, *, team: Team | None = None, rep: User | None = None, **kw) -> RoutingRule:
    return RoutingRule.objects.create(
        name=f"Rule {position}", position=position, team=team, rep=rep, **kw
    )


def _mql(n: int, **fields: object) -> Lead:
    return make_lead(stage=Stage.MQL, email=f"lead{n}@example.com", **fields)


def _capacity(rep: User, open_leads: int, away_until: dt.datetime | None = None) -> None:
    RepCapacity.objects.create(rep=rep, open_leads=open_leads, away_until=away_until)


def test_within_a_team_reps_get_leads_in_proportion_to_their_capacity(
    personas: Personas,
) -> None:
    third = create_person(
        username="third", password="x" * 12, team=_team("Sales"), role="sales_rep"
    )
    _rule(1, team=_team("Sales"))
    for rep, capacity in ((personas.sales_rep, 10), (personas.other_rep, 20), (third, 30)):
        _capacity(rep, capacity)

    for n in range(60):
        services.route_lead(lead=_mql(n))

    counts = Counter(Assignment.objects.values_list("rep__username", flat=True))
    assert counts == {"sales_rep": 10, "other_rep": 20, "third": 30}


def test_the_first_rule_the_lead_meets_decides_and_is_recorded(personas: Personas) -> None:
    enterprise = lead_services.create_company(by=None, name="Big", segment="Enterprise")
    _rule(
        1,
        team=_team("Enterprise sales"),
        conditions=[{"field": "company.segment", "op": "equals", "value": "Enterprise"}],
    )
    catch_all = _rule(2, team=_team("Sales"))

    big = services.route_lead(lead=_mql(1, company_id=enterprise.pk))
    small = services.route_lead(lead=_mql(2))

    assert big is not None
    assert small is not None
    assert (big.rep, big.rule.position) == (personas.rival_rep, 1)
    assert (small.rule, small.reason) == (catch_all, "Routed by rule 2 (Rule 2).")
    assert Lead.objects.get(pk=big.lead_id).owner == personas.rival_rep


def test_a_lead_is_routed_once(personas: Personas) -> None:
    _rule(1, team=_team("Sales"))
    lead = _mql(1)
    first = services.route_lead(lead=lead)
    assert services.route_lead(lead=lead) == first
    assert Assignment.objects.count() == 1


def test_away_and_full_reps_are_skipped_and_then_the_next_rule_is_tried(
    personas: Personas,
) -> None:
    _capacity(personas.sales_rep, 5, away_until=now() + dt.timedelta(days=3))
    _capacity(personas.other_rep, 1)
    _rule(1, team=_team("Sales"))
    _rule(2, rep=personas.rival_rep)

    first, second = (services.route_lead(lead=_mql(n)) for n in range(2))

    assert first is not None
    assert second is not None
    assert (first.rep, second.rep) == (personas.other_rep, personas.rival_rep)


def test_a_lead_no_rule_can_place_waits_unassigned(personas: Personas) -> None:
    _rule(1, team=_team("Sales"), is_active=False)
    assert services.route_lead(lead=_mql(1)) is None
    assert not Assignment.objects.exists()


def test_a_manager_reassigns_within_the_team_and_the_earlier_assignment_ends(
    personas: Personas,
) -> None:
    _rule(1, rep=personas.sales_rep)
    lead = _mql(1)
    first = services.route_lead(lead=lead)

    moved = services.reassign(
        lead=lead, to=personas.other_rep, by=personas.manager, reason="Speaks German"
    )

    assert first is not None
    assert Assignment.objects.get(pk=first.pk).ended_at is not None
    assert (moved.rep, moved.rule, moved.assigned_by) == (
        personas.other_rep,
        None,
        personas.manager,
    )
    assert moved.reason == "Reassigned by Manager: Speaks German"
    assert Lead.objects.get(pk=lead.pk).owner == personas.other_rep


@pytest.mark.parametrize("who", ["sales_rep", "marketer", "executive"])
def test_only_managers_and_admins_reassign(personas: Personas, who: str) -> None:
    lead = _mql(1)
    with pytest.raises(PermissionDenied):
        services.reassign(lead=lead, to=personas.other_rep, by=personas.by_name(who), reason="x")


def test_a_manager_may_not_reassign_to_another_teams_rep(personas: Personas) -> None:
    with pytest.raises(PermissionDenied):
        services.reassign(
            lead=_mql(1), to=personas.rival_rep, by=personas.manager, reason="Busy week"
        )


def test_a_reassignment_needs_a_reason(personas: Personas) -> None:
    with pytest.raises(DomainError):
        services.reassign(lead=_mql(1), to=personas.other_rep, by=personas.manager, reason=" ")


def test_a_lead_is_routed_as_it_becomes_an_mql(personas: Personas) -> None:
    _rule(1, team=_team("Sales"))
    lead = make_lead(stage=Stage.LEAD, email="a@example.com")
    assert not Assignment.objects.exists()

    lifecycle.change_stage(lead=lead, to_stage=Stage.MQL, by=personas.marketer)

    assert Assignment.objects.get(lead=lead).rule.position == 1


def test_leads_made_mqls_together_are_routed_together_with_capacity_weighting(
    personas: Personas,
) -> None:
    _rule(1, team=_team("Sales"))
    _capacity(personas.sales_rep, 10)
    _capacity(personas.other_rep, 30)
    leads = [make_lead(stage=Stage.LEAD, email=f"{n}@example.com") for n in range(40)]

    lifecycle.change_stages_in_bulk(
        reasons={lead.pk: "Meets the rule" for lead in leads},
        to_stage=Stage.MQL,
        at=now(),
        actor_label="scoring",
    )

    counts = Counter(Assignment.objects.values_list("rep__username", flat=True))
    assert counts == {"sales_rep": 10, "other_rep": 30}
    assert set(Lead.objects.values_list("owner__username", flat=True)) == {"sales_rep", "other_rep"}


def test_a_lead_that_is_not_an_mql_is_not_routed(personas: Personas) -> None:
    _rule(1, team=_team("Sales"))
    lead = make_lead(stage=Stage.LEAD, email="a@example.com")
    lifecycle.change_stage(lead=lead, to_stage=Stage.DISQUALIFIED, by=personas.marketer)
    assert not Assignment.objects.exists()


def test_a_manager_adds_a_rule_whose_conditions_are_checked(personas: Personas) -> None:
    rule = services.create_rule(
        by=personas.manager,
        name="Germany",
        position=1,
        team=_team("Sales"),
        conditions=[{"field": "country", "op": "equals", "value": "DE"}],
    )
    assert rule.conditions == [{"field": "country", "op": "equals", "value": "DE"}]
    with pytest.raises(DomainError, match="not valid"):
        services.create_rule(
            by=personas.manager,
            name="Bad",
            position=2,
            team=_team("Sales"),
            conditions=[{"field": "shoe_size", "op": "equals", "value": 9}],
        )
    with pytest.raises(DomainError):
        services.create_rule(by=personas.manager, name="Nowhere", position=3)


@pytest.mark.parametrize("who", ["sales_rep", "marketer", "marketing_lead", "executive"])
def test_only_sales_managers_and_admins_change_routing(personas: Personas, who: str) -> None:
    with pytest.raises(PermissionDenied):
        services.create_rule(
            by=personas.by_name(who), name="Mine", position=1, rep=personas.sales_rep
        )
    with pytest.raises(PermissionDenied):
        services.set_capacity(by=personas.by_name(who), rep=personas.sales_rep, open_leads=99)
