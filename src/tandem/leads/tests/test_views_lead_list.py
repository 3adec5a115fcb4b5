import datetime as dt

import pytest
from django.test import Client
from pytest_django.fixtures import DjangoAssertNumQueries

from tandem.campaigns import services as campaign_services
from tandem.core.testing import Personas, make_lead
from tandem.leads import services
from tandem.leads.models import Lead, Stage
from tandem.leads.views import PAGE_SIZE

pytestmark = pytest.mark.django_db

JAN = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def leads(personas: Personas) -> dict[str, Lead]:
    """One lead per kind of owner, each a day apart, so the list order is known."""
    return {
        "mine": make_lead(
            owner=personas.sales_rep,
            at=JAN,
            first_name="Ana",
            last_name="Mine",
            email="ana@example.com",
        ),
        "teammates": make_lead(
            owner=personas.other_rep,
            at=JAN + dt.timedelta(days=1),
            first_name="Ben",
            last_name="Teammate",
            email="ben@example.com",
        ),
        "rivals": make_lead(
            owner=personas.rival_rep,
            at=JAN + dt.timedelta(days=2),
            first_name="Cleo",
            last_name="Rival",
            email="cleo@example.com",
        ),
        "unassigned": make_lead(
            at=JAN + dt.timedelta(days=3),
            first_name="Dan",
            last_name="Nobody",
            email="dan@example.com",
        ),
    }


def names_listed(response) -> list[str]:
    return [lead.display_name for lead in response.context["page"].leads]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("marketer", ["Dan Nobody", "Cleo Rival", "Ben Teammate", "Ana Mine"]),
        ("marketing_lead", ["Dan Nobody", "Cleo Rival", "Ben Teammate", "Ana Mine"]),
        ("sales_rep", ["Ana Mine"]),
        ("other_rep", ["Ben Teammate"]),
        ("manager", ["Dan Nobody", "Ben Teammate", "Ana Mine"]),
        ("rival_manager", ["Dan Nobody", "Cleo Rival"]),
        ("executive", ["Dan Nobody", "Cleo Rival", "Ben Teammate", "Ana Mine"]),
        ("admin", ["Dan Nobody", "Cleo Rival", "Ben Teammate", "Ana Mine"]),
    ],
)
def test_each_role_sees_the_leads_it_may_see_newest_first(
    client: Client, personas: Personas, leads: dict[str, Lead], persona: str, expected: list[str]
) -> None:
    client.force_login(personas.by_name(persona))

    response = client.get("/leads/")

    assert response.status_code == 200
    assert names_listed(response) == expected
    page = response.content.decode()
    assert all(f">{name}</a>" in page for name in expected)


def test_a_rep_never_sees_another_reps_lead_in_the_page(
    client: Client, personas: Personas, leads: dict[str, Lead]
) -> None:
    client.force_login(personas.sales_rep)

    page = client.get("/leads/").content.decode()

    assert "Ben Teammate" not in page
    assert "Cleo Rival" not in page
    assert "Dan Nobody" not in page


def test_the_stage_filter_narrows_the_list(
    client: Client, personas: Personas, leads: dict[str, Lead]
) -> None:
    mql = make_lead(stage=Stage.MQL, at=JAN, first_name="Eve", last_name="Engaged")
    client.force_login(personas.marketer)

    response = client.get("/leads/", {"stage": "mql"})

    assert names_listed(response) == [mql.display_name]


def test_the_search_matches_names_emails_and_companies(
    client: Client, personas: Personas, leads: dict[str, Lead]
) -> None:
    acme = services.create_company(by=None, name="Acme Robotics")
    make_lead(at=JAN, first_name="Fay", last_name="Factory", company_id=acme.pk)
    client.force_login(personas.marketer)

    by_company = client.get("/leads/", {"search": "robotics"})
    by_email = client.get("/leads/", {"search": "cleo@"})

    assert names_listed(by_company) == ["Fay Factory"]
    assert names_listed(by_email) == ["Cleo Rival"]


def test_the_source_campaign_and_segment_filters_narrow_the_list(
    client: Client, personas: Personas, leads: dict[str, Lead]
) -> None:
    campaign = campaign_services.create_campaign(
        by=None, name="Spring webinar", utm_key="spring-webinar", channel="webinar"
    )
    company = services.create_company(by=None, name="Globex", segment="Enterprise")
    make_lead(at=JAN, first_name="Gus", last_name="Source", source="webinar")
    make_lead(at=JAN, first_name="Hal", last_name="Touch", last_touch_campaign_id=campaign.pk)
    make_lead(at=JAN, first_name="Ida", last_name="Segment", company_id=company.pk)
    client.force_login(personas.marketer)

    by_source = client.get("/leads/", {"source": "webinar"})
    by_campaign = client.get("/leads/", {"campaign": campaign.pk})
    by_segment = client.get("/leads/", {"segment": "Enterprise"})
    by_company = client.get("/leads/", {"company": company.pk})

    assert names_listed(by_source) == ["Gus Source"]
    assert names_listed(by_campaign) == ["Hal Touch"]
    assert names_listed(by_segment) == ["Ida Segment"]
    assert names_listed(by_company) == ["Ida Segment"]
    assert "Company: Globex" in by_company.content.decode()


def test_a_manager_narrows_by_the_owners_of_their_team(
    client: Client, personas: Personas, leads: dict[str, Lead]
) -> None:
    client.force_login(personas.manager)

    response = client.get("/leads/", {"owner": personas.other_rep.pk})

    assert names_listed(response) == ["Ben Teammate"]
    owners = [value for value, _ in response.context["form"].fields["owner"].choices]
    assert owners == ["", personas.manager.pk, personas.other_rep.pk, personas.sales_rep.pk]


def test_a_rep_is_not_offered_an_owner_filter(
    client: Client, personas: Personas, leads: dict[str, Lead]
) -> None:
    client.force_login(personas.sales_rep)

    response = client.get("/leads/")

    assert "owner" not in response.context["form"].fields
    assert 'name="owner"' not in response.content.decode()


def test_an_invalid_filter_is_left_out_and_said_so(
    client: Client, personas: Personas, leads: dict[str, Lead]
) -> None:
    client.force_login(personas.marketer)

    response = client.get("/leads/", {"stage": "bogus", "search": "ana"})

    assert response.status_code == 200
    assert names_listed(response) == ["Ana Mine"]
    assert "This filter was left out." in response.content.decode()


def test_htmx_gets_the_table_alone(
    client: Client, personas: Personas, leads: dict[str, Lead]
) -> None:
    client.force_login(personas.marketer)

    response = client.get("/leads/", {"search": "ana"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert [template.name for template in response.templates] == ["leads/partials/lead_table.html"]
    assert b"<html" not in response.content
    assert b"Ana Mine" in response.content
    assert "HX-Request" in response["Vary"]


def test_htmx_restoring_history_gets_the_whole_page(
    client: Client, personas: Personas, leads: dict[str, Lead]
) -> None:
    client.force_login(personas.marketer)

    response = client.get(
        "/leads/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )

    assert response.templates[0].name == "leads/list.html"
    assert b"<html" in response.content


def test_the_filter_form_works_without_javascript(
    client: Client, personas: Personas, leads: dict[str, Lead]
) -> None:
    client.force_login(personas.marketer)

    page = client.get("/leads/").content.decode()

    assert '<form class="filters card" method="get" action="/leads/"' in page
    assert 'hx-get="/leads/"' in page
    assert 'hx-push-url="true"' in page
    assert '<button type="submit" class="button-primary">Filter</button>' in page


def test_the_list_pages_without_counting_every_lead(client: Client, personas: Personas) -> None:
    for number in range(PAGE_SIZE + 1):
        make_lead(at=JAN + dt.timedelta(minutes=number), email=f"lead{number}@example.com")
    client.force_login(personas.marketer)

    first = client.get("/leads/")
    second = client.get("/leads/", {"page": 2})

    assert len(first.context["page"].leads) == PAGE_SIZE
    assert (first.context["page"].has_previous, first.context["page"].has_next) == (False, True)
    assert names_listed(second) == ["lead0@example.com"]
    assert (second.context["page"].has_previous, second.context["page"].has_next) == (True, False)
    assert 'href="?page=2"' in first.content.decode()
    assert "Leads 51\N{EN DASH}51" in second.content.decode()


def test_a_page_past_the_end_says_there_is_nothing_more(
    client: Client, personas: Personas, leads: dict[str, Lead]
) -> None:
    client.force_login(personas.marketer)

    response = client.get("/leads/", {"page": 9})

    assert response.status_code == 200
    assert names_listed(response) == []
    assert "No more leads on page 9." in response.content.decode()


def test_the_list_runs_a_fixed_number_of_queries(
    client: Client,
    personas: Personas,
    leads: dict[str, Lead],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    client.force_login(personas.manager)
    for number in range(10):
        make_lead(owner=personas.sales_rep, at=JAN, email=f"more{number}@example.com")

    # Session, user, membership; the choices of campaign, segment and owner; the page.
    with django_assert_num_queries(7):
        response = client.get("/leads/", {"stage": "lead"})

    assert len(response.context["page"].leads) == 13
