"""The funnel report API: the dashboard's figures, for a period of months."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from tandem.core.testing import Personas, make_lead
from tandem.leads import lifecycle
from tandem.leads.models import Stage
from tandem.leads.queries import NOT_ON_A_TEAM
from tandem.reports.queries import FIRST_AFTER_LAST, MAX_PERIOD_MONTHS, PERIOD_TOO_LONG, funnel

ApiAs = Callable[[str], Any]

MARCH = dt.datetime(2024, 3, 10, 9, 0, tzinfo=dt.UTC)
APRIL = dt.datetime(2024, 4, 15, 9, 0, tzinfo=dt.UTC)
MAY = dt.datetime(2024, 5, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ledger(personas: Personas) -> None:
    """Two MQLs in March, one accepted (SAL) in April; a third lead enters as MQL in May."""
    accepted = make_lead(stage=Stage.MQL, at=MARCH)
    make_lead(stage=Stage.MQL, at=MARCH)
    lifecycle.change_stage(lead=accepted, to_stage=Stage.SAL, by=personas.sales_rep, at=APRIL)
    make_lead(stage=Stage.MQL, at=MAY)


def rows_by_stage(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["stage"]: row for row in body["stages"]}


def test_the_report_gives_monthly_reaches_and_conversion(api_as: ApiAs, ledger: None) -> None:
    response = api_as("sales_rep").get(
        "/api/v1/reports/funnel", first_month="2024-03", last_month="2024-05"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["first_month"], body["last_month"]) == ("2024-03", "2024-05")
    assert body["months"] == ["2024-03", "2024-04", "2024-05"]
    assert [row["stage"] for row in body["stages"]] == [
        "inquiry",
        "lead",
        "mql",
        "sal",
        "sql",
        "opportunity",
        "customer",
        "recycled",
        "disqualified",
    ]
    rows = rows_by_stage(body)
    assert rows["mql"] == {
        "stage": "mql",
        "label": "MQL",
        "reached_by_month": [2, 0, 1],
        "reached": 3,
        "advanced": 1,
        "conversion": pytest.approx(1 / 3),
        "next_stage": "sal",
    }
    assert rows["sal"] == {
        "stage": "sal",
        "label": "SAL",
        "reached_by_month": [0, 1, 0],
        "reached": 1,
        "advanced": 0,
        "conversion": 0.0,
        "next_stage": "sql",
    }
    assert (rows["customer"]["next_stage"], rows["customer"]["conversion"]) == (None, None)


def test_the_report_holds_the_same_figures_as_the_dashboard_query(
    api_as: ApiAs, personas: Personas, ledger: None
) -> None:
    expected = funnel(
        personas.executive, first_month=dt.date(2024, 3, 1), last_month=dt.date(2024, 4, 1)
    )

    body = (
        api_as("executive")
        .get("/api/v1/reports/funnel", first_month="2024-03", last_month="2024-04")
        .json()
    )

    assert [
        (row["stage"], row["reached_by_month"], row["reached"], row["advanced"], row["conversion"])
        for row in body["stages"]
    ] == [
        (row.stage.value, row.reached_by_month, row.reached, row.advanced, row.conversion)
        for row in expected.stages
    ]


def test_the_period_defaults_to_the_twelve_months_up_to_the_latest_activity(
    api_as: ApiAs, ledger: None
) -> None:
    body = api_as("marketer").get("/api/v1/reports/funnel").json()

    assert (body["first_month"], body["last_month"]) == ("2023-06", "2024-05")
    assert len(body["months"]) == 12
    assert rows_by_stage(body)["mql"]["reached_by_month"][-3:] == [2, 0, 1]


def test_a_month_left_out_comes_from_the_default_period(api_as: ApiAs, ledger: None) -> None:
    body = api_as("marketer").get("/api/v1/reports/funnel", first_month="2024-04").json()

    assert body["months"] == ["2024-04", "2024-05"]


def test_a_first_month_after_the_last_is_refused(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("marketer").get(
        "/api/v1/reports/funnel", first_month="2024-05", last_month="2024-03"
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": FIRST_AFTER_LAST.format(first="2024-05", last="2024-03"),
            "fields": {"first_month": "after last_month"},
        }
    }


def test_a_period_longer_than_the_maximum_is_refused(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("marketer").get(
        "/api/v1/reports/funnel", first_month="2016-01", last_month="2026-01"
    )

    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": PERIOD_TOO_LONG.format(
                max_months=MAX_PERIOD_MONTHS, first="2016-01", last="2026-01", months=121
            ),
            "fields": {"first_month": f"more than {MAX_PERIOD_MONTHS} months before last_month"},
        }
    }


def test_the_longest_period_is_accepted(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("marketer").get(
        "/api/v1/reports/funnel", first_month="2016-02", last_month="2026-01"
    )

    assert response.status_code == 200
    assert len(response.json()["months"]) == MAX_PERIOD_MONTHS


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "March", "2026-03-01"])
def test_a_month_not_written_yyyy_mm_is_refused(
    api_as: ApiAs, personas: Personas, month: str
) -> None:
    response = api_as("marketer").get("/api/v1/reports/funnel", last_month=month)

    assert response.status_code == 422
    message = "last_month is not in the expected format."
    assert response.json() == {
        "error": {"code": "invalid", "message": message, "fields": {"last_month": message}}
    }


def test_someone_on_no_team_gets_no_report(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("outsider").get("/api/v1/reports/funnel")

    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "forbidden", "message": NOT_ON_A_TEAM, "fields": {}}
    }


def test_the_report_reads_the_rollup_in_a_fixed_number_of_queries(
    api_as: ApiAs, ledger: None, django_assert_num_queries: Any
) -> None:
    client = api_as("manager")
    client.get("/api/v1/reports/funnel")  # the token's first use records when it was used

    # The token with its person and membership, the data's period, and the rollup rows.
    with django_assert_num_queries(3):
        response = client.get("/api/v1/reports/funnel")

    assert response.status_code == 200
