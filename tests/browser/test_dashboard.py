import csv
import datetime as dt
import io
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tandem.core.testing import Personas, make_lead
from tandem.core.time import month_of, now
from tandem.leads import lifecycle
from tandem.leads.models import Company, Stage

pytestmark = pytest.mark.browser


def test_a_marketer_sees_the_funnel_of_the_leads_that_moved(
    page: Page,
    log_in: Callable[[str], None],
    screenshot: Callable[[str], None],
    personas: Personas,
) -> None:
    # Three leads enter, two become MQL, one of those SAL.
    entered_at = now() - dt.timedelta(days=60)
    leads = [make_lead(at=entered_at, email=f"lead{number}@example.com") for number in range(3)]
    for lead in leads[:2]:
        lifecycle.change_stage(
            lead=lead, to_stage=Stage.MQL, by=None, at=entered_at + dt.timedelta(days=30)
        )
    lifecycle.change_stage(
        lead=leads[0], to_stage=Stage.SAL, by=personas.sales_rep, at=now() - dt.timedelta(days=1)
    )

    log_in("marketer")

    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    headers = page.locator("#funnel thead th").all_text_contents()
    entry_column = headers.index(f"{month_of(entered_at):%Y-%m}")
    lead_row = page.locator("#funnel-lead").locator("th, td")
    expect(lead_row.nth(entry_column)).to_have_text("3")
    expect(page.locator("#funnel-lead .total")).to_have_text("3")
    expect(page.locator("#funnel-lead .conversion")).to_have_text("66.7% to MQL")
    expect(page.locator("#funnel-mql .total")).to_have_text("2")
    expect(page.locator("#funnel-mql .conversion")).to_have_text("50.0% to SAL")
    expect(page.locator("#funnel-sal .total")).to_have_text("1")
    expect(page.locator("#funnel-sal .conversion")).to_have_text("0.0% to SQL")
    expect(page.locator("#funnel-chart .bar-value")).to_have_text(
        ["0", "3", "2", "1", "0", "0", "0", "0", "0"]
    )
    screenshot("dashboard")


def test_a_manager_narrows_the_dashboard_and_downloads_a_chart_as_csv(
    page: Page,
    log_in: Callable[[str], None],
    screenshot: Callable[[str], None],
    personas: Personas,
) -> None:
    # Two MQLs from small businesses and one from an enterprise, ten days ago; one older MQL.
    small = Company.objects.create(name="Small Co", segment="SMB")
    large = Company.objects.create(name="Large Co", segment="Enterprise")
    recent = now() - dt.timedelta(days=10)
    for number, company in enumerate([small, small, large]):
        make_lead(
            stage=Stage.MQL,
            at=recent,
            email=f"mql{number}@example.com",
            company_id=company.pk,
            source="paid_search",
        )
    make_lead(
        stage=Stage.MQL,
        at=now() - dt.timedelta(days=200),
        email="old@example.com",
        company_id=small.pk,
        source="paid_search",
    )
    log_in("manager")
    page.goto("/")

    # By day over the last month, then only small businesses.
    page.get_by_label("By", exact=True).select_option("day")
    page.get_by_label("From", exact=True).fill(f"{(recent - dt.timedelta(days=5)).date():%Y-%m-%d}")
    page.get_by_label("To", exact=True).fill(f"{now().date():%Y-%m-%d}")
    page.get_by_label("Segment", exact=True).select_option("SMB")
    page.get_by_role("button", name="Show").click()

    expect(page.locator("#funnel-mql .total")).to_have_text("2")
    expect(page.get_by_label("Segment", exact=True)).to_have_value("SMB")
    with page.expect_download() as download_info:
        page.locator("#csv-by_source").click()
    download = download_info.value
    assert download.suggested_filename.startswith("by_source-")
    rows = list(csv.reader(io.StringIO(download.path().read_text(encoding="utf-8"))))
    assert rows[0][:4] == ["source", "mqls", "sqls", "won_deals"]
    assert [row[:2] for row in rows[1:]] == [["paid_search", "2"], ["All MQLs", "2"]]
    screenshot("dashboard-filtered")
