"""The public form endpoint over HTTP: the hosted page, the signed start, HTML and JSON posts."""

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client
from pytest_django.fixtures import Settings

from tandem.core.testing import Personas
from tandem.core.time import now
from tandem.leads.models import Event
from tandem.people.models import Source
from tandem.tracking.form_services import (
    EMAIL_INVALID,
    FORM_NOT_FOUND,
    RATE_LIMITED,
    address_digest,
    archive_form,
    create_form,
    is_filled_by_a_person,
)
from tandem.tracking.form_views import NOT_A_JSON_OBJECT, VALUE_NOT_TEXT
from tandem.tracking.models import Form, FormSubmission
from tandem.tracking.tests.form_fixtures import WORDING, filled, form, source

pytestmark = pytest.mark.django_db

__all__ = ["form", "source"]

JSON = "application/json"


@pytest.fixture
def public() -> Client:
    """A browser on another site: no session, and Django's CSRF checks on."""
    return Client(enforce_csrf_checks=True)


def post_json(client: Client, form: Form, body: object, **headers: str):
    return client.post(f"/f/{form.key}/", json.dumps(body), content_type=JSON, headers=headers)


def test_the_hosted_page_shows_the_fields_the_consent_and_the_hidden_fields(
    public: Client, form: Form
) -> None:
    response = public.get(f"/f/{form.key}/?utm_campaign=spring-webinar")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Webinar sign-up</h1>" in page
    for name in ("email", "first_name", "last_name", "company", "country"):
        assert f'name="{name}"' in page
    assert 'name="phone"' not in page
    assert f'<input type="checkbox" name="consent" value="on"> {WORDING}' in page
    assert '<input type="text" name="website" tabindex="-1" autocomplete="off">' in page
    assert 'value="http://testserver/f/' in page
    assert "utm_campaign=spring-webinar" in page


def test_the_hosted_page_carries_a_signed_start(public: Client, form: Form) -> None:
    page = public.get(f"/f/{form.key}/").content.decode()

    started = page.split('name="started" value="')[1].split('"')[0]
    assert started.startswith(f"{form.key}:")


def test_an_archived_form_has_no_page(personas: Personas, public: Client, form: Form) -> None:
    archive_form(by=personas.marketer, form=form)

    assert public.get(f"/f/{form.key}/").status_code == 404


def test_an_unknown_form_has_no_page(public: Client, form: Form) -> None:
    assert public.get("/f/not-a-key/").status_code == 404


def test_the_start_is_fetched_from_any_site(public: Client, form: Form) -> None:
    response = public.get(f"/f/{form.key}/started", headers={"Origin": "https://www.example.com"})

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Cache-Control"] == "no-store"
    assert response.json()["started"].startswith(f"{form.key}:")


def test_the_start_of_an_unknown_form_is_not_found(public: Client, form: Form) -> None:
    response = public.get("/f/not-a-key/started")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": FORM_NOT_FOUND, "fields": {}}


def test_the_fetched_start_passes_once_a_person_had_time_to_fill_the_form(
    public: Client, form: Form
) -> None:
    moment = now()
    with time_machine.travel(moment, tick=False):
        started = public.get(f"/f/{form.key}/started").json()["started"]

    with time_machine.travel(moment + dt.timedelta(seconds=5), tick=False):
        assert is_filled_by_a_person(form=form, started=started)


def test_an_html_post_is_stored_and_sent_to_the_thank_you_page(public: Client, form: Form) -> None:
    response = public.post(f"/f/{form.key}/", filled(form))

    assert response.status_code == 302
    assert response["Location"] == f"/f/{form.key}/thanks"
    assert Event.objects.get().traits["email"] == "ann.lee@example.com"


def test_the_thank_you_page_thanks(public: Client, form: Form) -> None:
    response = public.get(f"/f/{form.key}/thanks")

    assert response.status_code == 200
    assert "We have received your details." in response.content.decode()


def test_an_html_post_goes_to_the_forms_own_page_after_sending(
    personas: Personas, public: Client, source: Source
) -> None:
    with_page = create_form(
        by=personas.marketer,
        name="Demo request",
        source=source,
        fields=[],
        redirect_url="https://www.example.com/thanks",
    )

    response = public.post(f"/f/{with_page.key}/", filled(with_page))

    assert (response.status_code, response["Location"]) == (302, "https://www.example.com/thanks")


def test_a_json_post_is_answered_with_json_readable_from_any_site(
    public: Client, form: Form
) -> None:
    response = post_json(public, form, filled(form) | {"consent": True})

    assert response.status_code == 200
    assert response.json() == {"success": True}
    assert response["Access-Control-Allow-Origin"] == "*"
    assert Event.objects.get().context["consent"] == {"granted": True, "wording": WORDING}


def test_a_form_post_asking_for_json_is_answered_with_json(public: Client, form: Form) -> None:
    response = public.post(f"/f/{form.key}/", filled(form), headers={"Accept": JSON})

    assert response.json() == {"success": True}
    assert Event.objects.count() == 1


def test_the_referer_header_is_the_landing_address_of_a_plain_html_form(
    public: Client, form: Form
) -> None:
    public.post(
        f"/f/{form.key}/",
        filled(form, page_url=None, referrer=None),
        headers={"Referer": "https://www.example.com/?utm_medium=email"},
    )

    context = Event.objects.get().context
    assert context["page"] == {"url": "https://www.example.com/?utm_medium=email"}
    assert context["campaign"] == {"medium": "email"}


def test_the_browser_is_recorded(public: Client, form: Form) -> None:
    public.post(f"/f/{form.key}/", filled(form), headers={"User-Agent": "Firefox/140.0"})

    assert Event.objects.get().context["userAgent"] == "Firefox/140.0"


def test_a_preflight_is_allowed_from_any_site(public: Client, form: Form) -> None:
    response = public.options(
        f"/f/{form.key}/",
        headers={"Origin": "https://www.example.com", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"
    assert response["Access-Control-Allow-Headers"] == "Content-Type, Accept"


@pytest.mark.parametrize(
    "spam", [{"website": "https://spam.example"}, {"started": "forged"}], ids=["honeypot", "fast"]
)
def test_spam_is_answered_as_if_it_were_accepted(
    public: Client, form: Form, spam: dict[str, str]
) -> None:
    as_html = public.post(f"/f/{form.key}/", filled(form, **spam))
    as_json = post_json(public, form, filled(form, **spam))

    assert (as_html.status_code, as_html["Location"]) == (302, f"/f/{form.key}/thanks")
    assert (as_json.status_code, as_json.json()) == (200, {"success": True})
    assert Event.objects.count() == 0
    assert FormSubmission.objects.count() == 2


def test_a_bad_email_is_answered_400_with_the_message(public: Client, form: Form) -> None:
    response = post_json(public, form, filled(form, email="ann@"))

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": EMAIL_INVALID,
        "fields": {"email": EMAIL_INVALID},
    }
    assert response["Access-Control-Allow-Origin"] == "*"
    assert (Event.objects.count(), FormSubmission.objects.count()) == (0, 0)


def test_a_bad_email_in_an_html_post_shows_the_form_again_with_what_was_typed(
    public: Client, form: Form
) -> None:
    response = public.post(f"/f/{form.key}/", filled(form, email="ann@", first_name="Ann"))

    page = response.content.decode()
    assert response.status_code == 400
    assert EMAIL_INVALID in page
    assert 'value="ann@"' in page
    assert 'value="Ann"' in page
    assert 'value="https://www.example.com/webinar?utm_source=linkedin' in page
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("[1, 2]", NOT_A_JSON_OBJECT),
        ("{not json", NOT_A_JSON_OBJECT),
        ('{"email": {"address": "ann@example.com"}}', VALUE_NOT_TEXT.format(field="email")),
    ],
)
def test_a_json_body_must_be_an_object_of_values(
    public: Client, form: Form, body: str, message: str
) -> None:
    response = public.post(f"/f/{form.key}/", body, content_type=JSON)

    assert response.status_code == 400
    assert response.json()["message"] == message
    assert Event.objects.count() == 0


def test_a_sixth_submission_in_ten_minutes_is_answered_429(public: Client, form: Form) -> None:
    for number in range(5):
        post_json(public, form, filled(form, email=f"person{number}@example.com"))

    as_json = post_json(public, form, filled(form))
    as_html = public.post(f"/f/{form.key}/", filled(form))

    assert (as_json.status_code, as_json.json()["code"]) == (429, "rate_limited")
    assert as_json.json()["message"] == RATE_LIMITED
    assert as_html.status_code == 429
    assert RATE_LIMITED in as_html.content.decode()
    assert Event.objects.count() == 5


def test_an_archived_form_takes_no_post(personas: Personas, public: Client, form: Form) -> None:
    archive_form(by=personas.marketer, form=form)

    as_json = post_json(public, form, filled(form))
    as_html = public.post(f"/f/{form.key}/", filled(form))

    assert (as_json.status_code, as_json.json()["message"]) == (404, FORM_NOT_FOUND)
    assert as_html.status_code == 404
    assert (Event.objects.count(), FormSubmission.objects.count()) == (0, 0)


def test_the_sender_is_counted_by_their_own_address(public: Client, form: Form) -> None:
    public.post(f"/f/{form.key}/", filled(form), REMOTE_ADDR="198.51.100.20")

    assert FormSubmission.objects.get().address_digest == address_digest("198.51.100.20")


def test_behind_the_tls_proxy_the_sender_is_the_last_forwarded_address(
    public: Client, form: Form, settings: Settings
) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

    public.post(
        f"/f/{form.key}/",
        filled(form),
        REMOTE_ADDR="10.0.0.2",
        headers={"X-Forwarded-For": "192.0.2.1, 198.51.100.20"},
    )

    assert FormSubmission.objects.get().address_digest == address_digest("198.51.100.20")


def test_without_a_proxy_a_forwarded_address_is_not_believed(public: Client, form: Form) -> None:
    public.post(
        f"/f/{form.key}/",
        filled(form),
        REMOTE_ADDR="198.51.100.20",
        headers={"X-Forwarded-For": "192.0.2.1"},
    )

    assert FormSubmission.objects.get().address_digest == address_digest("198.51.100.20")
