"""The planning pages: pacing (nav "Plan"), the plan list, a plan, and the plan form."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from tandem.core.testing import Personas
from tandem.planning import services
from tandem.planning.models import Plan
from tandem.planning.periods import PeriodKind
from tandem.planning.tests.conftest import all_inputs

pytestmark = pytest.mark.django_db

TODAY = dt.datetime(2026, 7, 16, 12, 0, tzinfo=dt.UTC)
MAKERS = ["executive", "marketing_lead", "manager", "admin"]
READERS = ["marketer", "sales_rep"]


@pytest.fixture(autouse=True)
def _frozen_clock() -> object:
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def signed_in(client: Client, personas: Personas, persona: str) -> Client:
    client.force_login(personas.by_name(persona))
    return client


@pytest.fixture
def plan(personas: Personas) -> Plan:
    return services.create_plan(
        by=personas.executive,
        name="Q3 growth",
        period_kind=PeriodKind.QUARTER,
        starts_on=dt.date(2026, 7, 1),
        target_revenue=Decimal("10000"),
        currency="EUR",
        history_months=6,
        overrides=all_inputs(),
        activate=True,
    )


def form_data(**changes: str) -> dict[str, str]:
    inputs = {key: str(value) for key, value in all_inputs().items()}
    return {
        "name": "Q3 from the form",
        "period_kind": "quarter",
        "starts_on": "2026-07-01",
        "target_revenue": "20000",
        "currency": "EUR",
        "history_months": "6",
        **inputs,
    } | changes


@pytest.mark.parametrize("persona", [*MAKERS, *READERS])
def test_everyone_on_a_team_sees_the_pacing_of_the_active_plan(
    client: Client, personas: Personas, plan: Plan, persona: str
) -> None:
    response = signed_in(client, personas, persona).get("/planning/", {"grain": "month"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Q3 growth" in page
    assert 'id="pace-mql"' in page
    assert 'id="revenue-flag"' in page
    assert ('id="new-plan"' in page) is (persona in MAKERS)


def test_the_pacing_page_says_when_no_plan_is_active(client: Client, personas: Personas) -> None:
    response = signed_in(client, personas, "sales_rep").get("/planning/")

    assert response.status_code == 200
    assert 'id="no-active-plan"' in response.content.decode()


def test_an_invalid_choice_falls_back_to_weeks(
    client: Client, personas: Personas, plan: Plan
) -> None:
    response = signed_in(client, personas, "sales_rep").get("/planning/", {"grain": "year"})

    assert response.status_code == 200
    assert "By week" in response.content.decode()


def test_someone_on_no_team_sees_no_plan(client: Client, personas: Personas, plan: Plan) -> None:
    signed_in(client, personas, "outsider")

    assert client.get("/planning/").status_code == 403
    assert client.get(f"/planning/plans/{plan.pk}/").status_code == 403


def test_the_list_and_a_plan_show_the_stages_and_inputs(
    client: Client, personas: Personas, plan: Plan
) -> None:
    signed_in(client, personas, "marketer")

    listed = client.get("/planning/plans/")
    detail = client.get(f"/planning/plans/{plan.pk}/")

    assert f'id="plan-{plan.pk}"' in listed.content.decode()
    page = detail.content.decode()
    assert 'id="stage-mql"' in page
    assert 'id="input-win_rate" class="overridden"' in page
    assert 'id="activate"' not in page


@pytest.mark.parametrize("persona", MAKERS)
def test_plan_makers_save_a_plan_from_the_form(
    client: Client, personas: Personas, persona: str
) -> None:
    signed_in(client, personas, persona)

    shown = client.get("/planning/plans/new/")
    response = client.post("/planning/plans/new/", form_data())

    assert shown.status_code == 200
    made = Plan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/planning/plans/{made.pk}/"
    assert (made.name, made.target_revenue, made.created_by) == (
        "Q3 from the form",
        Decimal("20000"),
        personas.by_name(persona),
    )


def test_the_form_refuses_in_a_sentence_and_saves_nothing(
    client: Client, personas: Personas
) -> None:
    signed_in(client, personas, "manager")

    response = client.post("/planning/plans/new/", form_data(split_partners="40"))

    assert response.status_code == 200
    assert "The source split must add up to 100%; it adds up to 90%." in (response.content.decode())
    assert not Plan.objects.exists()


@pytest.mark.parametrize("persona", READERS)
def test_readers_cannot_open_the_form_or_activate(
    client: Client, personas: Personas, plan: Plan, persona: str
) -> None:
    other = services.create_plan(
        by=personas.admin, **_same_as(plan), overrides=all_inputs(), name="Other"
    )
    signed_in(client, personas, persona)

    assert client.get("/planning/plans/new/").status_code == 403
    assert client.post("/planning/plans/new/", form_data()).status_code == 403
    assert client.post(f"/planning/plans/{other.pk}/activate/").status_code == 403
    other.refresh_from_db()
    assert other.is_active is False
    assert Plan.objects.count() == 2


def test_a_plan_maker_activates_a_plan(client: Client, personas: Personas, plan: Plan) -> None:
    other = services.create_plan(
        by=personas.admin, **_same_as(plan), overrides=all_inputs(), name="Other"
    )
    signed_in(client, personas, "marketing_lead")

    response = client.post(f"/planning/plans/{other.pk}/activate/", follow=True)

    assert response.status_code == 200
    assert "The plan Other is now the active plan." in response.content.decode()
    assert list(Plan.objects.filter(is_active=True)) == [other]


def _same_as(plan: Plan) -> dict[str, Any]:
    return {
        "period_kind": plan.period_kind,
        "starts_on": plan.starts_on,
        "target_revenue": plan.target_revenue,
        "currency": plan.currency,
        "history_months": plan.history_months,
    }
