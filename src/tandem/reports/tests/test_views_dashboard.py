import datetime as dt
import re

import pytest
from django.test import Client
from pytest_django.fixtures import DjangoAssertNumQueries

from tandem.core.testing import Personas, make_lead
from tandem.leads import lifecycle
from tandem.leads.models import Company, Stage
from tandem.leads.queries import NOT_ON_A_TEAM
from tandem.reports import rollups
from tandem.reports.breakdowns import days_between
from tandem.reports.charts import BAR_AREA_WIDTH
from tandem.reports.forms import NOT_A_DAY
from tandem.reports.kpis import FIRST_AFTER_LAST

pytestmark = pytest.mark.django_db

JAN = dt.datetime(2025, 1, 6, 9, 0, tzinfo=dt.UTC)
FEB = dt.datetime(2025, 2, 10, 9, 0, tzinfo=dt.UTC)
MAR = dt.datetime(2025, 3, 12, 9, 0, tzinfo=dt.UTC)
FIRST_QUARTER = {"first_month": "2025-01", "last_month": "2025-03"}
QUERIES = 19
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
    assert re.findall(r'<th scope="col" class="num bucket">([\d-]+)</th>', page) == [
        "2025-01",
        "2025-02",
        "2025-03",
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
    assert row_cells(page, "disqualified") == ["Disqualified", "0", "0", "1", "1", "—"]


def test_the_chart_draws_one_bar_per_stage_without_any_script(
    client: Client, personas: Personas, funnel_data: None
) -> None:
    client.force_login(personas.executive)

    response = client.get("/", FIRST_QUARTER)

    chart = response.context["charts"]["volumes"]
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
    assert '<svg class="chart" id="funnel-chart"' in page
    assert '<script src="http' not in page


def test_the_default_period_is_the_twelve_months_up_to_the_latest_data(
    client: Client, personas: Personas, funnel_data: None
) -> None:
    client.force_login(personas.marketer)

    response = client.get("/")

    period = response.context["board"].period
    assert (period.first_day, period.last_day) == (dt.date(2024, 4, 1), dt.date(2025, 3, 31))
    page = response.content.decode()
    assert 'name="first_day" value="2024-04-01"' in page
    assert 'name="last_day" value="2025-03-31"' in page


def test_by_day_the_period_is_counted_day_by_day(
    client: Client, personas: Personas, funnel_data: None
) -> None:
    client.force_login(personas.marketer)

    response = client.get(
        "/", {"grain": "day", "first_day": "2025-02-09", "last_day": "2025-02-11"}
    )

    board = response.context["board"]
    assert board.bucket_labels == ["2025-02-09", "2025-02-10", "2025-02-11"]
    mqls = next(row for row in board.stages if row.stage == Stage.MQL)
    assert mqls.by_bucket == [0, 2, 0]


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        (
            {"first_day": "2025-03-01", "last_day": "2025-01-01"},
            FIRST_AFTER_LAST.format(first="2025-03-01", last="2025-01-01"),
        ),
        ({"first_day": "2025-13-01"}, NOT_A_DAY),
        ({"grain": "day", "first_day": "2025-01-01", "last_day": "2025-12-31"}, None),
    ],
)
def test_an_invalid_period_says_why_and_shows_the_default(
    client: Client,
    personas: Personas,
    funnel_data: None,
    params: dict[str, str],
    problem: str | None,
) -> None:
    client.force_login(personas.marketer)

    response = client.get("/", params)

    assert response.status_code == 200
    messages = [str(message) for message in response.context["messages"]]
    assert len(messages) == 1
    if problem is not None:
        assert messages[0].startswith(problem)
    assert "instead." in messages[0]


def test_a_segment_filter_counts_only_that_segments_leads(
    client: Client, personas: Personas, funnel_data: None
) -> None:
    company = Company.objects.create(name="Big", segment="Enterprise")
    make_lead(stage=Stage.MQL, at=MAR, email="eve@example.com", company_id=company.pk)
    client.force_login(personas.marketer)

    response = client.get("/", {**FIRST_QUARTER, "segment": "Enterprise"})

    mqls = next(row for row in response.context["board"].stages if row.stage == Stage.MQL)
    assert (mqls.reached, mqls.by_bucket) == (1, [0, 0, 1])


def test_each_table_downloads_as_csv(client: Client, personas: Personas, funnel_data: None) -> None:
    client.force_login(personas.sales_rep)

    response = client.get("/", {**FIRST_QUARTER, "format": "csv", "chart": "conversion"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="conversion-20250101-20250331.csv"' in response["Content-Disposition"]
    lines = response.content.decode().splitlines()
    assert lines[0] == "stage,next_stage,reached,advanced,conversion,median_days_in_stage"
    # Times in stage are rounded to the rollups' buckets before their median is taken.
    median = days_between(rollups.rounded(dt.timedelta(days=35)))
    assert (median, lines[2]) == (34.327, f"lead,mql,3,2,0.6667,{median}")


def test_an_unknown_chart_is_not_found(client: Client, personas: Personas) -> None:
    client.force_login(personas.sales_rep)

    response = client.get("/", {"format": "csv", "chart": "nothing"})

    assert response.status_code == 404


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


@pytest.mark.parametrize("params", [{}, FIRST_QUARTER, {"segment": "SMB"}])
def test_the_dashboard_runs_a_fixed_number_of_queries(
    client: Client,
    personas: Personas,
    funnel_data: None,
    django_assert_num_queries: DjangoAssertNumQueries,
    params: dict[str, str],
) -> None:
    client.force_login(personas.manager)
    rollups.recount_queued()

    # Session, user, membership, the data's period, the filter choices (segments, teams,
    # campaigns), the dashboard's figures, each rollup read's look at the recount queue.
    with django_assert_num_queries(QUERIES):
        response = client.get("/", params)

    assert response.status_code == 200
