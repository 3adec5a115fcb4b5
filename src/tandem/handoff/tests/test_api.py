"""The handoff API: the queue, the card, and the rep's answers, as a program calls them."""

import pytest

from tandem.campaigns.models import Campaign
from tandem.core.testing import Personas, activate_starter_agreement, make_lead
from tandem.handoff.models import RoutingRule
from tandem.leads.models import Lead, Stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(personas: Personas) -> Lead:
    activate_starter_agreement(personas)
    RoutingRule.objects.create(name="Rep", position=1, rep=personas.sales_rep)
    campaign = Campaign.objects.create(
        name="Spring webinar", utm_key="spring", channel="webinar", offer="A funnel audit"
    )
    return make_lead(stage=Stage.MQL, email="ann@example.com", last_touch_campaign_id=campaign.pk)


def test_the_queue_lists_the_reps_current_assignments(api_as, lead: Lead) -> None:
    response = api_as("sales_rep").get("/api/v1/handoff/queue")

    assert response.status_code == 200
    [item] = response.json()
    assert (item["lead_id"], item["lead_stage"], item["decision"]) == (lead.pk, "mql", None)


def test_the_card_carries_the_campaign_brief_and_the_reps_actions(
    api_as, personas: Personas, lead: Lead
) -> None:
    body = api_as("sales_rep").get(f"/api/v1/handoff/leads/{lead.pk}/card").json()

    assert body["campaigns"][0]["offer"] == "A funnel audit"
    assert body["actions"]["accept"] is True
    assert body["current"]["rep_id"] == personas.sales_rep.pk


def test_accept_answers_the_lead_at_sal(api_as, lead: Lead) -> None:
    response = api_as("sales_rep").post(f"/api/v1/handoff/leads/{lead.pk}/accept", {})

    assert (response.status_code, response.json()["stage"]) == (200, "sal")


def test_reject_records_the_reason_and_answers_201(api_as, lead: Lead) -> None:
    response = api_as("sales_rep").post(
        f"/api/v1/handoff/leads/{lead.pk}/reject", {"reason": "timing", "note": "Q3"}
    )

    assert response.status_code == 201
    assert (response.json()["reason_code"], response.json()["agreement_version"]) == ("timing", 1)


def test_an_unknown_reason_is_a_400_naming_the_agreed_ones(api_as, lead: Lead) -> None:
    response = api_as("sales_rep").post(
        f"/api/v1/handoff/leads/{lead.pk}/reject", {"reason": "meh", "note": "x"}
    )

    assert response.status_code == 400
    assert "not-ready, timing" in response.json()["error"]["message"]


def test_a_second_accept_is_a_409(api_as, lead: Lead) -> None:
    client = api_as("sales_rep")
    client.post(f"/api/v1/handoff/leads/{lead.pk}/accept", {})

    assert client.post(f"/api/v1/handoff/leads/{lead.pk}/accept", {}).status_code == 409


def test_a_touch_with_an_unknown_kind_is_a_422(api_as, lead: Lead) -> None:
    response = api_as("sales_rep").post(
        f"/api/v1/handoff/leads/{lead.pk}/touches", {"kind": "carrier pigeon"}
    )

    assert response.status_code == 422


def test_qualify_opens_a_deal(api_as, lead: Lead) -> None:
    response = api_as("sales_rep").post(
        f"/api/v1/handoff/leads/{lead.pk}/qualify",
        {"deal_name": "Rollout", "amount": "5000.00", "currency": "usd"},
    )

    assert response.status_code == 201
    assert (response.json()["currency"], response.json()["stage"]) == ("USD", "qualification")


def test_marketing_may_not_accept(api_as, lead: Lead) -> None:
    response = api_as("marketer").post(f"/api/v1/handoff/leads/{lead.pk}/accept", {})

    assert response.status_code == 403


def test_a_rep_may_not_reassign(api_as, personas: Personas, lead: Lead) -> None:
    response = api_as("sales_rep").post(
        f"/api/v1/handoff/leads/{lead.pk}/reassign",
        {"rep_id": personas.other_rep.pk, "reason": "Busy"},
    )

    assert response.status_code == 403


def test_the_manager_reassigns(api_as, personas: Personas, lead: Lead) -> None:
    response = api_as("manager").post(
        f"/api/v1/handoff/leads/{lead.pk}/reassign",
        {"rep_id": personas.other_rep.pk, "reason": "Holiday"},
    )

    assert (response.status_code, response.json()["rep_id"]) == (201, personas.other_rep.pk)


def test_the_stage_api_refuses_to_hand_a_lead_back_without_a_reason(api_as, lead: Lead) -> None:
    response = api_as("sales_rep").post(
        f"/api/v1/leads/{lead.pk}/stage", {"stage": "recycled", "reason": "meh"}
    )

    assert (response.status_code, response.json()["error"]["code"]) == (409, "use_reject")
