"""The agreement page: the version in force section by section, and every version."""

import pytest
from django.test import Client
from pytest_django.fixtures import DjangoAssertNumQueries

from tandem.agreement import services
from tandem.agreement.models import AgreementVersion
from tandem.agreement.tests.conftest import DRAFTERS, NOT_DRAFTERS, TEAM, activate
from tandem.agreement.views import ACTIVE_SOURCE, CREATED, STARTER_SOURCE
from tandem.core.testing import Personas
from tandem.leads.queries import NOT_ON_A_TEAM

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", TEAM)
def test_everyone_on_a_team_reads_the_agreement_in_force(
    client: Client, personas: Personas, active: AgreementVersion, persona: str
) -> None:
    client.force_login(personas.by_name(persona))

    response = client.get("/agreement/")

    assert response.status_code == 200
    page = response.content.decode()
    for section in (
        "Fit rules",
        "Fit grades",
        "Engagement rules",
        "MQL rule",
        "Service levels",
        "Rejection reasons",
        "Recycling",
        "Glossary",
    ):
        assert f"<h2>{section}</h2>" in page
    assert (
        "A lead is an MQL when its fit grade is A or B and its engagement score is at least 40."
        in page
    )
    assert "at most 30 per lead" in page
    assert "Points halve every 30 days." in page
    assert "The lead is disqualified." in page
    assert "owned by sales" in page
    assert 'id="versions"' in page
    assert "Marketing Lead" in page
    assert "as sales manager" in page


def test_without_an_agreement_in_force_the_page_says_so(client: Client, personas: Personas) -> None:
    client.force_login(personas.sales_rep)

    response = client.get("/agreement/")

    page = response.content.decode()
    assert 'id="no-agreement"' in page
    assert "No version has been drafted yet." in page


def test_the_versions_list_shows_status_and_signatures(
    client: Client, personas: Personas, active: AgreementVersion, draft: AgreementVersion
) -> None:
    client.force_login(personas.executive)

    page = client.get("/agreement/").content.decode()

    assert "v2 · Our first agreement" in page
    assert ">Draft</span>" in page
    assert ">Active</span>" in page


@pytest.mark.parametrize("persona", DRAFTERS)
def test_drafters_are_offered_a_new_draft(client: Client, personas: Personas, persona: str) -> None:
    client.force_login(personas.by_name(persona))

    assert 'id="draft-form"' in client.get("/agreement/").content.decode()


@pytest.mark.parametrize("persona", NOT_DRAFTERS[:-1])
def test_no_one_else_is_offered_one(client: Client, personas: Personas, persona: str) -> None:
    client.force_login(personas.by_name(persona))

    assert 'id="draft-form"' not in client.get("/agreement/").content.decode()


def test_someone_on_no_team_may_not_read_the_agreement(
    client: Client, personas: Personas, active: AgreementVersion
) -> None:
    client.force_login(personas.outsider)

    response = client.get("/agreement/")

    assert response.status_code == 403
    assert NOT_ON_A_TEAM in response.content.decode()
    assert "Fit rules" not in response.content.decode()


def test_anonymous_visitors_are_sent_to_login(client: Client) -> None:
    response = client.get("/agreement/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_new_draft_starts_from_the_agreement_in_force_and_opens_the_editor(
    client: Client, personas: Personas, active: AgreementVersion
) -> None:
    client.force_login(personas.manager)

    response = client.post("/agreement/new", {"title": "Faster follow-up"}, follow=True)

    assert response.redirect_chain == [("/agreement/v/2/edit", 302)]
    version = AgreementVersion.objects.get(number=2)
    assert (version.title, version.based_on, version.content) == (
        "Faster follow-up",
        active,
        active.content,
    )
    source = ACTIVE_SOURCE.format(number=1)
    assert CREATED.format(number=2, source=source) in response.content.decode()


def test_the_first_draft_starts_from_the_starter_terms(client: Client, personas: Personas) -> None:
    client.force_login(personas.marketing_lead)

    response = client.post("/agreement/new", {"title": "First"}, follow=True)

    assert CREATED.format(number=1, source=STARTER_SOURCE) in response.content.decode()


@pytest.mark.parametrize("persona", NOT_DRAFTERS)
def test_no_one_else_starts_a_draft(client: Client, personas: Personas, persona: str) -> None:
    client.force_login(personas.by_name(persona))

    response = client.post("/agreement/new", {"title": "Mine"})

    assert response.status_code == 403
    assert not AgreementVersion.objects.exists()


def test_a_draft_needs_a_title(client: Client, personas: Personas) -> None:
    client.force_login(personas.marketing_lead)

    response = client.post("/agreement/new", {"title": ""}, follow=True)

    assert response.redirect_chain == [("/agreement/", 302)]
    assert "Title: This field is required." in response.content.decode()
    assert not AgreementVersion.objects.exists()


def test_the_top_bar_links_the_agreement_and_loads_the_bell(
    client: Client, personas: Personas
) -> None:
    client.force_login(personas.sales_rep)

    page = client.get("/agreement/").content.decode()

    assert '<a href="/agreement/" aria-current="page">Agreement</a>' in page
    assert 'hx-get="/notifications/bell" hx-trigger="load, every 60s' in page


def test_the_page_takes_the_same_queries_for_2_and_6_versions(
    client: Client, personas: Personas, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client.force_login(personas.sales_rep)

    def add_versions(count: int) -> None:
        for _ in range(count):
            version = services.create_draft(by=personas.admin, title="V")
            activate(version, personas.marketing_lead, personas.manager)

    # The session, the user, their membership, and the versions with their signatures.
    add_versions(2)
    with django_assert_num_queries(5):
        client.get("/agreement/")
    add_versions(4)
    with django_assert_num_queries(5):
        response = client.get("/agreement/")

    assert len(response.context["versions"]) == 6
