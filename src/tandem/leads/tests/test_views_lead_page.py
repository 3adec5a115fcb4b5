import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from pytest_django.fixtures import DjangoAssertNumQueries, Settings

from tandem.campaigns import services as campaign_services
from tandem.core.testing import Personas, make_lead
from tandem.handoff.card import TIMELINE_LENGTH
from tandem.leads import lifecycle, services
from tandem.leads.lifecycle import FORBIDDEN_MOVE
from tandem.leads.models import Lead, Stage, StageChange
from tandem.leads.queries import NOT_ON_A_TEAM, READ_ONLY_ROLE

pytestmark = pytest.mark.django_db

JAN = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)
FEB = dt.datetime(2025, 2, 10, 14, 30, tzinfo=dt.UTC)

MAY_SEE_THE_REPS_LEAD = ["marketer", "marketing_lead", "sales_rep", "manager", "executive", "admin"]
MAY_NOT_SEE_THE_REPS_LEAD = ["other_rep", "rival_rep", "rival_manager"]


@pytest.fixture
def lead(personas: Personas) -> Lead:
    """A lead of `sales_rep` with two rows of history, one by a person and one by the system."""
    campaign = campaign_services.create_campaign(
        by=None, name="Spring webinar", utm_key="spring-webinar", channel="webinar"
    )
    company = services.create_company(by=None, name="Acme Robotics", segment="Mid-market")
    lead = make_lead(
        stage=Stage.LEAD,
        at=JAN,
        owner=personas.sales_rep,
        first_name="Ana",
        last_name="Lima",
        email="ana@acme.example",
        job_title="Head of Operations",
        country="PT",
        company_id=company.pk,
        source="webinar",
        first_touch_campaign_id=campaign.pk,
        utm_source="newsletter",
        utm_medium="email",
        utm_campaign="spring-webinar",
        landing_page="https://example.com/webinar",
    )
    lifecycle.change_stage(
        lead=lead, to_stage=Stage.MQL, by=personas.marketer, reason="Scored 80", at=FEB
    )
    return lead


def ledger(lead: Lead) -> list[tuple[str, str]]:
    return list(StageChange.objects.filter(lead=lead).values_list("from_stage", "to_stage"))


@pytest.mark.parametrize("persona", MAY_SEE_THE_REPS_LEAD)
def test_whoever_may_see_the_lead_sees_its_page(
    client: Client, personas: Personas, lead: Lead, persona: str
) -> None:
    client.force_login(personas.by_name(persona))

    response = client.get(f"/leads/{lead.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h1>Ana Lima</h1>" in page
    assert "ana@acme.example" in page
    assert "Head of Operations" in page
    assert "Acme Robotics" in page
    assert "Spring webinar" in page
    assert "https://example.com/webinar" in page
    assert [(row.from_stage, row.to_stage) for row in response.context["history"]] == [
        ("", Stage.LEAD),
        (Stage.LEAD, Stage.MQL),
    ]


@pytest.mark.parametrize("persona", MAY_NOT_SEE_THE_REPS_LEAD)
def test_a_lead_one_may_not_see_is_not_found(
    client: Client, personas: Personas, lead: Lead, persona: str
) -> None:
    client.force_login(personas.by_name(persona))

    response = client.get(f"/leads/{lead.pk}/")

    assert response.status_code == 404
    assert "Ana Lima" not in response.content.decode()


def test_a_missing_lead_is_not_found(client: Client, personas: Personas) -> None:
    client.force_login(personas.marketer)

    response = client.get("/leads/999999/")

    assert response.status_code == 404
    assert b"There is nothing at this address" in response.content


def test_someone_on_no_team_may_not_open_a_lead(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.outsider)

    response = client.get(f"/leads/{lead.pk}/")

    assert response.status_code == 403
    assert NOT_ON_A_TEAM in response.content.decode()


def test_the_history_says_when_in_the_organisations_zone_who_and_why(
    client: Client, personas: Personas, lead: Lead, settings: Settings
) -> None:
    settings.TIME_ZONE = "Europe/Paris"
    client.force_login(personas.sales_rep)

    page = client.get(f"/leads/{lead.pk}/").content.decode()

    assert "6 Jan 2025, 10:00 CET" in page
    assert "10 Feb 2025, 15:30 CET" in page
    assert "Scored 80" in page
    assert "<td>Marketer</td>" in page
    assert '<span class="muted">system</span>' in page


def test_the_page_lists_the_leads_deals(client: Client, personas: Personas, lead: Lead) -> None:
    services.create_deal(
        lead=lead,
        by=personas.sales_rep,
        name="Acme pilot",
        amount=Decimal("12500.00"),
        currency="eur",
        opened_on=dt.date(2025, 2, 12),
    )
    client.force_login(personas.sales_rep)

    response = client.get(f"/leads/{lead.pk}/")

    assert [deal.name for deal in response.context["deals"]] == ["Acme pilot"]
    page = response.content.decode()
    assert "12,500.00 EUR" in page
    assert "12 Feb 2025" in page


def test_the_timeline_shows_the_latest_moments_only(
    client: Client, personas: Personas, lead: Lead
) -> None:
    for number in range(TIMELINE_LENGTH + 1):
        services.record_event(
            lead=lead,
            type="page",
            name=f"Visit {number}",
            occurred_at=FEB + dt.timedelta(hours=number),
        )
    client.force_login(personas.sales_rep)

    response = client.get(f"/leads/{lead.pk}/")

    titles = [moment.title for moment in response.context["card"].timeline]
    assert titles == [f"Visit {number}" for number in range(TIMELINE_LENGTH, 0, -1)]
    assert "Visit 0<" not in response.content.decode()


def test_an_editor_is_offered_the_moves_the_lifecycle_allows(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.sales_rep)

    response = client.get(f"/leads/{lead.pk}/")

    offered = [value for value, _ in response.context["stage_form"].fields["to_stage"].choices]
    assert offered == ["sal", "sql", "opportunity", "customer", "recycled", "disqualified"]
    assert f'action="/leads/{lead.pk}/stage"' in response.content.decode()


def test_a_read_only_role_is_not_offered_a_move(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.executive)

    response = client.get(f"/leads/{lead.pk}/")

    assert response.context["stage_form"] is None
    assert 'id="stage-form"' not in response.content.decode()


def test_a_customer_has_no_move_to_offer(client: Client, personas: Personas) -> None:
    customer = make_lead(stage=Stage.CUSTOMER, at=JAN, owner=personas.sales_rep)
    client.force_login(personas.sales_rep)

    response = client.get(f"/leads/{customer.pk}/")

    assert response.context["stage_form"] is None
    assert "there is no stage to move to" in response.content.decode()


def test_the_lead_page_runs_a_fixed_number_of_queries(
    client: Client,
    personas: Personas,
    lead: Lead,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client.force_login(personas.sales_rep)

    # Session, user, membership, the lead; for the card its events, assignments, touches,
    # history, campaigns and rejections; its score and its deals.
    with django_assert_num_queries(12):
        client.get(f"/leads/{lead.pk}/")


def test_moving_a_lead_appends_to_its_history(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.sales_rep)

    response = client.post(
        f"/leads/{lead.pk}/stage", {"to_stage": "sal", "reason": "Called, good fit"}, follow=True
    )

    assert response.redirect_chain == [(f"/leads/{lead.pk}/", 302)]
    change = StageChange.objects.filter(lead=lead).last()
    assert change is not None
    assert (change.from_stage, change.to_stage, change.actor, change.reason) == (
        Stage.MQL,
        Stage.SAL,
        personas.sales_rep,
        "Called, good fit",
    )
    lead.refresh_from_db()
    assert lead.stage == Stage.SAL
    page = response.content.decode()
    assert "Moved to SAL." in page
    assert "Called, good fit" in page


def test_a_move_the_lifecycle_forbids_shows_why_and_changes_nothing(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.sales_rep)

    response = client.post(f"/leads/{lead.pk}/stage", {"to_stage": "inquiry"}, follow=True)

    assert response.status_code == 200
    expected = FORBIDDEN_MOVE.format(from_stage="MQL", to_stage="Inquiry")
    assert expected in response.content.decode()
    assert ledger(lead) == [("", Stage.LEAD), (Stage.LEAD, Stage.MQL)]
    lead.refresh_from_db()
    assert lead.stage == Stage.MQL


def test_an_unknown_stage_is_refused_and_changes_nothing(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.sales_rep)

    response = client.post(f"/leads/{lead.pk}/stage", {"to_stage": "won"}, follow=True)

    assert "Move to stage: Select a valid choice." in response.content.decode()
    assert ledger(lead) == [("", Stage.LEAD), (Stage.LEAD, Stage.MQL)]


def test_a_read_only_role_may_not_move_a_lead(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.executive)

    response = client.post(f"/leads/{lead.pk}/stage", {"to_stage": "sal"})

    assert response.status_code == 403
    assert READ_ONLY_ROLE.format(role="Executive", things="leads") in response.content.decode()
    assert ledger(lead) == [("", Stage.LEAD), (Stage.LEAD, Stage.MQL)]


@pytest.mark.parametrize("persona", MAY_NOT_SEE_THE_REPS_LEAD)
def test_nobody_moves_a_lead_they_may_not_see(
    client: Client, personas: Personas, lead: Lead, persona: str
) -> None:
    client.force_login(personas.by_name(persona))

    response = client.post(f"/leads/{lead.pk}/stage", {"to_stage": "sal"})

    assert response.status_code == 404
    assert ledger(lead) == [("", Stage.LEAD), (Stage.LEAD, Stage.MQL)]


def test_someone_on_no_team_may_not_move_a_lead(
    client: Client, personas: Personas, lead: Lead
) -> None:
    client.force_login(personas.outsider)

    response = client.post(f"/leads/{lead.pk}/stage", {"to_stage": "sal"})

    assert response.status_code == 403
    assert ledger(lead) == [("", Stage.LEAD), (Stage.LEAD, Stage.MQL)]


def test_an_anonymous_move_is_sent_to_login_and_changes_nothing(client: Client, lead: Lead) -> None:
    response = client.post(f"/leads/{lead.pk}/stage", {"to_stage": "sal"})

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert ledger(lead) == [("", Stage.LEAD), (Stage.LEAD, Stage.MQL)]


def test_moving_takes_a_post(client: Client, personas: Personas, lead: Lead) -> None:
    client.force_login(personas.sales_rep)

    response = client.get(f"/leads/{lead.pk}/stage", {"to_stage": "sal"})

    assert response.status_code == 405
    assert ledger(lead) == [("", Stage.LEAD), (Stage.LEAD, Stage.MQL)]
