import pytest
from django.test import Client

from tandem.core.testing import PASSWORD, Personas, make_lead
from tandem.leads.queries import NOT_ON_A_TEAM
from tandem.people.forms import LOGIN_FAILED

pytestmark = pytest.mark.django_db


def test_the_login_page_shows_the_form(client: Client) -> None:
    response = client.get("/login/")

    assert response.status_code == 200
    assert b"Sign in to Tandem" in response.content
    assert b'name="password"' in response.content


def test_a_person_signs_in_and_lands_on_the_dashboard(client: Client, personas: Personas) -> None:
    response = client.post("/login/", {"username": "sales_rep", "password": PASSWORD})

    assert (response.status_code, response["Location"]) == (302, "/")
    assert client.session["_auth_user_id"] == str(personas.sales_rep.pk)


def test_signing_in_returns_to_the_page_asked_for(client: Client, personas: Personas) -> None:
    response = client.post(
        "/login/", {"username": "marketer", "password": PASSWORD, "next": "/leads/"}
    )

    assert (response.status_code, response["Location"]) == (302, "/leads/")


def test_a_wrong_password_is_refused_with_a_message(client: Client, personas: Personas) -> None:
    response = client.post("/login/", {"username": "sales_rep", "password": "wrong"})

    assert response.status_code == 200
    assert LOGIN_FAILED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_someone_signed_in_skips_the_login_page(client: Client, personas: Personas) -> None:
    client.force_login(personas.marketer)

    response = client.get("/login/")

    assert (response.status_code, response["Location"]) == (302, "/")


def test_logging_out_takes_a_post(client: Client, personas: Personas) -> None:
    client.force_login(personas.marketer)

    response = client.post("/logout/")

    assert (response.status_code, response["Location"]) == (302, "/login/")
    assert "_auth_user_id" not in client.session


def test_a_link_cannot_log_anyone_out(client: Client, personas: Personas) -> None:
    client.force_login(personas.marketer)

    response = client.get("/logout/")

    assert response.status_code == 405
    assert client.session["_auth_user_id"] == str(personas.marketer.pk)


def test_logging_out_requires_the_csrf_token(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.marketer)

    response = client.post("/logout/")

    assert response.status_code == 403
    assert client.session["_auth_user_id"] == str(personas.marketer.pk)


@pytest.mark.parametrize("path", ["/", "/leads/", "/leads/{lead_id}/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client: Client, path: str) -> None:
    lead = make_lead(email="ana@example.com")
    url = path.format(lead_id=lead.pk)

    response = client.get(url)

    assert (response.status_code, response["Location"]) == (302, f"/login/?next={url}")


@pytest.mark.parametrize("path", ["/", "/leads/", "/leads/{lead_id}/"])
def test_someone_on_no_team_is_told_so(client: Client, personas: Personas, path: str) -> None:
    lead = make_lead(email="ana@example.com")
    client.force_login(personas.outsider)

    response = client.get(path.format(lead_id=lead.pk))

    assert response.status_code == 403
    assert NOT_ON_A_TEAM in response.content.decode()
    assert b"Tandem" in response.content


def test_the_navigation_names_the_person_and_their_role(client: Client, personas: Personas) -> None:
    client.force_login(personas.manager)

    response = client.get("/leads/")

    page = response.content.decode()
    assert '<span class="user-name">Manager</span>' in page
    assert '<span class="user-role">Sales manager</span>' in page
    assert 'action="/logout/"' in page


def test_an_unknown_address_shows_the_not_found_page(client: Client, personas: Personas) -> None:
    client.force_login(personas.marketer)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"There is nothing at this address" in response.content
