import datetime as dt
import re

import pytest
from django.test import Client
from pytest_django.fixtures import DjangoAssertNumQueries

from tandem.core.testing import Personas, make_lead
from tandem.core.time import month_of, now
from tandem.leads import lifecycle
from tandem.leads.models import Stage
from tandem.leads.queries import NOT_ON_A_TEAM
from tandem.reports.charts import BAR_AREA_WIDTH
from tandem.reports.forms import NOT_A_MONTH
from tandem.reports.queries import FIRST_AFTER_LAST, MAX_PERIOD_MONTHS, PERIOD_TOO_LONG

pytestmark = pytest.mark.django_db

JAN = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)
FEB = dt.datetime(2025, 2, 10, 9, 0, tzinfo=dt.UTC)
MAR = dt.datetime(2025, 3, 12, 9, 0, tzinfo=dt.UTC)
FIRST_QUARTER = {"first_month": "2025-01", "last_month": "2025-03"}
TEAM_PERSONAS = [
    "marketer",
    "marketing_lead",
    "sales_rep",
    "other_rep",
    "manager",
    "rival_rep",
    "rival_manager",
    "executive",
    "admin",
]


@pytest.fixture
def funnel_data(personas: Personas) -> None:
    """Three leads in January, two of them MQL in February, one SAL and one out in March, and
    one more entering straight at MQL in March."""
    ana = make_lead(at=JAN, owner=personas.sales_rep, email="ana@example.com")
    ben = make_lead(at=JAN, owner=personas.other_rep, email="ben@example.com")
    cleo = make_lead(at=JAN, email="cleo@example.com")
    lifecycle.change_stage(lead=ana, to_stage=Stage.MQL, by=None, at=FEB)
    lifecycle.change_stage(lead=ben, to_stage=Stage.MQL, by=None, at=FEB)
    lifecycle.change_stage(lead=ana, to_stage=Stage.SAL, by=personas.sales_rep, at=MAR)
    lifecycle.change_stage(lead=cleo, to_stage=Stage.DISQUALIFIED, by=personas.marketer, at=MAR)
    make_lead(stage=Stage.MQL, at=MAR, email="dan@example.com")


def row_cells(page: str, stage: str) -> list[str]:
    """The text of each cell of the funnel table's row for `stage`."""
    match = re.search(rf'<tr id="funnel-{stage}">(.*?)</tr>', page, re.DOTALL)
    assert match is not None
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", match.group(1), re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


@pytest.mark.parametrize("persona", TEAM_PERSONAS)
def test_everyone_on_a_team_sees_the_same_funnel(
    client: Client, personas: Personas, funnel_data: None, persona: str
) -> None:
    client.force_login(personas.by_name(persona))

    response = client.get("/", FIRST_QUARTER)

    assert response.status_code == 200
    assert row_cells(response.content.decode(), "lead") == [
        "Lead",
        "3",
        "0",
        "0",
        "3",
        "66.7% to MQL",
    ]


def test_the_funnel_counts_each_stage_per_month_and_in_all(
    client: Client, personas: Personas, funnel_data: None
) -> None:
    client.force_login(personas.marketer)

    response = client.get("/", FIRST_QUARTER)

    page = response.content.decode()
    month_header = r'<th scope="col" class="num month">(\w+) <span class="year">(\d+)</span></th>'
    assert re.findall(month_header, page) == [
        ("Jan", "2025"),
        ("Feb", "2025"),
        ("Mar", "2025"),
    ]
    assert {
        stage: row_cells(page, stage) for stage in ("inquiry", "lead", "mql", "sal", "sql")
    } == {
        "inquiry": ["Inquiry", "0", "0", "0", "0", "—"],
        "lead": ["Lead", "3", "0", "0", "3", "66.7% to MQL"],
        "mql": ["MQL", "0", "2", "1", "3", "33.3% to SAL"],
        "sal": ["SAL", "0", "0", "1", "1", "0.0% to SQL"],
        "sql": ["SQL", "0", "0", "0", "0", "—"],
    }
    assert row_cells(page, "customer") == ["Customer", "0", "0", "0", "0", "—"]
    assert row_cells(page, "disqualified") == ["Disqualified", "0", "0", "1", "1", "—"]
    assert "of the leads that reached a stage in the period, the share" in page


def test_the_chart_draws_one_bar_per_stage(
    client: Client, personas: Personas, funnel_data: None
) -> None:
    client.force_login(personas.executive)

    response = client.get("/", FIRST_QUARTER)

    chart = response.context["chart"]
    assert [(bar.label, bar.value) for bar in chart.bars] == [
        ("Inquiry", 0),
        ("Lead", 3),
        ("MQL", 3),
        ("SAL", 1),
        ("SQL", 0),
        ("Opportunity", 0),
        ("Customer", 0),
        ("Recycled", 0),
        ("Disqualified", 1),
    ]
    assert [bar.width for bar in chart.bars][1:4] == [BAR_AREA_WIDTH, BAR_AREA_WIDTH, 140.0]
    page = response.content.decode()
    assert page.count("<rect ") == 9
    assert '<svg class="chart" id="funnel-chart"' in page
    assert '<script src="http' not in page


def test_the_default_period_is_the_twelve_months_up_to_the_latest_data(
    client: Client, personas: Personas, funnel_data: None
) -> None:
    client.force_login(personas.marketer)

    response = client.get("/")

    funnel = response.context["funnel"]
    assert (funnel.months[0], funnel.months[-1], len(funnel.months)) == (
        dt.date(2024, 4, 1),
        dt.date(2025, 3, 1),
        12,
    )
    page = response.content.decode()
    assert 'name="first_month" value="2024-04"' in page
    assert 'name="last_month" value="2025-03"' in page


def test_a_month_left_out_is_taken_from_the_default_period(
    client: Client, personas: Personas, funnel_data: None
) -> None:
    client.force_login(personas.marketer)

    response = client.get("/", {"first_month": "2025-02"})

    funnel = response.context["funnel"]
    assert funnel.months == [dt.date(2025, 2, 1), dt.date(2025, 3, 1)]


@pytest.mark.parametrize(
    ("first_month", "last_month", "problem"),
    [
        ("2025-03", "2025-01", FIRST_AFTER_LAST.format(first="2025-03", last="2025-01")),
        ("2025-13", "2025-03", NOT_A_MONTH),
        ("March", "2025-03", NOT_A_MONTH),
        (
            "2010-01",
            "2025-03",
            PERIOD_TOO_LONG.format(
                max_months=MAX_PERIOD_MONTHS, first="2010-01", last="2025-03", months=183
            ),
        ),
    ],
)
def test_an_invalid_period_says_why_and_shows_the_default(
    client: Client,
    personas: Personas,
    funnel_data: None,
    first_month: str,
    last_month: str,
    problem: str,
) -> None:
    client.force_login(personas.marketer)

    response = client.get("/", {"first_month": first_month, "last_month": last_month})

    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert messages == [f"{problem} Showing Apr 2024 to Mar 2025 instead."]
    funnel = response.context["funnel"]
    assert (funnel.months[0], funnel.months[-1]) == (dt.date(2024, 4, 1), dt.date(2025, 3, 1))


def test_an_empty_funnel_shows_the_twelve_months_up_to_now(
    client: Client, personas: Personas
) -> None:
    client.force_login(personas.marketer)

    response = client.get("/")

    funnel = response.context["funnel"]
    assert (funnel.months[-1], len(funnel.months)) == (month_of(now()), 12)
    assert all(row.reached == 0 for row in funnel.stages)
    assert "No lead has entered the funnel yet." in response.content.decode()


def test_someone_on_no_team_may_not_see_the_dashboard(
    client: Client, personas: Personas, funnel_data: None
) -> None:
    client.force_login(personas.outsider)

    response = client.get("/", FIRST_QUARTER)

    assert response.status_code == 403
    page = response.content.decode()
    assert NOT_ON_A_TEAM in page
    assert 'id="funnel"' not in page


def test_anonymous_visitors_are_sent_to_login(client: Client) -> None:
    response = client.get("/")

    assert (response.status_code, response["Location"]) == (302, "/login/?next=/")


@pytest.mark.parametrize("params", [{}, FIRST_QUARTER, {"first_month": "2025-13"}])
def test_the_dashboard_runs_a_fixed_number_of_queries(
    client: Client,
    personas: Personas,
    funnel_data: None,
    django_assert_num_queries: DjangoAssertNumQueries,
    params: dict[str, str],
) -> None:
    client.force_login(personas.manager)

    # Session, user, membership, the data's period, the funnel's rollup rows.
    with django_assert_num_queries(5):
        response = client.get("/", params)

    assert response.status_code == 200
