"""The nurture API: sequences with their emails, and a lead's enrolments."""

from collections.abc import Callable
from typing import Any

import pytest

from tandem.leads.models import Lead
from tandem.nurture.models import Sequence

pytestmark = pytest.mark.django_db

NEW = {
    "name": "Webinar follow-up",
    "segment": "Mid-market",
    "steps": [
        {
            "subject": "The recording",
            "body": "Here it is.",
            "content_url": "https://example.com/recording",
            "content_title": "Watch the recording",
            "wait_days": 0,
        },
        {
            "subject": "The slides",
            "body": "And the slides.",
            "content_url": "https://example.com/slides",
            "content_title": "Download the slides",
            "wait_days": 3,
        },
    ],
}


@pytest.mark.parametrize("name", ["marketer", "sales_rep", "executive"])
def test_everyone_on_a_team_lists_and_reads_sequences(
    api_as: Callable[[str], Any], sequence: Sequence, name: str
) -> None:
    client = api_as(name)

    listing = client.get("/api/v1/nurture/sequences")
    one = client.get(f"/api/v1/nurture/sequences/{sequence.pk}")

    assert listing.status_code == 200
    assert listing.json()["count"] == 1
    assert one.status_code == 200
    body = one.json()
    assert (body["name"], body["is_active"], body["segment"]) == ("Stay in touch", True, "")
    assert body["created_by"]["username"] == "marketer"
    assert [(s["position"], s["wait_days"]) for s in body["steps"]] == [(1, 1), (2, 7)]


def test_someone_on_no_team_reads_nothing(api_as: Callable[[str], Any], sequence: Sequence) -> None:
    response = api_as("outsider").get("/api/v1/nurture/sequences")

    assert response.status_code == 403


def test_marketing_creates_a_sequence_with_its_emails(api_as: Callable[[str], Any]) -> None:
    response = api_as("marketer").post("/api/v1/nurture/sequences", NEW)

    assert response.status_code == 201
    body = response.json()
    assert body["segment"] == "Mid-market"
    assert [(s["position"], s["subject"]) for s in body["steps"]] == [
        (1, "The recording"),
        (2, "The slides"),
    ]


@pytest.mark.parametrize("name", ["sales_rep", "manager", "executive"])
def test_sales_and_leadership_may_not_create_sequences(
    api_as: Callable[[str], Any], personas: Any, name: str
) -> None:
    response = api_as(name).post("/api/v1/nurture/sequences", NEW)

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not Sequence.objects.exists()


def test_a_content_link_that_is_not_a_web_page_changes_nothing(
    api_as: Callable[[str], Any],
) -> None:
    bad = {**NEW, "steps": [{**NEW["steps"][0], "content_url": "javascript:alert(1)"}]}

    response = api_as("marketer").post("/api/v1/nurture/sequences", bad)

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "The content link must be a web address starting with http:// or https://."
    )
    assert not Sequence.objects.exists()


def test_a_lead_s_enrolments_are_listed_for_those_who_see_the_lead(
    api_as: Callable[[str], Any], sequence: Sequence, recycled_lead: Callable[..., Lead]
) -> None:
    lead = recycled_lead()

    mine = api_as("sales_rep").get(f"/api/v1/nurture/leads/{lead.pk}/enrolments")
    theirs = api_as("other_rep").get(f"/api/v1/nurture/leads/{lead.pk}/enrolments")

    assert mine.status_code == 200
    [enrolment] = mine.json()
    assert enrolment["sequence"] == {"id": sequence.pk, "name": "Stay in touch"}
    assert (enrolment["emails_sent"], enrolment["next_position"], enrolment["end_reason"]) == (
        0,
        1,
        None,
    )
    assert theirs.status_code == 404
