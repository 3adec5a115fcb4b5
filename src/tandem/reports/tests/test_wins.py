import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import DjangoAssertNumQueries

from tandem.core.testing import Personas
from tandem.leads.models import Deal, DealStage
from tandem.reports.tests.snapshot_helpers import TEAM_PERSONAS, make_campaign, make_win

pytestmark = pytest.mark.django_db

WINS = "/api/v1/wins"


@pytest.fixture
def deals(personas: Personas) -> dict[str, Deal]:
    """Two wins by different reps (one brought by two campaigns, one by none), a lost deal and
    an open one."""
    webinar = make_campaign("Spring webinar", personas.marketer)
    ebook = make_campaign("Pricing ebook", personas.marketer)
    return {
        "acme": make_win(
            name="Acme renewal",
            owner=personas.sales_rep,
            closed_on=dt.date(2025, 3, 10),
            amount="12500.00",
            first_touch=webinar,
            last_touch=ebook,
        ),
        "globex": make_win(
            name="Globex pilot",
            owner=personas.other_rep,
            closed_on=dt.date(2025, 3, 14),
            amount="800.50",
        ),
        "lost": make_win(
            name="Initech",
            owner=personas.sales_rep,
            closed_on=dt.date(2025, 3, 15),
            stage=DealStage.LOST,
        ),
    }


def test_the_feed_lists_won_deals_only_the_latest_first(api_as, deals: dict[str, Deal]) -> None:
    response = api_as("marketer").get(WINS)

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 2
    assert [item["name"] for item in body["items"]] == ["Globex pilot", "Acme renewal"]


def test_a_win_credits_its_campaigns_and_the_rep_who_closed_it(
    api_as, personas: Personas, deals: dict[str, Deal]
) -> None:
    response = api_as("marketer").get(WINS)

    acme = response.json()["items"][1]
    assert acme == {
        "deal_id": deals["acme"].pk,
        "name": "Acme renewal",
        "company": None,
        "amount": "12500.00",
        "currency": "EUR",
        "closed_on": "2025-03-10",
        "closed_by": {
            "id": personas.sales_rep.pk,
            "username": "sales_rep",
            "name": personas.sales_rep.get_full_name(),
        },
        "first_touch_campaign": {
            "id": deals["acme"].lead.first_touch_campaign_id,
            "name": "Spring webinar",
            "channel": "email",
        },
        "last_touch_campaign": {
            "id": deals["acme"].lead.last_touch_campaign_id,
            "name": "Pricing ebook",
            "channel": "email",
        },
    }


def test_a_win_without_campaigns_says_so(api_as, deals: dict[str, Deal]) -> None:
    response = api_as("marketer").get(WINS)

    globex = response.json()["items"][0]
    assert (globex["first_touch_campaign"], globex["last_touch_campaign"]) == (None, None)


def test_a_rep_sees_the_wins_of_deals_they_cannot_open(api_as, deals: dict[str, Deal]) -> None:
    response = api_as("rival_rep").get(WINS)

    assert [item["name"] for item in response.json()["items"]] == ["Globex pilot", "Acme renewal"]


def test_someone_on_no_team_is_refused_the_feed(
    api_as, client: Client, personas: Personas, deals: dict[str, Deal]
) -> None:
    client.force_login(personas.outsider)

    assert api_as("outsider").get(WINS).status_code == 403
    assert client.get(reverse("wins:feed")).status_code == 403


def test_the_feed_reads_in_a_fixed_number_of_queries_however_many_wins(
    api_as,
    personas: Personas,
    deals: dict[str, Deal],
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    caller = api_as("executive")
    for number in range(5):
        make_win(name=f"More {number}", owner=personas.sales_rep, closed_on=dt.date(2025, 3, 1))

    # Two for the token (read, and its last use noted), then one count and one page of wins.
    with django_assert_num_queries(4):
        response = caller.get(WINS)

    assert response.json()["count"] == 7


@pytest.mark.parametrize("persona", TEAM_PERSONAS)
def test_everyone_on_a_team_reads_the_wins_page(
    client: Client, personas: Personas, deals: dict[str, Deal], persona: str
) -> None:
    client.force_login(personas.by_name(persona))

    response = client.get(reverse("wins:feed"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Globex pilot") < page.index("Acme renewal")
    assert "Initech" not in page


def test_the_wins_page_shows_amount_date_rep_and_both_campaigns(
    client: Client, personas: Personas, deals: dict[str, Deal]
) -> None:
    client.force_login(personas.manager)

    page = client.get(reverse("wins:feed")).content.decode()

    row = page.split(f'id="win-{deals["acme"].pk}"')[1].split("</tr>")[0]
    for text in [
        "10 Mar 2025",
        "Acme renewal",
        "12,500.00 EUR",
        "Sales Rep",
        "Spring webinar",
        "Pricing ebook",
    ]:
        assert text in row, text


def test_the_wins_page_says_when_nothing_was_won(client: Client, personas: Personas) -> None:
    client.force_login(personas.sales_rep)

    page = client.get(reverse("wins:feed")).content.decode()

    assert "No deals won yet." in page
