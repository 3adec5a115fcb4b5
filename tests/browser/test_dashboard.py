import datetime as dt
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tandem.core.testing import Personas, make_lead
from tandem.core.time import month_of, now
from tandem.leads import lifecycle
from tandem.leads.models import Stage

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

    expect(page.get_by_role("heading", name="Funnel")).to_be_visible()
    headers = page.locator("#funnel thead th").all_text_contents()
    entry_column = headers.index(f"{month_of(entered_at):%b %Y}")
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
