"""The demo's handoff: every MQL routed by the rule with capacity weighting, and the history of
how sales answered earlier MQLs, consistent with the ledger."""

from collections import Counter

import pytest
from django.contrib.auth.models import User

from tandem.campaigns.models import Campaign
from tandem.core.demo.agreement import write_agreement
from tandem.core.demo.handoff import write_briefs, write_handoff_history
from tandem.core.demo.plan import make_plan
from tandem.core.demo.routing import CAPACITIES, RULE_NAME, route_waiting_mqls, write_rules
from tandem.core.demo.write_services import write_people, write_with_services
from tandem.core.time import now
from tandem.handoff.models import Assignment, Decision, Rejection
from tandem.leads.models import Lead, Stage, StageChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(django_capture_on_commit_callbacks) -> int:  # type: ignore[no-untyped-def]
    """Demo data of 300 leads, signed, routed, with its handoff history; returns how many
    earlier MQLs the history answered."""
    plan = make_plan(leads=300, today=now().date(), seed=11)
    write_with_services(plan)
    with django_capture_on_commit_callbacks(execute=True):
        write_agreement(write_people(plan.teams, plan.people, password=None))
        write_rules()
        answered = write_handoff_history(seed=11)
        route_waiting_mqls()
        write_briefs()
    return answered


def test_no_lead_has_more_than_one_current_assignment(demo: int) -> None:
    current = Counter(
        Assignment.objects.filter(ended_at__isnull=True).values_list("lead_id", flat=True)
    )
    assert max(current.values()) == 1


def test_every_mql_has_exactly_one_current_assignment_made_by_the_rule(demo: int) -> None:
    mqls = Lead.objects.filter(stage=Stage.MQL)
    assert mqls.exists()
    for lead in mqls:
        [current] = Assignment.objects.filter(lead=lead, ended_at__isnull=True)
        assert current.rule is not None
        assert current.rule.name == RULE_NAME


def test_reps_get_routed_mqls_in_proportion_to_their_capacity(
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    # The demo's routing alone, on no earlier handoffs: the split is the capacities' alone.
    plan = make_plan(leads=300, today=now().date(), seed=11)
    write_with_services(plan)
    with django_capture_on_commit_callbacks(execute=True):
        write_agreement(write_people(plan.teams, plan.people, password=None))
        write_rules()
        route_waiting_mqls()
    routed = Counter(Assignment.objects.values_list("rep__username", flat=True))
    total = sum(routed.values())
    assert total >= 6
    share = CAPACITIES["sam.rep"] / sum(CAPACITIES.values())
    assert abs(routed["sam.rep"] - total * share) <= 1
    assert routed["sam.rep"] + routed["riley.rep"] == total


def test_each_lead_rejected_in_the_ledger_has_an_agreed_reason_of_its_outcome(demo: int) -> None:
    assert demo > 0
    handed_back = StageChange.objects.filter(
        from_stage=Stage.MQL, to_stage__in=[Stage.RECYCLED, Stage.DISQUALIFIED]
    )
    assert handed_back.exists()
    for change in handed_back:
        rejection = Rejection.objects.get(lead_id=change.lead_id, at=change.at)
        expected = "recycle" if change.to_stage == Stage.RECYCLED else "disqualify"
        assert rejection.outcome == expected


def test_each_lead_accepted_in_the_ledger_has_an_accepted_assignment(demo: int) -> None:
    accepted = StageChange.objects.filter(from_stage=Stage.MQL, to_stage=Stage.SAL)
    for change in accepted:
        assignment = Assignment.objects.get(lead_id=change.lead_id, decided_at=change.at)
        assert assignment.decision == Decision.ACCEPTED
        assert assignment.rep in User.objects.filter(membership__role="sales_rep")


def test_every_campaign_has_a_brief(demo: int) -> None:
    assert not Campaign.objects.filter(product="").exists()
