"""The deals API: deals follow their lead's visibility; sales (and admins) open and change them."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tandem.core.testing import Personas, make_lead
from tandem.leads import services as lead_services
from tandem.leads.models import Deal, DealStage, Lead, Stage, StageChange
from tandem.leads.queries import DEAL_NOT_FOUND, LEAD_NOT_FOUND, READ_ONLY_ROLE
from tandem.leads.services import LOST_DEAL_NEEDS_REASON

ApiAs = Callable[[str], Any]
JAN = dt.datetime(2024, 1, 5, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def leads(personas: Personas) -> dict[str, Lead]:
    return {
        "sales_rep": make_lead(stage=Stage.SQL, owner=personas.sales_rep, at=JAN),
        "rival_rep": make_lead(stage=Stage.SQL, owner=personas.rival_rep, at=JAN),
    }


@pytest.fixture
def deals(leads: dict[str, Lead]) -> dict[str, Deal]:
    return {
        "sales_rep": lead_services.create_deal(
            lead=leads["sales_rep"],
            by=None,
            name="Acme pilot",
            amount=Decimal("1200.00"),
            currency="eur",
            opened_on=dt.date(2026, 1, 10),
        ),
        "rival_rep": lead_services.create_deal(
            lead=leads["rival_rep"],
            by=None,
            name="Initech rollout",
            amount=Decimal("50000.00"),
            currency="USD",
            stage=DealStage.PROPOSAL,
            opened_on=dt.date(2026, 1, 12),
        ),
    }


def deal_state() -> list[tuple[Any, ...]]:
    """Every deal and every lead's stage: what creating or changing a deal may write."""
    deals = Deal.objects.order_by("pk").values_list("pk", "name", "stage", "amount", "updated_at")
    stages = Lead.objects.order_by("pk").values_list("pk", "stage")
    return [*deals, *stages, ("ledger", StageChange.objects.count())]


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("marketer", {"sales_rep", "rival_rep"}),
        ("executive", {"sales_rep", "rival_rep"}),
        ("admin", {"sales_rep", "rival_rep"}),
        ("manager", {"sales_rep"}),
        ("sales_rep", {"sales_rep"}),
        ("other_rep", set()),
        ("rival_manager", {"rival_rep"}),
    ],
)
def test_the_list_holds_the_deals_of_the_leads_the_role_sees(
    api_as: ApiAs, deals: dict[str, Deal], persona: str, visible: set[str]
) -> None:
    response = api_as(persona).get("/api/v1/deals")

    assert response.status_code == 200
    assert response.json()["count"] == len(visible)
    assert {item["id"] for item in response.json()["items"]} == {deals[n].pk for n in visible}


def test_someone_on_no_team_sees_no_deals(api_as: ApiAs, deals: dict[str, Deal]) -> None:
    client = api_as("outsider")

    statuses = (
        client.get("/api/v1/deals").status_code,
        client.get(f"/api/v1/deals/{deals['sales_rep'].pk}").status_code,
    )

    assert statuses == (403, 403)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (lambda leads: {"lead_id": leads["rival_rep"].pk}, ["rival_rep"]),
        (lambda leads: {"stage": "proposal"}, ["rival_rep"]),
        (lambda leads: {"stage": "won"}, []),
        (lambda leads: {}, ["rival_rep", "sales_rep"]),
    ],
    ids=["lead", "stage", "no-match", "all"],
)
def test_filters_narrow_the_list_latest_opened_first(
    api_as: ApiAs,
    leads: dict[str, Lead],
    deals: dict[str, Deal],
    params: Callable[[dict[str, Lead]], dict[str, object]],
    expected: list[str],
) -> None:
    response = api_as("marketer").get("/api/v1/deals", **params(leads))

    assert [item["id"] for item in response.json()["items"]] == [deals[n].pk for n in expected]


def test_a_deal_reads_with_its_amount_as_a_decimal_string(
    api_as: ApiAs, leads: dict[str, Lead], deals: dict[str, Deal]
) -> None:
    deal = deals["sales_rep"]

    response = api_as("sales_rep").get(f"/api/v1/deals/{deal.pk}")

    body = response.json()
    del body["created_at"], body["updated_at"]
    assert body == {
        "id": deal.pk,
        "lead_id": leads["sales_rep"].pk,
        "company_id": None,
        "name": "Acme pilot",
        "amount": "1200.00",
        "currency": "EUR",
        "stage": "qualification",
        "opened_on": "2026-01-10",
        "closed_on": None,
        "lost_reason": "",
        "owner_id": leads["sales_rep"].owner_id,
        "attributes": {},
    }


def test_a_deal_of_a_hidden_lead_is_not_found(api_as: ApiAs, deals: dict[str, Deal]) -> None:
    deal = deals["rival_rep"]

    response = api_as("sales_rep").get(f"/api/v1/deals/{deal.pk}")

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": DEAL_NOT_FOUND.format(deal_id=deal.pk),
            "fields": {},
        }
    }


@pytest.mark.parametrize(
    ("persona", "lead_name", "status"),
    [
        ("sales_rep", "sales_rep", 201),
        ("manager", "sales_rep", 201),
        ("admin", "rival_rep", 201),
        ("rival_manager", "rival_rep", 201),
        ("sales_rep", "rival_rep", 404),
        ("manager", "rival_rep", 404),
        ("marketer", "sales_rep", 403),
        ("marketing_lead", "sales_rep", 403),
        ("executive", "sales_rep", 403),
        ("outsider", "sales_rep", 403),
    ],
)
def test_opening_a_deal_needs_sales_and_a_lead_it_may_change(
    api_as: ApiAs, leads: dict[str, Lead], persona: str, lead_name: str, status: int
) -> None:
    lead = leads[lead_name]
    before = deal_state()

    response = api_as(persona).post(
        "/api/v1/deals",
        {"lead_id": lead.pk, "name": "Pilot", "amount": "900.50", "currency": "gbp"},
    )

    assert response.status_code == status
    if status == 201:
        deal = Deal.objects.get(pk=response.json()["id"])
        assert (deal.lead, deal.amount, deal.currency, deal.owner) == (
            lead,
            Decimal("900.50"),
            "GBP",
            lead.owner,
        )
    else:
        assert deal_state() == before


def test_marketing_is_told_deals_are_read_only_for_it(
    api_as: ApiAs, leads: dict[str, Lead]
) -> None:
    response = api_as("marketer").post(
        "/api/v1/deals",
        {"lead_id": leads["sales_rep"].pk, "name": "Pilot", "amount": "1", "currency": "EUR"},
    )

    assert response.json() == {
        "error": {
            "code": "forbidden",
            "message": READ_ONLY_ROLE.format(role="Marketer", things="deals"),
            "fields": {},
        }
    }


def test_a_deal_for_a_missing_lead_is_not_found(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("sales_rep").post(
        "/api/v1/deals", {"lead_id": 999, "name": "Pilot", "amount": "1", "currency": "EUR"}
    )

    assert response.status_code == 404
    assert response.json()["error"]["message"] == LEAD_NOT_FOUND.format(lead_id=999)
    assert not Deal.objects.exists()


def test_a_deal_opened_as_won_makes_its_lead_a_customer(
    api_as: ApiAs, leads: dict[str, Lead]
) -> None:
    lead = leads["sales_rep"]

    response = api_as("sales_rep").post(
        "/api/v1/deals",
        {
            "lead_id": lead.pk,
            "name": "Signed",
            "amount": "100",
            "currency": "EUR",
            "stage": "won",
            "opened_on": "2026-01-15",
            "closed_on": "2026-02-01",
        },
    )

    assert response.status_code == 201
    lead.refresh_from_db()
    assert lead.stage == Stage.CUSTOMER


def test_a_lost_deal_without_a_reason_creates_nothing(
    api_as: ApiAs, leads: dict[str, Lead]
) -> None:
    before = deal_state()

    response = api_as("sales_rep").post(
        "/api/v1/deals",
        {
            "lead_id": leads["sales_rep"].pk,
            "name": "Gone",
            "amount": "100",
            "currency": "EUR",
            "stage": "lost",
            "opened_on": "2026-01-15",
            "closed_on": "2026-02-01",
        },
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": LOST_DEAL_NEEDS_REASON,
            "fields": {"lost_reason": "required when lost"},
        }
    }
    assert deal_state() == before


def test_a_patch_changes_only_the_fields_sent(api_as: ApiAs, deals: dict[str, Deal]) -> None:
    deal = deals["sales_rep"]

    response = api_as("sales_rep").patch(f"/api/v1/deals/{deal.pk}", {"amount": "1500"})

    assert response.status_code == 200
    deal.refresh_from_db()
    assert (deal.name, deal.amount, deal.currency) == ("Acme pilot", Decimal("1500.00"), "EUR")


def test_winning_a_deal_makes_its_lead_a_customer(
    api_as: ApiAs, leads: dict[str, Lead], deals: dict[str, Deal]
) -> None:
    deal = deals["sales_rep"]

    response = api_as("manager").patch(
        f"/api/v1/deals/{deal.pk}", {"stage": "won", "closed_on": "2026-02-01"}
    )

    assert response.status_code == 200
    leads["sales_rep"].refresh_from_db()
    assert leads["sales_rep"].stage == Stage.CUSTOMER


@pytest.mark.parametrize(
    ("persona", "status"),
    [("marketer", 403), ("executive", 403), ("other_rep", 404), ("outsider", 403)],
)
def test_changing_a_deal_is_refused_to_those_who_may_not(
    api_as: ApiAs, deals: dict[str, Deal], persona: str, status: int
) -> None:
    deal = deals["sales_rep"]
    before = deal_state()

    response = api_as(persona).patch(f"/api/v1/deals/{deal.pk}", {"name": "Changed"})

    assert response.status_code == status
    assert deal_state() == before


def test_a_rejected_patch_changes_nothing(api_as: ApiAs, deals: dict[str, Deal]) -> None:
    deal = deals["sales_rep"]
    before = deal_state()

    response = api_as("sales_rep").patch(
        f"/api/v1/deals/{deal.pk}",
        {"name": "Changed", "stage": "lost", "closed_on": "2026-02-01"},
    )

    assert response.status_code == 400
    assert deal_state() == before


def test_listing_takes_the_same_queries_for_5_and_20_deals(
    api_as: ApiAs, leads: dict[str, Lead], django_assert_num_queries: Any
) -> None:
    client = api_as("manager")
    client.get("/api/v1/deals")  # the token's first use records when it was used

    def add_deals(count: int) -> None:
        for number in range(count):
            lead_services.create_deal(
                lead=leads["sales_rep"],
                by=None,
                name=f"Deal {number}",
                amount=Decimal(1),
                currency="EUR",
            )

    # The token with its person and membership, the count, and the page.
    add_deals(5)
    with django_assert_num_queries(3):
        five = client.get("/api/v1/deals")
    add_deals(15)
    with django_assert_num_queries(3):
        twenty = client.get("/api/v1/deals")

    assert (five.json()["count"], twenty.json()["count"]) == (5, 20)
