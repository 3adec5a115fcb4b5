"""`send_due_emails`, the worker's job: the next email of each enrolment that is due, once."""

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from tandem.leads import services as lead_services
from tandem.leads.models import Consent, ConsentPurpose, Lead
from tandem.nurture import services
from tandem.nurture.models import EndReason, Enrolment, SentEmail, Sequence
from tandem.nurture.tests.conftest import NOW, sent_to

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def _consent(lead: Lead, *, granted: bool, at: dt.datetime) -> Consent:
    return Consent.objects.create(
        lead=lead,
        purpose=ConsentPurpose.MARKETING_EMAIL,
        granted=granted,
        wording="Send me news.",
        origin="form:demo",
        at=at,
    )


def test_nothing_is_sent_before_the_first_wait_is_over(
    sequence: Sequence, recycled_lead: Callable[..., Lead]
) -> None:
    recycled_lead()

    assert services.send_due_emails() == 0
    assert mail.outbox == []


def test_the_first_email_goes_out_when_due(
    sequence: Sequence, recycled_lead: Callable[..., Lead], clock: Any
) -> None:
    lead = recycled_lead()
    clock.shift(DAY)

    sent = services.send_due_emails()

    assert sent == 1
    [message] = mail.outbox
    email = SentEmail.objects.get(enrolment__lead=lead)
    assert message.to == ["vp@acme.example"]
    assert message.subject == "The 2026 buyer's guide"
    assert "Hi Vera," in message.body
    assert f"https://tandem.example/n/c/{email.token}/" in message.body
    assert f"https://tandem.example/n/u/{email.token}/" in message.body
    [(html, kind)] = message.alternatives
    assert kind == "text/html"
    assert f'href="https://tandem.example/n/c/{email.token}/"' in html
    assert message.extra_headers == {
        "List-Unsubscribe": f"<https://tandem.example/n/u/{email.token}/>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_sending_moves_the_lead_on_to_the_next_email(
    sequence: Sequence, recycled_lead: Callable[..., Lead], clock: Any
) -> None:
    lead = recycled_lead()
    clock.shift(DAY)

    services.send_due_emails()

    enrolment = Enrolment.objects.get(lead=lead)
    assert (enrolment.next_position, enrolment.next_send_at) == (2, NOW + 8 * DAY)
    assert SentEmail.objects.get(enrolment=enrolment).sent_at == NOW + DAY


def test_running_twice_sends_once(
    sequence: Sequence, recycled_lead: Callable[..., Lead], clock: Any
) -> None:
    recycled_lead()
    clock.shift(DAY)

    first, second = services.send_due_emails(), services.send_due_emails()

    assert (first, second) == (1, 0)
    assert len(mail.outbox) == 1
    assert SentEmail.objects.count() == 1


def test_a_worker_that_read_the_same_due_enrolment_late_sends_nothing(
    sequence: Sequence, recycled_lead: Callable[..., Lead], clock: Any
) -> None:
    lead = recycled_lead()
    clock.shift(DAY)
    # What a second worker read before the first one claimed the send.
    stale = Enrolment.objects.get(lead=lead)
    services.send_due_emails()

    claimed = services._claim(stale, sequence.steps.get(position=1), None, NOW + DAY)

    assert claimed is None
    assert len(mail.outbox) == 1


def test_every_email_goes_out_in_turn_and_the_enrolment_then_completes(
    sequence: Sequence, recycled_lead: Callable[..., Lead], clock: Any
) -> None:
    lead = recycled_lead()

    for days in (1, 7, 14):
        clock.shift(days * DAY)
        services.send_due_emails()

    assert [message.subject for message in sent_to(lead.email)] == [
        "The 2026 buyer's guide",
        "How Acme cut its cost per lead",
    ]
    enrolment = Enrolment.objects.get(lead=lead)
    assert (enrolment.end_reason, enrolment.ended_at) == (EndReason.COMPLETED, NOW + 22 * DAY)


def test_a_refused_consent_is_honoured_and_ends_the_enrolment(
    sequence: Sequence, recycled_lead: Callable[..., Lead], clock: Any
) -> None:
    lead = recycled_lead()
    _consent(lead, granted=True, at=NOW - 20 * DAY)
    _consent(lead, granted=False, at=NOW - 10 * DAY)
    clock.shift(DAY)

    sent = services.send_due_emails()

    assert sent == 0
    assert mail.outbox == []
    enrolment = Enrolment.objects.get(lead=lead)
    assert enrolment.end_reason == EndReason.CONSENT_REFUSED
    assert not SentEmail.objects.exists()


def test_a_consent_given_again_after_a_refusal_is_in_force(
    sequence: Sequence, recycled_lead: Callable[..., Lead], clock: Any
) -> None:
    lead = recycled_lead()
    _consent(lead, granted=False, at=NOW - 20 * DAY)
    _consent(lead, granted=True, at=NOW - 10 * DAY)
    clock.shift(DAY)

    assert services.send_due_emails() == 1


def test_a_lead_that_never_answered_is_emailed(
    sequence: Sequence, recycled_lead: Callable[..., Lead], clock: Any
) -> None:
    lead = recycled_lead()
    clock.shift(DAY)

    services.send_due_emails()

    assert len(sent_to(lead.email)) == 1


def test_a_lead_whose_address_was_removed_leaves_the_sequence(
    sequence: Sequence, recycled_lead: Callable[..., Lead], clock: Any
) -> None:
    lead = recycled_lead()
    lead_services.update_lead(lead=lead, by=None, changes={"email": ""})
    clock.shift(DAY)

    services.send_due_emails()

    assert mail.outbox == []
    assert Enrolment.objects.get(lead=lead).end_reason == EndReason.NO_ADDRESS


def test_an_inactive_sequence_sends_nothing_until_turned_on_again(
    sequence: Sequence, recycled_lead: Callable[..., Lead], clock: Any
) -> None:
    recycled_lead()
    services.update_sequence(sequence=sequence, by=None, changes={"is_active": False})
    clock.shift(DAY)
    assert services.send_due_emails() == 0

    services.update_sequence(sequence=sequence, by=None, changes={"is_active": True})

    assert services.send_due_emails() == 1


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, messages: list[object]) -> int:
        raise ConnectionRefusedError("mail server down")


def test_an_email_that_could_not_be_sent_is_tried_again_at_the_next_run(
    sequence: Sequence, recycled_lead: Callable[..., Lead], clock: Any, settings: Any
) -> None:
    lead = recycled_lead()
    clock.shift(DAY)
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    assert services.send_due_emails() == 0
    enrolment = Enrolment.objects.get(lead=lead)
    assert (enrolment.next_position, enrolment.next_send_at) == (1, NOW + DAY)
    assert not SentEmail.objects.exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    assert services.send_due_emails() == 1
    assert len(mail.outbox) == 1


def test_the_job_runs_without_arguments_as_the_worker_calls_it(
    sequence: Sequence, recycled_lead: Callable[..., Lead], clock: Any
) -> None:
    recycled_lead()
    clock.shift(DAY)

    assert services.send_due_emails() == 1


def test_text_in_the_body_is_escaped_in_the_html_part(
    personas: Any, recycled_lead: Callable[..., Lead], clock: Any
) -> None:
    step = services.StepSpec(
        subject="Hello",
        body="<script>alert(1)</script>\n\nSecond paragraph",
        content_url="https://example.com/",
        content_title="Read <this>",
        wait_days=0,
    )
    services.create_sequence(by=personas.marketer, name="Escaping", steps=[step])
    recycled_lead()

    services.send_due_emails()

    [(html, _)] = mail.outbox[0].alternatives
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert re.search(r"<p>Second paragraph</p>", html)
    assert "Read &lt;this&gt;" in html
