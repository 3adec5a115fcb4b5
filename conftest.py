"""Fixtures every test may use: the personas, API clients that authenticate as them."""

import pytest
from django.conf import settings
from django.test import Client

from tandem.core.testing import Personas, make_personas
from tandem.people.queries import forget_write_keys
from tandem.people.services import create_api_token
from tandem.tracking.pipeline import forget_kinds


def pytest_configure(config: pytest.Config) -> None:
    # Tests create many users; a slow, strong hasher would dominate their run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_memory() -> None:
    """Each test's database starts anew; so must what this process remembers of write keys
    and event kinds."""
    forget_write_keys()
    forget_kinds()


@pytest.fixture
def personas(db: None) -> Personas:
    return make_personas()


class ApiClient:
    """A JSON client that authenticates with a personal API token, as a program would."""

    def __init__(self, username: str) -> None:
        self.token = create_api_token(username=username).secret
        self.client = Client(headers={"Authorization": f"Bearer {self.token}"})

    def get(self, path: str, **params: object):
        return self.client.get(path, params)

    def post(self, path: str, body: object):
        return self.client.post(path, body, content_type="application/json")

    def patch(self, path: str, body: object):
        return self.client.patch(path, body, content_type="application/json")


@pytest.fixture
def api_as(personas: Personas):
    """`api_as("sales_rep").get("/api/v1/leads")`: call the API as a persona."""
    return lambda name: ApiClient(personas.by_name(name).username)
