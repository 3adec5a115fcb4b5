"""The service-levels page and API: the month's figures for anyone on a team."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from time_machine import TimeMachineFixture

from tandem.agreement.models import AgreementVersion
from tandem.core.testing import PASSWORD, Personas, make_lead
from tandem.handoff.models import Assignment
from tandem.handoff.sla_queries import MONTH_OUT_OF_RANGE, NOT_A_MONTH
from tandem.handoff.tests.sla_support import activate_agreement, assigned_mql
from tandem.leads import services as lead_services
from tandem.leads.models import Stage
from tandem.leads.queries import NOT_ON_A_TEAM

pytestmark = pytest.mark.django_db

ApiAs = Callable[[str], Any]
PAGE = "/handoff/service-levels/"
API = "/api/v1/handoff/service-levels"
TEAM = ["marketer", "marketing_lead", "sales_rep", "manager", "executive", "admin"]


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


@pytest.fixture
def november(personas: Personas, time_machine: TimeMachineFixture) -> AgreementVersion:
    """An agreement from October; in November, two assignments of the sales rep (one escalated,
    one contacted late) and one of the other rep, all three MQLs without a company, and one
    Enterprise MQL."""
    time_machine.move_to(utc(2026, 10, 1, 8), tick=False)
    version = activate_agreement(personas)
    time_machine.move_to(utc(2026, 11, 20, 12), tick=False)
    late = assigned_mql(1, personas.sales_rep, at=utc(2026, 11, 3, 10), version=version)
    untouched = assigned_mql(2, personas.sales_rep, at=utc(2026, 11, 4, 10), version=version)
    assigned_mql(3, personas.other_rep, at=utc(2026, 11, 5, 10), version=version)
    Assignment.objects.filter(pk=late.pk).update(accept_breached_at=utc(2026, 11, 3, 18))
    Assignment.objects.filter(pk=untouched.pk).update(touch_breached_at=utc(2026, 11, 6, 18))
    enterprise = lead_services.create_company(by=None, name="Big", segment="Enterprise")
    make_lead(
        stage=Stage.MQL, at=utc(2026, 11, 10), email="e@example.com", company_id=enterprise.pk
    )
    return version


def signed_in(client: Client, username: str) -> Client:
    client.login(username=username, password=PASSWORD)
    return client


@pytest.mark.parametrize("who", TEAM)
def test_everyone_on_a_team_sees_the_months_figures(
    client: Client, november: AgreementVersion, who: str
) -> None:
    response = signed_in(client, who).get(PAGE, {"month": "2026-11"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "November 2026" in page
    assert 'id="sales-total"' in page
    assert "4 of 60 agreed (6.7%)" in page


def test_the_page_shows_each_reps_breaches_and_compliance(
    client: Client, personas: Personas, november: AgreementVersion
) -> None:
    response = signed_in(client, "manager").get(PAGE, {"month": "2026-11"})

    rep_row = (
        response.content.decode().split(f'id="rep-{personas.sales_rep.pk}"')[1].split("</tr>")[0]
    )
    cells = [cell.split(">", 1)[1].split("<")[0] for cell in rep_row.split("<td")[1:]]
    assert cells == ["2", "1", "50.0%", "1", "50.0%"]


def test_this_month_is_shown_by_default(client: Client, november: AgreementVersion) -> None:
    response = signed_in(client, "sales_rep").get(PAGE)

    assert response.context["report"].month == dt.date(2026, 11, 1)


@pytest.mark.parametrize(
    ("month", "problem"), [("November", NOT_A_MONTH), ("1066-10", MONTH_OUT_OF_RANGE)]
)
def test_a_wrong_month_is_explained_and_this_month_shown(
    client: Client, november: AgreementVersion, month: str, problem: str
) -> None:
    response = signed_in(client, "sales_rep").get(PAGE, {"month": month})

    assert response.status_code == 200
    assert response.context["report"].month == dt.date(2026, 11, 1)
    assert [str(m) for m in response.context["messages"]] == [
        f"{problem} Showing November 2026 instead."
    ]


def test_people_on_no_team_are_refused(client: Client, personas: Personas) -> None:
    response = signed_in(client, "outsider").get(PAGE)

    assert response.status_code == 403
    assert NOT_ON_A_TEAM in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(PAGE)

    assert response.status_code == 302


def test_the_api_gives_the_same_figures(
    api_as: ApiAs, personas: Personas, november: AgreementVersion
) -> None:
    response = api_as("executive").get(API, month="2026-11")

    assert response.status_code == 200
    body = response.json()
    assert body["month"] == "2026-11"
    assert body["sales"] == {
        "assignments": 3,
        "accept_breaches": 1,
        "touch_breaches": 1,
        "accept_compliance": pytest.approx(2 / 3),
        "touch_compliance": pytest.approx(2 / 3),
    }
    sales = next(team for team in body["teams"] if team["team"] == "Sales")
    assert [(row["rep"]["username"], row["figures"]["assignments"]) for row in sales["reps"]] == [
        ("other_rep", 1),
        ("sales_rep", 2),
    ]
    assert sales["reps"][1]["rep"] == {
        "id": personas.sales_rep.pk,
        "username": "sales_rep",
        "name": "Sales Rep",
    }
    marketing = body["marketing"]
    assert (marketing["delivered"], marketing["committed"], marketing["agreement_version"]) == (
        4,
        60,
        november.number,
    )
    assert marketing["segments"][:2] == [
        {"segment": "Enterprise", "delivered": 1, "committed": 10, "share": 0.1},
        {"segment": "Mid-market", "delivered": 0, "committed": 25, "share": 0.0},
    ]
    assert marketing["segments"][-1] == {
        "segment": "",
        "delivered": 3,
        "committed": None,
        "share": None,
    }


@pytest.mark.parametrize(
    ("month", "status", "code"), [("2026-13", 422, "invalid"), ("0000-01", 400, "invalid")]
)
def test_the_api_refuses_a_wrong_month(
    api_as: ApiAs, personas: Personas, month: str, status: int, code: str
) -> None:
    response = api_as("marketer").get(API, month=month)

    assert response.status_code == status
    assert response.json()["error"]["code"] == code


def test_the_api_refuses_people_on_no_team(api_as: ApiAs, personas: Personas) -> None:
    response = api_as("outsider").get(API)

    assert response.status_code == 403
    assert response.json()["error"]["message"] == NOT_ON_A_TEAM
