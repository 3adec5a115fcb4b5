"""Two versions side by side, the differences marked."""

from collections.abc import Callable

import pytest
from django.test import Client

from tandem.agreement.models import AgreementVersion
from tandem.agreement.tests.conftest import TEAM, starter
from tandem.core.testing import Personas

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(active: AgreementVersion, make_version: Callable[..., AgreementVersion]) -> None:
    """Version 1 in force and version 2, a draft that recycles sooner and drops a reason."""
    content = starter(recycle={"idle_days": 30})
    content["rejection_reasons"] = content["rejection_reasons"][:-1]
    make_version(title="Sooner", content=content)


@pytest.mark.parametrize("persona", TEAM)
def test_everyone_on_a_team_compares_versions(
    client: Client, personas: Personas, two: None, persona: str
) -> None:
    client.force_login(personas.by_name(persona))

    response = client.get("/agreement/compare/", {"old": 1, "new": 2})

    assert response.status_code == 200
    page = response.content.decode()
    assert "2 differences, marked below." in page
    assert '<tr class="change-changed">' in page
    assert '<tr class="change-removed">' in page
    assert "<del>An accepted lead with no SQL and no engagement for 45 days" in page
    assert "<ins>An accepted lead with no SQL and no engagement for 30 days" in page


def test_by_default_the_latest_version_is_compared_with_the_one_in_force(
    client: Client, personas: Personas, two: None
) -> None:
    client.force_login(personas.sales_rep)

    response = client.get("/agreement/compare/")

    comparison = response.context["comparison"]
    assert (comparison.old.number, comparison.new.number) == (1, 2)


def test_the_same_version_twice_differs_in_nothing(
    client: Client, personas: Personas, two: None
) -> None:
    client.force_login(personas.sales_rep)

    page = client.get("/agreement/compare/", {"old": 2, "new": 2}).content.decode()

    assert "the terms are the same." in page
    assert "change-changed" not in page


def test_a_missing_version_is_not_found(client: Client, personas: Personas, two: None) -> None:
    client.force_login(personas.sales_rep)

    assert client.get("/agreement/compare/", {"old": 1, "new": 5}).status_code == 404


def test_numbers_that_are_not_numbers_fall_back_to_the_default(
    client: Client, personas: Personas, two: None
) -> None:
    client.force_login(personas.sales_rep)

    response = client.get("/agreement/compare/", {"old": "first", "new": 2})

    assert "Pick two versions by their numbers." in response.content.decode()
    assert response.context["comparison"].new.number == 2


def test_with_no_version_there_is_nothing_to_compare(client: Client, personas: Personas) -> None:
    client.force_login(personas.sales_rep)

    response = client.get("/agreement/compare/")

    assert "There is no version to compare yet." in response.content.decode()


def test_someone_on_no_team_compares_nothing(client: Client, personas: Personas, two: None) -> None:
    client.force_login(personas.outsider)

    assert client.get("/agreement/compare/", {"old": 1, "new": 2}).status_code == 403
