"""The campaigns API: every team reads campaigns; marketing (and admins) create and change them."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tandem.campaigns import services as campaign_services
from tandem.campaigns.models import Campaign, Channel
from tandem.campaigns.queries import CAMPAIGN_NOT_FOUND
from tandem.campaigns.services import ENDS_BEFORE_START, UTM_KEY_TAKEN
from tandem.core.testing import Personas
from tandem.leads.queries import NOT_ON_A_TEAM, READ_ONLY_ROLE

ApiAs = Callable[[str], Any]
EDITORS = ["marketer", "marketing_lead", "admin"]
READERS = ["sales_rep", "manager", "executive"]


@pytest.fixture
def campaigns(personas: Personas) -> dict[str, Campaign]:
    def campaign(
        name: str, utm_key: str, channel: str, segment: str, starts_on: dt.date
    ) -> Campaign:
        return campaign_services.create_campaign(
            by=personas.marketer,
            name=name,
            utm_key=utm_key,
            channel=channel,
            audience_segment=segment,
            starts_on=starts_on,
        )

    return {
        "webinar": campaign(
            "Spring webinar", "spring-webinar", Channel.WEBINAR, "smb", dt.date(2026, 3, 1)
        ),
        "search": campaign(
            "Brand search", "brand-search", Channel.PAID_SEARCH, "enterprise", dt.date(2026, 2, 1)
        ),
        "summit": campaign(
            "Data summit", "data-summit", Channel.EVENT, "enterprise", dt.date(2026, 1, 1)
        ),
    }


def campaign_state() -> list[tuple[Any, ...]]:
    return list(Campaign.objects.order_by("pk").values_list("pk", "name", "utm_key", "updated_at"))


@pytest.mark.parametrize("persona", [*EDITORS, *READERS, "rival_rep"])
def test_every_role_on_a_team_reads_every_campaign_latest_start_first(
    api_as: ApiAs, campaigns: dict[str, Campaign], persona: str
) -> None:
    response = api_as(persona).get("/api/v1/campaigns")

    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert [item["utm_key"] for item in response.json()["items"]] == [
        "spring-webinar",
        "brand-search",
        "data-summit",
    ]


@pytest.mark.parametrize("path", ["/api/v1/campaigns", "/api/v1/campaigns/{campaign_id}"])
def test_someone_on_no_team_reads_no_campaigns(
    api_as: ApiAs, campaigns: dict[str, Campaign], path: str
) -> None:
    response = api_as("outsider").get(path.format(campaign_id=campaigns["summit"].pk))

    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "forbidden", "message": NOT_ON_A_TEAM, "fields": {}}
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"search": "SUMMIT"}, ["summit"]),
        ({"search": "brand-"}, ["search"]),
        ({"channel": "webinar"}, ["webinar"]),
        ({"segment": "enterprise"}, ["search", "summit"]),
        ({"segment": "enterprise", "channel": "event"}, ["summit"]),
        ({"search": "nothing like it"}, []),
    ],
)
def test_filters_narrow_the_list(
    api_as: ApiAs, campaigns: dict[str, Campaign], params: dict[str, str], expected: list[str]
) -> None:
    response = api_as("sales_rep").get("/api/v1/campaigns", **params)

    assert response.json()["count"] == len(expected)
    assert [item["id"] for item in response.json()["items"]] == [campaigns[n].pk for n in expected]


def test_a_campaign_reads_with_its_owner(
    api_as: ApiAs, personas: Personas, campaigns: dict[str, Campaign]
) -> None:
    campaign = campaigns["webinar"]

    response = api_as("executive").get(f"/api/v1/campaigns/{campaign.pk}")

    body = response.json()
    del body["created_at"], body["updated_at"]
    assert body == {
        "id": campaign.pk,
        "name": "Spring webinar",
        "utm_key": "spring-webinar",
        "channel": "webinar",
        "audience_segment": "smb",
        "starts_on": "2026-03-01",
        "ends_on": None,
        "owner": {"id": personas.marketer.pk, "username": "marketer", "name": "Marketer"},
        "product": "",
        "message": "",
        "hook": "",
        "offer": "",
        "audience": "",
    }


def test_a_missing_campaign_is_not_found(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("sales_rep").get("/api/v1/campaigns/999")

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "code": "not_found",
            "message": CAMPAIGN_NOT_FOUND.format(campaign_id=999),
            "fields": {},
        }
    }


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        *[(persona, 201) for persona in EDITORS],
        *[(persona, 403) for persona in READERS],
        ("outsider", 403),
    ],
)
def test_creating_a_campaign_needs_a_role_that_edits_campaigns(
    api_as: ApiAs, personas: Personas, persona: str, status: int
) -> None:
    response = api_as(persona).post(
        "/api/v1/campaigns",
        {"name": "Autumn webinar", "utm_key": "autumn-webinar", "channel": "webinar"},
    )

    assert response.status_code == status
    if status == 201:
        campaign = Campaign.objects.get()
        assert (campaign.name, campaign.utm_key, campaign.channel) == (
            "Autumn webinar",
            "autumn-webinar",
            Channel.WEBINAR,
        )
        assert campaign.owner == personas.by_name(persona)
    else:
        assert not Campaign.objects.exists()


def test_sales_is_told_campaigns_are_read_only_for_it(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("sales_rep").post(
        "/api/v1/campaigns", {"name": "Mine", "utm_key": "mine", "channel": "email"}
    )

    assert response.json() == {
        "error": {
            "code": "forbidden",
            "message": READ_ONLY_ROLE.format(role="Sales rep", things="campaigns"),
            "fields": {},
        }
    }


def test_a_campaign_sent_with_a_null_owner_has_none(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("marketer").post(
        "/api/v1/campaigns",
        {"name": "Shared", "utm_key": "shared", "channel": "email", "owner_id": None},
    )

    assert response.status_code == 201
    assert response.json()["owner"] is None
    assert Campaign.objects.get().owner is None


def test_a_taken_utm_key_creates_nothing(api_as: ApiAs, campaigns: dict[str, Campaign]) -> None:
    before = campaign_state()

    response = api_as("marketer").post(
        "/api/v1/campaigns", {"name": "Again", "utm_key": "data-summit", "channel": "event"}
    )

    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "taken",
            "message": UTM_KEY_TAKEN.format(utm_key="data-summit"),
            "fields": {"utm_key": "taken"},
        }
    }
    assert campaign_state() == before


def test_a_campaign_ending_before_it_starts_creates_nothing(
    api_as: ApiAs, personas: Personas
) -> None:
    response = api_as("marketer").post(
        "/api/v1/campaigns",
        {
            "name": "Backwards",
            "utm_key": "backwards",
            "channel": "email",
            "starts_on": "2026-03-10",
            "ends_on": "2026-03-01",
        },
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": ENDS_BEFORE_START.format(ends_on="2026-03-01", starts_on="2026-03-10"),
            "fields": {"ends_on": "before starts_on"},
        }
    }
    assert not Campaign.objects.exists()


def test_a_patch_changes_only_the_fields_sent(
    api_as: ApiAs, personas: Personas, campaigns: dict[str, Campaign]
) -> None:
    campaign = campaigns["summit"]

    response = api_as("marketing_lead").patch(
        f"/api/v1/campaigns/{campaign.pk}", {"ends_on": "2026-01-03"}
    )

    assert response.status_code == 200
    campaign.refresh_from_db()
    assert (campaign.name, campaign.starts_on, campaign.ends_on, campaign.owner) == (
        "Data summit",
        dt.date(2026, 1, 1),
        dt.date(2026, 1, 3),
        personas.marketer,
    )


@pytest.mark.parametrize("persona", [*READERS, "outsider"])
def test_a_role_that_only_reads_cannot_change_a_campaign(
    api_as: ApiAs, campaigns: dict[str, Campaign], persona: str
) -> None:
    before = campaign_state()

    response = api_as(persona).patch(
        f"/api/v1/campaigns/{campaigns['summit'].pk}", {"name": "Renamed"}
    )

    assert response.status_code == 403
    assert campaign_state() == before


def test_a_rejected_patch_changes_nothing(api_as: ApiAs, campaigns: dict[str, Campaign]) -> None:
    before = campaign_state()

    response = api_as("marketer").patch(
        f"/api/v1/campaigns/{campaigns['summit'].pk}",
        {"name": "Renamed", "utm_key": "brand-search"},
    )

    assert response.status_code == 409
    assert campaign_state() == before


def test_listing_takes_the_same_queries_for_5_and_20_campaigns(
    api_as: ApiAs, personas: Personas, django_assert_num_queries: Any
) -> None:
    client = api_as("sales_rep")
    client.get("/api/v1/campaigns")  # the token's first use records when it was used

    def add_campaigns(first: int, last: int) -> None:
        for number in range(first, last):
            campaign_services.create_campaign(
                by=personas.marketer, name=f"C{number}", utm_key=f"c{number}", channel="email"
            )

    # The token with its person and membership, the count, and the page with owners.
    add_campaigns(0, 5)
    with django_assert_num_queries(3):
        five = client.get("/api/v1/campaigns")
    add_campaigns(5, 20)
    with django_assert_num_queries(3):
        twenty = client.get("/api/v1/campaigns")

    assert (five.json()["count"], twenty.json()["count"]) == (5, 20)
