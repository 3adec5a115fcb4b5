"""The rep's queue and the card's actions, through real requests."""

import pytest
from django.test import Client

from tandem.agreement.models import AgreementVersion
from tandem.campaigns.models import Campaign
from tandem.core.testing import Personas, activate_starter_agreement, make_lead
from tandem.handoff.models import Assignment, Decision, RoutingRule, Touch
from tandem.leads.models import Lead, Stage
from tandem.people.models import Team

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(personas: Personas) -> AgreementVersion:
    return activate_starter_agreement(personas)


@pytest.fixture
def campaign(personas: Personas) -> Campaign:
    return Campaign.objects.create(
        name="Spring webinar",
        utm_key="spring",
        channel="webinar",
        owner=personas.marketer,
        product="Tandem Cloud",
        message="Sales and marketing on one funnel.",
        hook="Stop arguing about lead quality",
        offer="A free funnel audit",
        audience="Heads of sales at 50-500 person software firms",
    )


@pytest.fixture
def lead(personas: Personas, agreement: AgreementVersion, campaign: Campaign) -> Lead:
    RoutingRule.objects.create(name="Rep", position=1, rep=personas.sales_rep)
    return make_lead(
        stage=Stage.MQL,
        email="ann@example.com",
        first_name="Ann",
        last_touch_campaign_id=campaign.pk,
    )


def test_the_queue_lists_the_reps_leads(client: Client, personas: Personas, lead: Lead) -> None:
    client.force_login(personas.sales_rep)

    response = client.get("/handoff/")

    assert [a.lead for a in response.context["assignments"]] == [lead]
    assert "Ann" in response.content.decode()


def test_another_rep_sees_none_of_them(client: Client, personas: Personas, lead: Lead) -> None:
    client.force_login(personas.other_rep)

    assert client.get("/handoff/").context["assignments"] == []


def test_the_manager_sees_the_teams_queue(client: Client, personas: Personas, lead: Lead) -> None:
    client.force_login(personas.manager)

    assert len(client.get("/handoff/").context["assignments"]) == 1


def test_the_card_shows_the_brief_of_the_campaign_that_brought_the_lead(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.sales_rep)

    page = client.get(f"/leads/{lead.pk}/").content.decode()

    for part in ("Tandem Cloud", "Stop arguing about lead quality", "A free funnel audit"):
        assert part in page


def test_the_rep_accepts_from_the_card(client: Client, personas: Personas, lead: Lead) -> None:
    client.force_login(personas.sales_rep)

    response = client.post(f"/handoff/leads/{lead.pk}/accept", follow=True)

    assert response.redirect_chain == [(f"/leads/{lead.pk}/", 302)]
    assert "is yours to work" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).stage == Stage.SAL


def test_the_rep_rejects_with_a_reason_and_a_note(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.sales_rep)

    client.post(f"/handoff/leads/{lead.pk}/reject", {"reason": "timing", "note": "Q3 budget"})

    assert Lead.objects.get(pk=lead.pk).stage == Stage.RECYCLED
    assert Assignment.objects.get(lead=lead).decision == Decision.REJECTED


def test_a_rejection_without_a_note_is_refused_with_a_sentence(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.sales_rep)

    response = client.post(
        f"/handoff/leads/{lead.pk}/reject", {"reason": "timing", "note": ""}, follow=True
    )

    assert "Note: This field is required." in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL


def test_a_touch_logged_from_the_queue_returns_to_the_queue(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.sales_rep)

    response = client.post(
        f"/handoff/leads/{lead.pk}/touch", {"kind": "call", "note": "", "next": "/handoff/"}
    )

    assert response["Location"] == "/handoff/"
    assert Touch.objects.filter(lead=lead, kind="call").exists()


def test_the_page_never_redirects_to_another_site(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.sales_rep)

    response = client.post(
        f"/handoff/leads/{lead.pk}/touch", {"kind": "call", "next": "https://evil.example/"}
    )

    assert response["Location"] == f"/leads/{lead.pk}/"


def test_qualifying_opens_a_deal(client: Client, personas: Personas, lead: Lead) -> None:
    client.force_login(personas.sales_rep)

    client.post(
        f"/handoff/leads/{lead.pk}/qualify",
        {"deal_name": "Ann's team", "amount": "9000", "currency": "EUR", "note": ""},
    )

    assert Lead.objects.get(pk=lead.pk).stage == Stage.SQL
    assert lead.deals.get().name == "Ann's team"


def test_another_rep_cannot_act_on_the_lead(client: Client, personas: Personas, lead: Lead) -> None:
    client.force_login(personas.other_rep)

    assert client.post(f"/handoff/leads/{lead.pk}/accept").status_code == 404
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL


def test_the_manager_reassigns_from_the_card(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.manager)

    client.post(
        f"/handoff/leads/{lead.pk}/reassign",
        {"to": personas.other_rep.pk, "reason": "Sam is away"},
    )

    assert Assignment.objects.get(lead=lead, ended_at__isnull=True).rep == personas.other_rep


def test_marketing_is_not_offered_the_reps_actions(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.marketer)

    page = client.get(f"/leads/{lead.pk}/").content.decode()

    assert 'id="accept-form"' not in page
    assert 'id="reject-form"' not in page


def test_a_team_routed_lead_shows_its_rule_on_the_card(
    client: Client, personas: Personas, agreement: AgreementVersion
) -> None:
    RoutingRule.objects.create(name="Team", position=1, team=Team.objects.get(name="Sales"))
    lead = make_lead(stage=Stage.MQL, email="bo@example.com")
    client.force_login(personas.manager)

    page = client.get(f"/leads/{lead.pk}/").content.decode()

    assert "Routed by rule 1 (Team)." in page


def test_the_stage_form_does_not_hand_a_lead_back_without_a_reason(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.sales_rep)

    response = client.post(
        f"/leads/{lead.pk}/stage", {"to_stage": "disqualified", "reason": ""}, follow=True
    )

    assert "goes back only through Reject" in response.content.decode()
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL


def test_the_stage_form_offers_no_way_back_for_a_lead_sales_holds(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.sales_rep)

    offered = client.get(f"/leads/{lead.pk}/").context["stage_form"].fields["to_stage"].choices

    assert Stage.DISQUALIFIED not in [value for value, _ in offered]
