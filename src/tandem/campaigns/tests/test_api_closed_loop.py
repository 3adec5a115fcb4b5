"""The closed loop in the API, and the campaign brief through the campaigns API."""

from collections.abc import Callable
from typing import Any

import pytest

from tandem.campaigns.closed_loop import FROM_AFTER_TO
from tandem.campaigns.models import Campaign
from tandem.campaigns.tests.conftest import MARCH_1, MARCH_31, Funnel
from tandem.core.testing import Personas
from tandem.leads.queries import NOT_ON_A_TEAM

ApiAs = Callable[[str], Any]
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}

WEBINAR_ROW = {
    "label": "Spring webinar",
    "mqls": 3,
    "accepted": 2,
    "rejected": 1,
    "acceptance_rate": 2 / 3,
    "reasons": [{"code": "no-budget", "label": "No budget this year", "count": 2}],
    "sqls": 1,
    "sql_rate": 1 / 3,
    "won_deals": 2,
    "revenue": [{"currency": "EUR", "amount": "200.00"}, {"currency": "USD", "amount": "500.00"}],
    "median_speed_to_lead_seconds": 5 * 3600.0,
}
BRIEF = {
    "product": "Tandem Pro",
    "message": "Sales and marketing on one funnel",
    "hook": "See which leads sales rejects, and why",
    "offer": "A 30-minute live demo",
    "audience": "Heads of marketing at software companies of 50 to 500 people",
}


@pytest.mark.parametrize("persona", ["marketer", "sales_rep", "manager", "executive", "admin"])
def test_everyone_on_a_team_reads_a_campaign_closed_loop(
    api_as: ApiAs, funnel: Funnel, persona: str
) -> None:
    response = api_as(persona).get(f"/api/v1/campaigns/{funnel.webinar.pk}/closed-loop", **MARCH)

    assert response.status_code == 200
    body = response.json()
    assert (body["campaign"]["id"], body["touch"], body["mql_from"], body["mql_to"]) == (
        funnel.webinar.pk,
        "last",
        "2026-03-01",
        "2026-03-31",
    )
    assert body["closed_loop"] == {**WEBINAR_ROW, "key": str(funnel.webinar.pk)}


def test_a_campaign_closed_loop_by_first_touch(api_as: ApiAs, funnel: Funnel) -> None:
    response = api_as("marketer").get(
        f"/api/v1/campaigns/{funnel.webinar.pk}/closed-loop", touch="first", **MARCH
    )

    loop = response.json()["closed_loop"]
    assert (loop["mqls"], loop["accepted"], loop["rejected"], loop["sqls"]) == (4, 3, 1, 2)


def test_the_closed_loop_by_channel_has_a_row_for_leads_without_a_campaign(
    api_as: ApiAs, funnel: Funnel
) -> None:
    response = api_as("executive").get("/api/v1/campaigns/closed-loop", by="channel", **MARCH)

    assert response.status_code == 200
    body = response.json()
    assert (body["by"], body["touch"]) == ("channel", "last")
    assert [(row["key"], row["label"], row["mqls"]) for row in body["rows"]] == [
        ("webinar", "Webinar", 3),
        ("paid_search", "Paid search", 2),
        (None, "No campaign", 1),
    ]
    assert body["rows"][0] == {**WEBINAR_ROW, "key": "webinar", "label": "Webinar"}
    assert (body["total"]["label"], body["total"]["mqls"]) == ("All leads", 6)


def test_the_closed_loop_is_by_campaign_unless_asked_otherwise(
    api_as: ApiAs, funnel: Funnel
) -> None:
    response = api_as("marketer").get("/api/v1/campaigns/closed-loop", **MARCH)

    assert [row["label"] for row in response.json()["rows"]] == [
        "Spring webinar",
        "Brand search",
        "No campaign",
    ]


def test_an_unknown_dimension_is_refused(api_as: ApiAs, funnel: Funnel) -> None:
    response = api_as("marketer").get("/api/v1/campaigns/closed-loop", by="country")

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["fields"] == {
        "by": "by must be one of: 'campaign', 'channel', 'landing_page' or 'segment'."
    }


def test_a_period_ending_before_it_starts_is_refused(api_as: ApiAs, funnel: Funnel) -> None:
    response = api_as("marketer").get(
        "/api/v1/campaigns/closed-loop", **{"from": "2026-03-31", "to": "2026-03-01"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": FROM_AFTER_TO.format(mql_from=MARCH_31, mql_to=MARCH_1),
            "fields": {"from": "after to"},
        }
    }


def test_a_date_that_is_not_one_is_refused(api_as: ApiAs, funnel: Funnel) -> None:
    response = api_as("marketer").get(
        f"/api/v1/campaigns/{funnel.webinar.pk}/closed-loop", **{"from": "March"}
    )

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"from": "from must be a date (YYYY-MM-DD)."}


def test_someone_on_no_team_reads_no_closed_loop(api_as: ApiAs, funnel: Funnel) -> None:
    response = api_as("outsider").get("/api/v1/campaigns/closed-loop")

    assert response.status_code == 403
    assert response.json()["error"]["message"] == NOT_ON_A_TEAM


def test_the_closed_loop_of_a_missing_campaign_is_not_found(api_as: ApiAs, funnel: Funnel) -> None:
    response = api_as("marketer").get("/api/v1/campaigns/999/closed-loop")

    assert response.status_code == 404


def test_a_campaign_reads_with_its_brief(api_as: ApiAs, funnel: Funnel) -> None:
    response = api_as("sales_rep").get(f"/api/v1/campaigns/{funnel.webinar.pk}")

    assert {name: response.json()[name] for name in BRIEF} == BRIEF


def test_a_campaign_is_created_with_its_brief(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("marketer").post(
        "/api/v1/campaigns",
        {"name": "Autumn webinar", "utm_key": "autumn-webinar", "channel": "webinar", **BRIEF},
    )

    assert response.status_code == 201
    campaign = Campaign.objects.get()
    assert {name: getattr(campaign, name) for name in BRIEF} == BRIEF


def test_a_patch_changes_the_brief_fields_sent_and_only_those(
    api_as: ApiAs, funnel: Funnel
) -> None:
    response = api_as("marketing_lead").patch(
        f"/api/v1/campaigns/{funnel.webinar.pk}", {"offer": "A free audit"}
    )

    assert response.status_code == 200
    campaign = Campaign.objects.get(pk=funnel.webinar.pk)
    assert {name: getattr(campaign, name) for name in BRIEF} == {**BRIEF, "offer": "A free audit"}


def test_sales_cannot_change_a_brief(api_as: ApiAs, funnel: Funnel) -> None:
    response = api_as("sales_rep").patch(
        f"/api/v1/campaigns/{funnel.webinar.pk}", {"offer": "Half price"}
    )

    assert response.status_code == 403
    assert Campaign.objects.get(pk=funnel.webinar.pk).offer == BRIEF["offer"]


def test_a_brief_field_too_long_is_refused(api_as: ApiAs, funnel: Funnel) -> None:
    response = api_as("marketer").patch(
        f"/api/v1/campaigns/{funnel.webinar.pk}", {"hook": "x" * 301}
    )

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {
        "hook": "hook must be at most 300 characters long."
    }
    assert Campaign.objects.get(pk=funnel.webinar.pk).hook == BRIEF["hook"]
