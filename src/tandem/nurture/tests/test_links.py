"""The two links of every email, which work without signing in: unsubscribe, and the content
link that counts the click (and can bring the lead back to MQL)."""

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from tandem.agreement import services as agreement_services
from tandem.agreement.models import AgreementVersion
from tandem.agreement.starter import STARTER_TERMS
from tandem.core.testing import Personas
from tandem.leads.models import Consent, ConsentPurpose, Event, EventType, Lead, Stage, StageChange
from tandem.notifications.models import Notification, NotificationKind
from tandem.nurture import services
from tandem.nurture.models import EndReason, Enrolment, SentEmail, Sequence
from tandem.nurture.tests.conftest import NOW

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
# Reading the content of a nurture email is worth an MQL for a grade A or B lead.
NURTURE_TERMS = {
    **copy.deepcopy(STARTER_TERMS),
    "engagement": {
        "rules": [
            {
                "name": "Nurture content read",
                "event_type": "email",
                "event_name": "Email link clicked",
                "points": 40,
            }
        ],
        "half_life_days": 30,
    },
}


@pytest.fixture
def first_email(sequence: Sequence, recycled_lead: Callable[..., Lead], clock: Any) -> SentEmail:
    """The first email of the sequence, sent to a recycled lead a day after recycling."""
    recycled_lead()
    clock.shift(DAY)
    services.send_due_emails()
    return SentEmail.objects.select_related("enrolment__lead").get()


@pytest.fixture
def agreement(personas: Personas) -> AgreementVersion:
    version = agreement_services.create_draft(
        by=personas.marketing_lead, title="Nurture counts", content=NURTURE_TERMS
    )
    agreement_services.propose_version(version=version, by=personas.marketing_lead)
    agreement_services.sign_version(version=version, by=personas.marketing_lead)
    return agreement_services.sign_version(version=version, by=personas.manager)


def _refusals(lead: Lead) -> list[tuple[bool, str, str]]:
    return list(
        Consent.objects.filter(lead=lead, purpose=ConsentPurpose.MARKETING_EMAIL).values_list(
            "granted", "wording", "origin"
        )
    )


def test_the_unsubscribe_link_asks_to_confirm_and_changes_nothing_yet(
    first_email: SentEmail,
) -> None:
    response = Client().get(f"/n/u/{first_email.token}/")

    assert response.status_code == 200
    assert b"Stop these emails?" in response.content
    assert b"v\xe2\x80\xa2\xe2\x80\xa2\xe2\x80\xa2@acme.example" in response.content
    assert _refusals(first_email.enrolment.lead) == []
    assert Enrolment.objects.get().is_open


def test_unsubscribing_records_the_refusal_ends_the_enrolment_and_stops_the_emails(
    first_email: SentEmail, clock: Any
) -> None:
    lead = first_email.enrolment.lead
    page = Client().get(f"/n/u/{first_email.token}/")
    form_action = f'action="/n/u/{first_email.token}/"'.encode()
    assert form_action in page.content

    response = Client(enforce_csrf_checks=True).post(f"/n/u/{first_email.token}/")

    assert response.status_code == 200
    assert b"You are unsubscribed" in response.content
    assert _refusals(lead) == [(False, "Unsubscribed from nurture emails", "nurture:unsubscribe")]
    assert Consent.objects.get(lead=lead).at == NOW + DAY
    enrolment = Enrolment.objects.get(lead=lead)
    assert (enrolment.end_reason, enrolment.ended_at) == (EndReason.UNSUBSCRIBED, NOW + DAY)
    clock.shift(30 * DAY)
    assert services.send_due_emails() == 0
    assert len(mail.outbox) == 1


def test_a_mail_programs_one_click_unsubscribe_works(first_email: SentEmail) -> None:
    response = Client(enforce_csrf_checks=True).post(
        f"/n/u/{first_email.token}/",
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert [granted for granted, _, _ in _refusals(first_email.enrolment.lead)] == [False]


def test_unsubscribing_twice_records_one_refusal(first_email: SentEmail) -> None:
    Client().post(f"/n/u/{first_email.token}/")

    response = Client().post(f"/n/u/{first_email.token}/")

    assert response.status_code == 200
    assert len(_refusals(first_email.enrolment.lead)) == 1


@pytest.mark.parametrize("path", ["/n/u/not-a-token/", "/n/c/not-a-token/"])
def test_an_unknown_token_finds_nothing(first_email: SentEmail, path: str) -> None:
    response = Client().get(path)

    assert response.status_code == 404
    assert not Consent.objects.exists()
    assert not Event.objects.filter(type=EventType.EMAIL).exists()


def test_a_click_is_recorded_as_an_email_event_and_leads_to_the_content(
    first_email: SentEmail,
) -> None:
    response = Client().get(f"/n/c/{first_email.token}/?next=https://evil.example/")

    assert response.status_code == 302
    assert response["Location"] == "https://example.com/guide"
    [event] = Event.objects.filter(lead=first_email.enrolment.lead, type=EventType.EMAIL)
    assert event.name == "Email link clicked"
    assert event.properties == {
        "sequence": "Stay in touch",
        "step": 1,
        "url": "https://example.com/guide",
    }
    assert event.occurred_at == NOW + DAY


def test_a_probe_with_head_is_not_counted_as_a_click(first_email: SentEmail) -> None:
    response = Client().head(f"/n/c/{first_email.token}/")

    assert response.status_code == 405
    assert not Event.objects.filter(type=EventType.EMAIL).exists()


def test_a_click_that_meets_the_mql_rule_brings_the_lead_back_to_mql(
    personas: Personas, agreement: AgreementVersion, first_email: SentEmail
) -> None:
    lead = first_email.enrolment.lead
    assert Lead.objects.get(pk=lead.pk).stage == Stage.RECYCLED

    Client().get(f"/n/c/{first_email.token}/")

    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL
    row = StageChange.objects.filter(lead=lead).last()
    assert row is not None
    assert (row.from_stage, row.to_stage, row.agreement_version) == (
        Stage.RECYCLED,
        Stage.MQL,
        agreement,
    )
    assert row.reason == "Meets the MQL rule of agreement v1: grade A, score 40."
    enrolment = Enrolment.objects.get(lead=lead)
    assert (enrolment.end_reason, enrolment.ended_at) == (EndReason.RETURNED_TO_MQL, NOW + DAY)


def test_the_owner_and_the_sequences_author_hear_that_the_lead_is_back(
    personas: Personas, agreement: AgreementVersion, first_email: SentEmail
) -> None:
    Client().get(f"/n/c/{first_email.token}/")

    notifications = Notification.objects.filter(kind=NotificationKind.LEAD_RETURNED)
    assert sorted(n.recipient.username for n in notifications) == ["marketer", "sales_rep"]
    notification = notifications.first()
    assert notification is not None
    assert notification.title == "Back from nurture: Vera"
    assert notification.body == (
        "Vera is an MQL again, after 1 of 2 emails of the sequence “Stay in touch”."
    )
    assert notification.url == f"/leads/{first_email.enrolment.lead_id}/"


def test_a_click_that_does_not_meet_the_mql_rule_keeps_the_lead_in_nurture(
    personas: Personas, first_email: SentEmail
) -> None:
    # Under the starter terms an email click is worth 5 points: far from an MQL.
    version = agreement_services.create_draft(by=personas.marketing_lead, title="Starter")
    agreement_services.propose_version(version=version, by=personas.marketing_lead)
    agreement_services.sign_version(version=version, by=personas.marketing_lead)
    agreement_services.sign_version(version=version, by=personas.manager)

    Client().get(f"/n/c/{first_email.token}/")

    assert Lead.objects.get(pk=first_email.enrolment.lead_id).stage == Stage.RECYCLED
    assert Enrolment.objects.get().is_open
    assert not Notification.objects.filter(kind=NotificationKind.LEAD_RETURNED).exists()
