"""The planning API: plans, their defaults and pacing; who may make and activate them."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from tandem.core.testing import Personas
from tandem.leads.queries import NOT_ON_A_TEAM
from tandem.planning import services
from tandem.planning.models import Plan
from tandem.planning.periods import PeriodKind
from tandem.planning.queries import NO_ACTIVE_PLAN
from tandem.planning.tests.conftest import all_inputs

ApiAs = Callable[[str], Any]
TODAY = dt.datetime(2026, 7, 16, 12, 0, tzinfo=dt.UTC)
MAKERS = ["executive", "marketing_lead", "manager", "admin"]
READERS = ["marketer", "sales_rep"]


@pytest.fixture(autouse=True)
def _frozen_clock() -> object:
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def body(**changes: Any) -> dict[str, Any]:
    inputs = {key: str(value) for key, value in all_inputs().items()}
    return {
        "name": "Q3 plan",
        "period": "quarter",
        "starts_on": "2026-07-01",
        "target_revenue": "10000",
        "currency": "EUR",
        "inputs": inputs,
    } | changes


@pytest.fixture
def plan(personas: Personas) -> Plan:
    return services.create_plan(
        by=personas.executive,
        name="Q3",
        period_kind=PeriodKind.QUARTER,
        starts_on=dt.date(2026, 7, 1),
        target_revenue=Decimal("10000"),
        currency="EUR",
        history_months=6,
        overrides=all_inputs(),
    )


@pytest.mark.parametrize("persona", MAKERS)
def test_leadership_and_the_owners_of_both_sides_make_plans(api_as: ApiAs, persona: str) -> None:
    response = api_as(persona).post("/api/v1/planning/plans", body(activate=True))

    assert response.status_code == 201
    made = response.json()
    assert made["name"] == "Q3 plan"
    assert made["is_active"] is True
    assert made["created_by"]["username"] == persona
    assert [(row["stage"], row["count"]) for row in made["stages"]] == [
        ("lead", 32),
        ("mql", 16),
        ("sal", 8),
        ("sql", 4),
        ("opportunity", 2),
        ("won", 1),
    ]
    assert made["stages"][1]["first_day"] == "2026-06-01"
    assert made["stages"][1]["by_source"][0] == {
        "group": "marketing",
        "label": "Marketing",
        "count": 8,
    }


@pytest.mark.parametrize("persona", [*READERS, "outsider"])
def test_others_cannot_make_plans(api_as: ApiAs, persona: str) -> None:
    response = api_as(persona).post("/api/v1/planning/plans", body())

    assert response.status_code == 403
    assert not Plan.objects.exists()


def test_a_refusal_is_a_sentence_naming_the_field(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("executive").post("/api/v1/planning/plans", body(starts_on="2026-08-01"))

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"starts_on": "not a quarter start"}
    assert not Plan.objects.exists()


def test_a_split_that_does_not_add_up_is_refused(api_as: ApiAs, personas: Personas) -> None:
    inputs = body()["inputs"] | {"split_partners": "60"}

    response = api_as("executive").post("/api/v1/planning/plans", body(inputs=inputs))

    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "The source split must add up to 100%; it adds up to 110%."
    )


@pytest.mark.parametrize("persona", [*MAKERS, *READERS])
def test_everyone_on_a_team_reads_plans(api_as: ApiAs, plan: Plan, persona: str) -> None:
    listed = api_as(persona).get("/api/v1/planning/plans")
    one = api_as(persona).get(f"/api/v1/planning/plans/{plan.pk}")

    assert listed.status_code == 200
    assert [item["id"] for item in listed.json()["items"]] == [plan.pk]
    assert one.status_code == 200
    assert one.json()["inputs"]["win_rate"] == "50.00"


def test_someone_on_no_team_reads_no_plan(api_as: ApiAs, plan: Plan) -> None:
    response = api_as("outsider").get(f"/api/v1/planning/plans/{plan.pk}")

    assert response.status_code == 403
    assert response.json()["error"]["message"] == NOT_ON_A_TEAM


@pytest.mark.parametrize(("persona", "status"), [("manager", 200), ("sales_rep", 403)])
def test_only_plan_makers_activate_a_plan(
    api_as: ApiAs, plan: Plan, persona: str, status: int
) -> None:
    response = api_as(persona).post(f"/api/v1/planning/plans/{plan.pk}/activate", {})

    assert response.status_code == status
    plan.refresh_from_db()
    assert plan.is_active is (status == 200)


def test_pacing_of_the_active_plan(api_as: ApiAs, plan: Plan, personas: Personas) -> None:
    services.activate_plan(plan=plan, by=personas.admin)

    response = api_as("sales_rep").get("/api/v1/planning/pacing", grain="month")

    assert response.status_code == 200
    paced = response.json()
    assert paced["plan"]["id"] == plan.pk
    assert paced["today"] == "2026-07-16"
    mqls = next(row for row in paced["stages"] if row["stage"] == "mql")
    assert mqls["elapsed"] == 0.5
    assert mqls["total"] | {} == {
        "planned": 16,
        "planned_to_date": 8.0,
        "actual": 0,
        "forecast": 0,
        "flag": "far_behind",
        "flag_label": "Far behind",
    }
    assert [bucket["first_day"] for bucket in mqls["series"]] == [
        "2026-06-01",
        "2026-07-01",
        "2026-08-01",
    ]
    assert paced["revenue"]["forecast"] == "0.00"


def test_pacing_without_an_active_plan_says_so(api_as: ApiAs, plan: Plan) -> None:
    response = api_as("executive").get("/api/v1/planning/pacing")

    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "no_active_plan",
        "message": NO_ACTIVE_PLAN,
        "fields": {},
    }


def test_any_plans_pacing_can_be_read(api_as: ApiAs, plan: Plan) -> None:
    response = api_as("marketer").get(f"/api/v1/planning/plans/{plan.pk}/pacing", source="partners")

    assert response.status_code == 200
    assert response.json()["source"] == "partners"


def test_the_history_defaults_are_read_before_making_a_plan(
    api_as: ApiAs, personas: Personas
) -> None:
    response = api_as("marketer").get("/api/v1/planning/defaults", months=3, currency="EUR")

    assert response.status_code == 200
    assert response.json()["first_day"] == "2026-04-01"
    assert response.json()["values"]["win_rate"] is None
