import pytest
from django.db import connection

from tandem.core.sql import in_list
from tandem.core.testing import make_lead
from tandem.leads.models import Lead

pytestmark = pytest.mark.django_db


def _ids_where(matches: str, params: list[object]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {Lead._meta.db_table} WHERE {matches} ORDER BY id", params)  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def test_in_list_matches_the_values_given() -> None:
    first, _, third = (make_lead(email=f"{n}@example.com") for n in range(3))
    assert _ids_where(*in_list("id", [third.pk, first.pk])) == [first.pk, third.pk]


def test_an_empty_in_list_matches_nothing() -> None:
    make_lead(email="a@example.com")
    assert _ids_where(*in_list("id", [])) == []
