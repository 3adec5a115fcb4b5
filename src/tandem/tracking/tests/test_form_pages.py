"""The forms pages: the list with counts, creating a form, its snippet and archiving it."""

import html

import pytest
from django.test import Client
from pytest_django.fixtures import DjangoAssertNumQueries

from tandem.campaigns.models import Campaign
from tandem.core.testing import Personas
from tandem.people.models import Source
from tandem.tracking.form_services import NAME_TAKEN, create_form, submit_form
from tandem.tracking.form_views import FORM_ARCHIVED, FORM_CREATED
from tandem.tracking.models import Form
from tandem.tracking.tests.form_fixtures import WORDING, campaign, filled, form, source

pytestmark = pytest.mark.django_db

__all__ = ["campaign", "form", "source"]

FORM_MANAGERS = ["marketer", "marketing_lead", "admin"]
NOT_FORM_MANAGERS = ["sales_rep", "manager", "executive", "outsider"]


def form_state(form: Form) -> tuple[object, ...]:
    form = Form.objects.get(pk=form.pk)
    return (form.name, form.fields, form.consent_wording, form.archived_at, form.updated_at)


@pytest.mark.parametrize("persona", FORM_MANAGERS)
def test_form_managers_see_every_form_with_its_submissions_by_outcome(
    client: Client, personas: Personas, form: Form, persona: str
) -> None:
    submit_form(form=form, data=filled(form), client_ip="192.0.2.1")
    submit_form(form=form, data=filled(form, website="spam"), client_ip="192.0.2.1")
    client.force_login(personas.by_name(persona))

    response = client.get("/tracking/forms/")

    page = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="/tracking/forms/{form.pk}/">Webinar sign-up</a>' in page
    assert "<td>Website</td>" in page
    assert "<td>1</td>\n          <td>1</td>\n          <td>0</td>\n          <td>0</td>" in page


def test_the_form_list_takes_the_same_queries_for_many_forms(
    client: Client,
    personas: Personas,
    source: Source,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    for number in range(5):
        create_form(by=personas.marketer, name=f"Form {number}", source=source, fields=[])
    client.force_login(personas.marketer)

    # The session, the user, their membership, and the forms with their counts.
    with django_assert_num_queries(4):
        client.get("/tracking/forms/")


@pytest.mark.parametrize("path", ["/tracking/forms/", "/tracking/forms/new"])
@pytest.mark.parametrize("persona", NOT_FORM_MANAGERS)
def test_no_one_else_sees_the_forms_pages(
    client: Client, personas: Personas, form: Form, persona: str, path: str
) -> None:
    client.force_login(personas.by_name(persona))

    assert client.get(path).status_code == 403
    assert client.get(f"/tracking/forms/{form.pk}/").status_code == 403


def test_people_signed_out_are_sent_to_sign_in(client: Client, form: Form) -> None:
    response = client.get("/tracking/forms/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login")


@pytest.mark.parametrize("persona", FORM_MANAGERS)
def test_form_managers_create_a_form_and_land_on_its_snippet(
    client: Client, personas: Personas, source: Source, campaign: Campaign, persona: str
) -> None:
    client.force_login(personas.by_name(persona))

    response = client.post(
        "/tracking/forms/new",
        {
            "name": "Demo request",
            "source": source.pk,
            "lead_fields": ["company", "phone"],
            "consent_wording": WORDING,
            "campaign": campaign.pk,
            "redirect_url": "https://www.example.com/thanks",
        },
        follow=True,
    )

    created = Form.objects.get()
    assert response.redirect_chain == [(f"/tracking/forms/{created.pk}/", 302)]
    assert (created.fields, created.consent_wording, created.campaign, created.redirect_url) == (
        ["email", "company", "phone"], WORDING, campaign, "https://www.example.com/thanks"
    )  # fmt: skip
    assert created.created_by == personas.by_name(persona)
    assert FORM_CREATED.format(name="Demo request") in response.content.decode()


@pytest.mark.parametrize("persona", NOT_FORM_MANAGERS)
def test_no_one_else_creates_a_form(
    client: Client, personas: Personas, source: Source, persona: str
) -> None:
    client.force_login(personas.by_name(persona))

    response = client.post("/tracking/forms/new", {"name": "Demo request", "source": source.pk})

    assert response.status_code == 403
    assert not Form.objects.exists()


def test_a_taken_name_is_shown_on_the_form(client: Client, personas: Personas, form: Form) -> None:
    client.force_login(personas.marketer)

    response = client.post(
        "/tracking/forms/new", {"name": "Webinar sign-up", "source": form.source_id}
    )

    assert response.status_code == 200
    assert html.escape(NAME_TAKEN.format(name="Webinar sign-up")) in response.content.decode()
    assert Form.objects.count() == 1


def test_the_new_form_page_says_when_no_source_is_active(
    client: Client, personas: Personas
) -> None:
    client.force_login(personas.marketer)

    page = client.get("/tracking/forms/new").content.decode()

    assert "No tracking source is active." in page


def test_the_form_page_gives_the_snippet_with_the_hidden_fields_and_the_script(
    client: Client, personas: Personas, form: Form
) -> None:
    client.force_login(personas.marketer)

    response = client.get(f"/tracking/forms/{form.pk}/")

    snippet = html.unescape(response.content.decode().split('id="snippet"><code>')[1])
    snippet = snippet.split("</code></pre>")[0]
    assert f'action="http://testserver/f/{form.key}/" method="post"' in snippet
    assert f'fetch("http://testserver/f/{form.key}/started"' in snippet
    assert '<input type="text" name="website" tabindex="-1" autocomplete="off">' in snippet
    for hidden in ("started", "page_url", "referrer", "anonymous_id", "message_id"):
        assert f'name="{hidden}"' in snippet
    assert f'name="consent" value="on"> {WORDING}' in snippet
    assert "ajs_anonymous_id" in snippet


def test_the_form_page_lists_the_latest_submissions(
    client: Client, personas: Personas, form: Form
) -> None:
    submit_form(form=form, data=filled(form), client_ip="192.0.2.1")
    submit_form(form=form, data=filled(form, started="forged"), client_ip="192.0.2.1")
    client.force_login(personas.marketing_lead)

    page = client.get(f"/tracking/forms/{form.pk}/").content.decode()

    assert "<td>Accepted</td>" in page
    assert "<td>Spam: sent too soon after the form was shown</td>" in page
    assert "Waiting for processing" in page


@pytest.mark.parametrize("persona", FORM_MANAGERS)
def test_form_managers_archive_a_form(
    client: Client, personas: Personas, form: Form, persona: str
) -> None:
    client.force_login(personas.by_name(persona))

    response = client.post(f"/tracking/forms/{form.pk}/archive", follow=True)

    form.refresh_from_db()
    assert not form.is_active
    page = response.content.decode()
    assert FORM_ARCHIVED.format(name="Webinar sign-up") in page
    assert 'id="archived"' in page
    assert 'id="snippet"' not in page


@pytest.mark.parametrize("persona", NOT_FORM_MANAGERS)
def test_no_one_else_archives_a_form(
    client: Client, personas: Personas, form: Form, persona: str
) -> None:
    before = form_state(form)
    client.force_login(personas.by_name(persona))

    response = client.post(f"/tracking/forms/{form.pk}/archive")

    assert response.status_code == 403
    assert form_state(form) == before


def test_an_unknown_form_is_not_found(client: Client, personas: Personas) -> None:
    client.force_login(personas.marketer)

    assert client.get("/tracking/forms/999/").status_code == 404
