"""How the API knows who is calling: a personal token, or the session of a signed-in browser."""

import json

from django.test import Client

from tandem.core.testing import Personas
from tandem.leads.models import Lead
from tandem.people.models import ApiToken
from tandem.people.services import create_api_token


def test_a_signed_in_browser_reads_the_api_with_its_session(personas: Personas) -> None:
    client = Client()
    client.force_login(personas.marketer)

    response = client.get("/api/v1/leads")

    assert response.status_code == 200
    assert response.json() == {"count": 0, "items": []}


def test_a_session_write_without_the_csrf_token_is_refused_in_the_one_shape(
    personas: Personas,
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.marketer)

    response = client.post(
        "/api/v1/leads", json.dumps({"first_name": "Al"}), content_type="application/json"
    )

    assert response.status_code == 403
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert not Lead.objects.exists()


def test_a_token_write_needs_no_csrf_token(personas: Personas) -> None:
    secret = create_api_token(username="marketer").secret
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {secret}"})

    response = client.post(
        "/api/v1/leads", json.dumps({"first_name": "Al"}), content_type="application/json"
    )

    assert response.status_code == 201
    assert Lead.objects.get().first_name == "Al"


def test_a_token_records_when_it_was_last_used(personas: Personas) -> None:
    issued = create_api_token(username="manager")
    client = Client(headers={"Authorization": f"Bearer {issued.secret}"})

    client.get("/api/v1/leads")

    assert ApiToken.objects.get(pk=issued.token.pk).last_used_at is not None
