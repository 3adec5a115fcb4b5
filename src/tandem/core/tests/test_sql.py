import datetime as dt
from unittest.mock import patch

import pytest
from django.db import connection

from tandem.core.sql import in_list, update_rows
from tandem.core.testing import make_lead
from tandem.leads.models import Company, Lead

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


def test_update_rows_sets_each_rows_own_values_of_every_type() -> None:
    company = Company.objects.create(name="Acme")
    first, second, untouched = (make_lead(email=f"{n}@example.com") for n in range(3))
    moment = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt.UTC)

    update_rows(
        Lead,
        ["utm_source", "company", "stage_changed_at"],
        [("google", company.pk, moment, first.pk), ("", None, moment, second.pk)],
    )

    rows = Lead.objects.order_by("id").values_list("utm_source", "company", "stage_changed_at")
    assert list(rows) == [
        ("google", company.pk, moment),
        ("", None, moment),
        ("", None, untouched.stage_changed_at),
    ]


def test_update_rows_splits_many_rows_into_statements_within_the_parameter_limit() -> None:
    leads = [make_lead(email=f"{n}@example.com") for n in range(5)]
    with patch("tandem.core.sql.MAX_PARAMETERS", 4):
        update_rows(Lead, ["utm_source"], [(f"s{lead.pk}", lead.pk) for lead in leads])
    assert [lead.utm_source for lead in Lead.objects.order_by("id")] == [
        f"s{lead.pk}" for lead in leads
    ]
