import datetime as dt
import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tandem.campaigns import services as campaign_services
from tandem.core.testing import Personas, make_lead
from tandem.core.time import now
from tandem.leads import lifecycle, services
from tandem.leads.models import Lead, Stage, StageChange

pytestmark = pytest.mark.browser


@pytest.fixture
def anas_lead(personas: Personas) -> Lead:
    """A lead of `sales_rep` that marketing made an MQL, next to a lead of another rep."""
    entered_at = now() - dt.timedelta(days=20)
    campaign = campaign_services.create_campaign(
        by=None, name="Spring webinar", utm_key="spring-webinar", channel="webinar"
    )
    company = services.create_company(by=None, name="Acme Robotics", segment="Mid-market")
    lead = make_lead(
        owner=personas.sales_rep,
        at=entered_at,
        first_name="Ana",
        last_name="Lima",
        email="ana@acme.example",
        job_title="Head of Operations",
        country="PT",
        company_id=company.pk,
        source="webinar",
        first_touch_campaign_id=campaign.pk,
        last_touch_campaign_id=campaign.pk,
        utm_source="newsletter",
        utm_medium="email",
        utm_campaign="spring-webinar",
        landing_page="https://example.com/webinars/spring",
    )
    services.record_event(
        lead=lead,
        type="page",
        name="Pricing",
        campaign=campaign,
        occurred_at=entered_at + dt.timedelta(days=1),
    )
    lifecycle.change_stage(
        lead=lead,
        to_stage=Stage.MQL,
        by=personas.marketer,
        reason="Scored 80",
        at=entered_at + dt.timedelta(days=2),
    )
    make_lead(owner=personas.other_rep, at=entered_at, first_name="Ben", last_name="Other")
    return lead


def test_a_rep_opens_their_lead_from_the_list_and_reads_its_history(
    page: Page, log_in: Callable[[str], None], anas_lead: Lead
) -> None:
    log_in("sales_rep")

    page.get_by_role("link", name="Leads", exact=True).click()
    expect(page.locator("#lead-table")).not_to_contain_text("Ben Other")
    page.get_by_role("link", name="Ana Lima").click()

    expect(page).to_have_url(re.compile(rf"/leads/{anas_lead.pk}/$"))
    expect(page.get_by_role("heading", name="Ana Lima")).to_be_visible()
    rows = page.locator("#stage-history tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("entered")
    expect(rows.nth(0)).to_contain_text("Lead")
    expect(rows.nth(1)).to_contain_text("MQL")
    expect(rows.nth(1)).to_contain_text("Marketer")
    expect(rows.nth(1)).to_contain_text("Scored 80")


def test_a_rep_moves_a_lead_and_sees_the_new_history_row(
    page: Page,
    log_in: Callable[[str], None],
    screenshot: Callable[[str], None],
    anas_lead: Lead,
) -> None:
    log_in("sales_rep")
    page.goto(f"/leads/{anas_lead.pk}/")

    page.get_by_label("Move to stage").select_option(label="SAL")
    page.get_by_placeholder("Why (optional)").fill("Called: budget approved")
    page.get_by_role("button", name="Move", exact=True).click()

    expect(page.locator(".message-success")).to_have_text("Moved to SAL.")
    expect(page.locator("#current-stage")).to_have_text("SAL")
    rows = page.locator("#stage-history tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(2)).to_contain_text("MQL")
    expect(rows.nth(2)).to_contain_text("SAL")
    expect(rows.nth(2)).to_contain_text("Sales Rep")
    expect(rows.nth(2)).to_contain_text("Called: budget approved")
    assert list(StageChange.objects.filter(lead=anas_lead).values_list("to_stage", flat=True)) == [
        Stage.LEAD,
        Stage.MQL,
        Stage.SAL,
    ]
    screenshot("lead-page")


def test_filtering_the_list_updates_the_table_and_the_address(
    page: Page,
    log_in: Callable[[str], None],
    screenshot: Callable[[str], None],
    anas_lead: Lead,
) -> None:
    log_in("marketer")
    page.goto("/leads/")
    rows = page.locator("#lead-table tbody tr")
    expect(rows).to_have_count(2)

    page.get_by_label("Search").fill("other")

    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Ben Other")
    expect(page).to_have_url(re.compile(r"/leads/\?search=other&"))

    page.get_by_label("Search").fill("")
    page.get_by_label("Stage").select_option(label="MQL")

    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Ana Lima")
    expect(page).to_have_url(re.compile(r"/leads/\?.*stage=mql"))
    screenshot("lead-list")
