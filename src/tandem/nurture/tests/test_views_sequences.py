"""The marketers' pages: everyone on a team reads sequences, marketing and admins change them."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.core.testing import PASSWORD, Personas
from tandem.nurture import services
from tandem.nurture.models import Sequence, Step

pytestmark = pytest.mark.django_db

EDITORS = ["marketer", "marketing_lead", "admin"]
READERS = ["sales_rep", "manager", "executive"]
NEW_SEQUENCE = {"name": "Webinar follow-up", "description": "", "segment": "", "position": "2"}
NEW_STEP = {
    "subject": "The recording",
    "body": "Here it is.",
    "content_title": "Watch the recording",
    "content_url": "https://example.com/recording",
    "wait_days": "0",
    "position": "",
}


def _client(personas: Personas, name: str) -> Client:
    client = Client()
    assert client.login(username=personas.by_name(name).username, password=PASSWORD)
    return client


@pytest.mark.parametrize("name", [*EDITORS, *READERS])
def test_everyone_on_a_team_reads_the_list_and_a_sequence(
    personas: Personas, sequence: Sequence, name: str
) -> None:
    client = _client(personas, name)

    listing = client.get("/nurture/")
    page = client.get(f"/nurture/{sequence.pk}/")

    assert listing.status_code == 200
    assert b"Stay in touch" in listing.content
    assert page.status_code == 200
    assert b"The 2026 buyer&#x27;s guide" in page.content
    assert (b"New sequence" in listing.content) == (name in EDITORS)


def test_someone_on_no_team_is_refused(personas: Personas, sequence: Sequence) -> None:
    client = _client(personas, "outsider")

    assert client.get("/nurture/").status_code == 403
    assert client.get(f"/nurture/{sequence.pk}/").status_code == 403


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(sequence: Sequence) -> None:
    response = Client().get("/nurture/")

    assert response.status_code == 302
    assert "/login" in response["Location"]


@pytest.mark.parametrize("name", EDITORS)
def test_marketing_and_admins_create_a_sequence_and_its_email(
    personas: Personas, name: str
) -> None:
    client = _client(personas, name)

    response = client.post("/nurture/new", {**NEW_SEQUENCE, "is_active": "on"})

    sequence = Sequence.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/nurture/{sequence.pk}/"
    assert (sequence.name, sequence.position, sequence.created_by) == (
        "Webinar follow-up",
        2,
        personas.by_name(name),
    )
    response = client.post(f"/nurture/{sequence.pk}/emails/new", NEW_STEP)
    assert response.status_code == 302
    assert list(sequence.steps.values_list("position", "subject")) == [(1, "The recording")]


@pytest.mark.parametrize("name", READERS)
def test_sales_and_leadership_may_not_change_sequences(
    personas: Personas, sequence: Sequence, name: str
) -> None:
    client = _client(personas, name)
    step = sequence.steps.get(position=1)

    responses = [
        client.get("/nurture/new"),
        client.post("/nurture/new", NEW_SEQUENCE),
        client.post(f"/nurture/{sequence.pk}/edit", {**NEW_SEQUENCE, "name": "Renamed"}),
        client.post(f"/nurture/{sequence.pk}/emails/new", NEW_STEP),
        client.post(f"/nurture/{sequence.pk}/emails/{step.pk}/edit", NEW_STEP),
        client.post(f"/nurture/{sequence.pk}/emails/{step.pk}/remove"),
    ]

    assert [response.status_code for response in responses] == [403] * 6
    assert list(Sequence.objects.values_list("name", flat=True)) == ["Stay in touch"]
    assert Step.objects.count() == 2
    assert Step.objects.get(pk=step.pk).subject == "The 2026 buyer's guide"


def test_a_content_link_that_is_not_a_web_page_is_refused_in_a_sentence(
    personas: Personas, sequence: Sequence
) -> None:
    client = _client(personas, "marketer")

    response = client.post(
        f"/nurture/{sequence.pk}/emails/new",
        {**NEW_STEP, "content_url": "ftp://example.com/file"},
    )

    assert response.status_code == 200
    assert (
        b"Content link: The content link must be a web address starting with http:// or "
        b"https://." in response.content
    )
    assert sequence.steps.count() == 2


def test_a_position_already_taken_is_refused_in_a_sentence(
    personas: Personas, sequence: Sequence
) -> None:
    client = _client(personas, "marketer")

    response = client.post(f"/nurture/{sequence.pk}/emails/new", {**NEW_STEP, "position": "2"})

    assert response.status_code == 200
    assert b"Position: The sequence already has an email at position 2." in response.content
    assert sequence.steps.count() == 2


def test_an_email_is_edited(personas: Personas, sequence: Sequence) -> None:
    client = _client(personas, "marketer")
    step = sequence.steps.get(position=2)

    response = client.post(
        f"/nurture/{sequence.pk}/emails/{step.pk}/edit",
        {**NEW_STEP, "subject": "A new subject", "position": "2", "wait_days": "5"},
    )

    assert response.status_code == 302
    step.refresh_from_db()
    assert (step.subject, step.wait_days, step.position) == ("A new subject", 5, 2)


def test_an_email_never_sent_is_removed(personas: Personas, sequence: Sequence) -> None:
    client = _client(personas, "marketer")
    step = sequence.steps.get(position=2)

    response = client.post(f"/nurture/{sequence.pk}/emails/{step.pk}/remove")

    assert response.status_code == 302
    assert list(sequence.steps.values_list("position", flat=True)) == [1]


def test_the_sequence_settings_are_edited(personas: Personas, sequence: Sequence) -> None:
    client = _client(personas, "marketing_lead")

    response = client.post(
        f"/nurture/{sequence.pk}/edit", {**NEW_SEQUENCE, "segment": "Enterprise"}
    )

    assert response.status_code == 302
    sequence.refresh_from_db()
    assert (sequence.name, sequence.segment, sequence.is_active) == (
        "Webinar follow-up",
        "Enterprise",
        False,
    )


def test_the_list_costs_the_same_queries_however_many_sequences(
    personas: Personas, sequence: Sequence
) -> None:
    client = _client(personas, "executive")
    with CaptureQueriesContext(connection) as one:
        client.get("/nurture/")
    for position in (2, 3, 4):
        services.create_sequence(by=None, name=f"Sequence {position}", position=position)

    with CaptureQueriesContext(connection) as four:
        response = client.get("/nurture/")

    assert response.content.count(b'href="/nurture/') >= 4
    assert len(four) == len(one)
