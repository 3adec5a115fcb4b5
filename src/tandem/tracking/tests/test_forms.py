"""Forms as services: who creates and archives them, and what a submission stores or refuses."""

import datetime as dt
import hashlib
import hmac

import pytest
import time_machine
from django.conf import settings

from tandem.campaigns.models import Campaign
from tandem.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from tandem.core.testing import Personas
from tandem.core.time import now
from tandem.leads.models import Event
from tandem.people.models import Source
from tandem.people.services import revoke_source
from tandem.tracking.form_services import (
    ALREADY_ARCHIVED,
    COUNTRY_INVALID,
    EMAIL_INVALID,
    EMAIL_REQUIRED,
    FORM_NOT_FOUND,
    ID_TOO_LONG,
    MAY_NOT_MANAGE_FORMS,
    NAME_TAKEN,
    RATE_LIMITED,
    REDIRECT_NOT_A_URL,
    SOURCE_REVOKED,
    UNKNOWN_FORM_FIELDS,
    VALUE_TOO_LONG,
    FormRateLimited,
    archive_form,
    create_form,
    is_filled_by_a_person,
    started_value,
    submit_form,
)
from tandem.tracking.models import Form, FormSubmission, ReceivedBatch, SubmissionOutcome
from tandem.tracking.tests.form_fixtures import (
    LANDING_URL,
    WORDING,
    campaign,
    filled,
    form,
    source,
    started_ago,
)

pytestmark = pytest.mark.django_db

__all__ = ["campaign", "form", "source"]

FORM_MANAGERS = ["marketer", "marketing_lead", "admin"]
NOT_FORM_MANAGERS = ["sales_rep", "manager", "executive", "outsider"]
IP = "203.0.113.7"


def submit(form: Form, data: dict[str, str], ip: str = IP, **request: str):
    return submit_form(form=form, data=data, client_ip=ip, **request)


def stored() -> tuple[int, int, list[tuple[str, str]]]:
    """Events, batches and submissions: what a refusal must leave unchanged."""
    return (
        Event.objects.count(),
        ReceivedBatch.objects.count(),
        sorted(FormSubmission.objects.values_list("outcome", "address_digest")),
    )


@pytest.mark.parametrize("persona", FORM_MANAGERS)
def test_marketing_people_and_admins_create_forms(
    personas: Personas, source: Source, persona: str
) -> None:
    created = create_form(
        by=personas.by_name(persona), name="Contact us", source=source, fields=["email"]
    )

    assert Form.objects.get() == created
    assert created.created_by == personas.by_name(persona)
    assert len(created.key) == 16


@pytest.mark.parametrize("persona", NOT_FORM_MANAGERS)
def test_no_one_else_creates_forms(personas: Personas, source: Source, persona: str) -> None:
    with pytest.raises(PermissionDenied) as refused:
        create_form(by=personas.by_name(persona), name="Contact us", source=source, fields=[])

    assert refused.value.message == MAY_NOT_MANAGE_FORMS.format(
        role=personas.by_name(persona).membership.get_role_display()
        if persona != "outsider"
        else "none"
    )
    assert not Form.objects.exists()


def test_every_form_asks_the_email_first(personas: Personas, source: Source) -> None:
    created = create_form(
        by=personas.marketer, name="Demo request", source=source, fields=["company", "phone"]
    )

    assert created.fields == ["email", "company", "phone"]


def test_a_form_asks_only_lead_fields(personas: Personas, source: Source) -> None:
    with pytest.raises(DomainError) as refused:
        create_form(by=personas.marketer, name="Demo", source=source, fields=["email", "budget"])

    assert refused.value.message == UNKNOWN_FORM_FIELDS.format(
        names="budget",
        allowed="email, first_name, last_name, company, job_title, phone, country",
    )
    assert not Form.objects.exists()


def test_form_names_are_unique(personas: Personas, form: Form) -> None:
    with pytest.raises(Conflict) as refused:
        create_form(by=personas.marketer, name=" Webinar sign-up ", source=form.source, fields=[])

    assert refused.value.message == NAME_TAKEN.format(name="Webinar sign-up")
    assert Form.objects.count() == 1


def test_a_form_needs_an_active_source(personas: Personas, source: Source) -> None:
    revoke_source(by=personas.admin, prefix=source.prefix)
    source.refresh_from_db()

    with pytest.raises(DomainError) as refused:
        create_form(by=personas.marketer, name="Demo", source=source, fields=[])

    assert refused.value.message == SOURCE_REVOKED.format(name="Website")
    assert not Form.objects.exists()


@pytest.mark.parametrize("url", ["thanks.html", "javascript:alert(1)", "ftp://example.com/"])
def test_the_page_after_sending_is_a_web_address(
    personas: Personas, source: Source, url: str
) -> None:
    with pytest.raises(DomainError) as refused:
        create_form(by=personas.marketer, name="Demo", source=source, fields=[], redirect_url=url)

    assert refused.value.message == REDIRECT_NOT_A_URL
    assert not Form.objects.exists()


def test_an_archived_form_takes_no_submission(personas: Personas, form: Form) -> None:
    archived = archive_form(by=personas.marketing_lead, form=form)

    with pytest.raises(NotFound) as refused:
        submit(archived, filled(form))

    assert refused.value.message == FORM_NOT_FOUND
    assert stored() == (0, 0, [])


def test_a_form_is_archived_once(personas: Personas, form: Form) -> None:
    archive_form(by=personas.marketer, form=form)

    with pytest.raises(Conflict) as refused:
        archive_form(by=personas.marketer, form=form)

    assert refused.value.message == ALREADY_ARCHIVED.format(name="Webinar sign-up")


@pytest.mark.parametrize("persona", NOT_FORM_MANAGERS)
def test_no_one_else_archives_forms(personas: Personas, form: Form, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        archive_form(by=personas.by_name(persona), form=form)

    form.refresh_from_db()
    assert form.is_active


def test_an_accepted_submission_is_one_form_event_with_the_lead_fields_as_traits(
    form: Form,
) -> None:
    result = submit(form, filled(form), user_agent="Firefox/140.0")

    event = Event.objects.get()
    assert result.outcome == SubmissionOutcome.ACCEPTED
    assert result.event_id == event.pk
    assert (event.type, event.name, event.properties, event.source_id, event.user_id) == (
        "form", "Webinar sign-up", {"form": "webinar-sign-up"}, form.source_id, ""
    )  # fmt: skip
    assert event.traits == {
        "email": "ann.lee@example.com",
        "first_name": "Ann",
        "last_name": "Lee",
        "company": "Example Ltd",
        "country": "FR",
    }
    assert event.context["form"] == form.key
    assert (event.context["ip"], event.context["userAgent"]) == (IP, "Firefox/140.0")
    assert ReceivedBatch.objects.get().event_count == 1


def test_an_accepted_submission_is_recorded_with_its_event(form: Form) -> None:
    submit(form, filled(form))

    submission = FormSubmission.objects.get()
    assert (submission.form, submission.outcome, submission.event) == (
        form, SubmissionOutcome.ACCEPTED, Event.objects.get()
    )  # fmt: skip


def test_the_sender_is_known_only_by_a_keyed_hash_of_their_address(form: Form) -> None:
    submit(form, filled(form))

    expected = hmac.new(settings.SECRET_KEY.encode(), IP.encode(), hashlib.sha256).hexdigest()
    assert FormSubmission.objects.get().address_digest == expected


def test_the_consent_is_stored_with_its_wording_and_time(form: Form) -> None:
    moment = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)

    with time_machine.travel(moment, tick=False):
        submit(form, filled(form))

    event = Event.objects.get()
    assert event.context["consent"] == {"granted": True, "wording": WORDING}
    assert event.occurred_at == moment


def test_an_unticked_consent_box_is_stored_as_refused(form: Form) -> None:
    submit(form, filled(form, consent=None))

    assert Event.objects.get().context["consent"] == {"granted": False, "wording": WORDING}


def test_a_form_without_consent_wording_records_no_consent(
    personas: Personas, source: Source
) -> None:
    plain = create_form(by=personas.marketer, name="Contact us", source=source, fields=[])

    submit(plain, filled(plain))

    assert "consent" not in Event.objects.get().context


def test_the_utm_parameters_of_the_landing_address_are_captured(
    form: Form, campaign: Campaign
) -> None:
    submit(form, filled(form))

    event = Event.objects.get()
    assert event.context["page"] == {"url": LANDING_URL, "referrer": "https://www.linkedin.com/"}
    assert event.context["campaign"] == {
        "name": "spring-webinar",
        "source": "linkedin",
        "medium": "paid_social",
        "content": "video",
    }
    assert event.campaign == campaign


def test_without_a_page_address_the_referer_is_the_landing_address(form: Form) -> None:
    submit(
        form,
        filled(form, page_url=None, referrer=None),
        referer="https://www.example.com/pricing?utm_source=newsletter",
    )

    context = Event.objects.get().context
    assert context["page"] == {"url": "https://www.example.com/pricing?utm_source=newsletter"}
    assert context["campaign"] == {"source": "newsletter"}


def test_the_forms_campaign_is_credited_when_the_address_names_none(
    personas: Personas, source: Source, campaign: Campaign
) -> None:
    with_campaign = create_form(
        by=personas.marketer, name="Webinar", source=source, fields=[], campaign=campaign
    )

    submit(with_campaign, filled(with_campaign, page_url="https://www.example.com/?utm_term=crm"))

    event = Event.objects.get()
    assert event.context["campaign"] == {"name": "spring-webinar", "term": "crm"}
    assert event.campaign == campaign


def test_the_visitors_anonymous_id_ties_the_submission_to_their_visits(form: Form) -> None:
    submit(form, filled(form, anonymous_id="0b5c6b1e-2f1d-4d3a-9f57-1f0e0c9d2a11"))

    assert Event.objects.get().anonymous_id == "0b5c6b1e-2f1d-4d3a-9f57-1f0e0c9d2a11"


def test_without_an_anonymous_id_the_submission_gets_one_of_its_own(form: Form) -> None:
    submit(form, filled(form))
    submit(form, filled(form))

    first, second = Event.objects.order_by("id").values_list("anonymous_id", flat=True)
    assert first.startswith("form:")
    assert len(first) == len("form:") + 32
    assert first != second


def test_a_repeated_message_id_is_stored_once(form: Form) -> None:
    first = submit(form, filled(form, message_id="click-1"))

    repeat = submit(form, filled(form, message_id="click-1"))

    assert (repeat.outcome, repeat.event_id, repeat.is_repeat) == (
        SubmissionOutcome.ACCEPTED, first.event_id, True
    )  # fmt: skip
    assert Event.objects.count() == 1
    assert FormSubmission.objects.count() == 1


def test_an_anonymous_id_longer_than_100_characters_is_refused(form: Form) -> None:
    with pytest.raises(DomainError) as refused:
        submit(form, filled(form, anonymous_id="a" * 101))

    assert refused.value.message == ID_TOO_LONG.format(field="anonymous_id")
    assert stored() == (0, 0, [])


def test_a_filled_honeypot_is_recorded_and_nothing_else_is_stored(form: Form) -> None:
    result = submit(form, filled(form, website="https://spam.example"))

    assert result.outcome == SubmissionOutcome.HONEYPOT
    assert (Event.objects.count(), ReceivedBatch.objects.count()) == (0, 0)
    assert list(FormSubmission.objects.values_list("outcome", "event")) == [("honeypot", None)]


def test_a_submission_sooner_than_three_seconds_after_showing_is_too_fast(form: Form) -> None:
    result = submit(form, filled(form, started=started_ago(form, seconds=2)))

    assert result.outcome == SubmissionOutcome.TOO_FAST
    assert (Event.objects.count(), ReceivedBatch.objects.count()) == (0, 0)
    assert list(FormSubmission.objects.values_list("outcome", flat=True)) == ["too_fast"]


def test_three_seconds_is_soon_enough(form: Form) -> None:
    result = submit(form, filled(form, started=started_ago(form, seconds=3)))

    assert result.outcome == SubmissionOutcome.ACCEPTED


@pytest.mark.parametrize(
    "started",
    [None, "", "a forged value", "Webinar:1abc:forged-signature"],
    ids=["missing", "empty", "forged", "badly-signed"],
)
def test_a_missing_or_forged_start_is_too_fast(form: Form, started: str | None) -> None:
    result = submit(form, filled(form, started=started))

    assert result.outcome == SubmissionOutcome.TOO_FAST
    assert Event.objects.count() == 0


def test_a_start_signed_for_another_form_is_too_fast(
    personas: Personas, source: Source, form: Form
) -> None:
    other = create_form(by=personas.marketer, name="Contact us", source=source, fields=[])

    result = submit(form, filled(form, started=started_ago(other)))

    assert result.outcome == SubmissionOutcome.TOO_FAST


def test_a_start_older_than_a_day_is_too_fast(form: Form) -> None:
    result = submit(form, filled(form, started=started_ago(form, seconds=24 * 3600 + 1)))

    assert result.outcome == SubmissionOutcome.TOO_FAST
    assert Event.objects.count() == 0


def test_the_signed_start_tells_a_person_from_a_script(form: Form) -> None:
    moment = now()
    with time_machine.travel(moment, tick=False):
        started = started_value(form=form)

    with time_machine.travel(moment + dt.timedelta(seconds=1), tick=False):
        assert not is_filled_by_a_person(form=form, started=started)
    with time_machine.travel(moment + dt.timedelta(seconds=4), tick=False):
        assert is_filled_by_a_person(form=form, started=started)


def test_a_sixth_accepted_submission_from_one_address_in_ten_minutes_is_refused(
    personas: Personas, source: Source, form: Form
) -> None:
    other = create_form(by=personas.marketer, name="Contact us", source=source, fields=[])
    for number in range(5):
        target = form if number % 2 else other
        submit(target, filled(target, email=f"person{number}@example.com"))

    with pytest.raises(FormRateLimited) as refused:
        submit(form, filled(form))

    assert (refused.value.status_code, refused.value.message) == (429, RATE_LIMITED)
    assert Event.objects.count() == 5
    assert FormSubmission.objects.filter(outcome="rate_limited").count() == 1


def test_spam_does_not_count_towards_the_rate_limit(form: Form) -> None:
    for _ in range(6):
        submit(form, filled(form, website="spam"))

    result = submit(form, filled(form))

    assert result.outcome == SubmissionOutcome.ACCEPTED


def test_another_address_is_not_rate_limited(form: Form) -> None:
    for number in range(5):
        submit(form, filled(form, email=f"person{number}@example.com"))

    result = submit(form, filled(form), ip="198.51.100.20")

    assert result.outcome == SubmissionOutcome.ACCEPTED


def test_the_rate_limit_lifts_after_ten_minutes(form: Form) -> None:
    start = now()
    with time_machine.travel(start, tick=False):
        for number in range(5):
            submit(form, filled(form, email=f"person{number}@example.com"))

    with time_machine.travel(start + dt.timedelta(minutes=10, seconds=1), tick=False):
        result = submit(form, filled(form))

    assert result.outcome == SubmissionOutcome.ACCEPTED


@pytest.mark.parametrize(
    ("email", "message"),
    [
        (None, EMAIL_REQUIRED),
        ("  ", EMAIL_REQUIRED),
        ("ann@", EMAIL_INVALID),
        ("ann", EMAIL_INVALID),
    ],
)
def test_a_valid_email_is_required(form: Form, email: str | None, message: str) -> None:
    with pytest.raises(DomainError) as refused:
        submit(form, filled(form, email=email))

    assert (refused.value.message, refused.value.fields) == (message, {"email": message})
    assert stored() == (0, 0, [])


def test_every_field_to_correct_is_named(form: Form) -> None:
    with pytest.raises(DomainError) as refused:
        submit(form, filled(form, email="ann", first_name="A" * 101, country="France"))

    too_long = VALUE_TOO_LONG.format(label="First name", limit=100)
    assert refused.value.fields == {
        "email": EMAIL_INVALID,
        "first_name": too_long,
        "country": COUNTRY_INVALID,
    }
    assert refused.value.message == f"{EMAIL_INVALID} {too_long} {COUNTRY_INVALID}"
    assert stored() == (0, 0, [])


def test_fields_the_form_does_not_ask_are_left_out(form: Form) -> None:
    submit(form, filled(form, phone="+33 1 23 45 67 89", budget="1M", job_title="CEO"))

    assert set(Event.objects.get().traits) == {
        "email", "first_name", "last_name", "company", "country"
    }  # fmt: skip


def test_fields_left_empty_are_left_out(form: Form) -> None:
    submit(form, filled(form, first_name="", last_name="  ", company=None, country=""))

    assert Event.objects.get().traits == {"email": "ann.lee@example.com"}


def test_a_revoked_source_leaves_the_form_working(personas: Personas, form: Form) -> None:
    # Forms carry no write key: revoking it stops tracking calls, archiving stops a form.
    revoke_source(by=personas.admin, prefix=form.source.prefix)

    result = submit(form, filled(form))

    assert result.outcome == SubmissionOutcome.ACCEPTED
