"""A rep's day in a real browser: the queue, a card with its campaign brief, one lead accepted and
another rejected with a reason; then the campaign's marketer reads that rejection on the
campaign page."""

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tandem.campaigns.models import Campaign
from tandem.core.testing import Personas, activate_starter_agreement, make_lead
from tandem.handoff.models import RoutingRule
from tandem.leads.models import Stage

pytestmark = pytest.mark.browser


@pytest.fixture
def handed_over(personas: Personas) -> None:
    """Two MQLs routed to the sales rep, both brought by the marketer's webinar campaign."""
    activate_starter_agreement(personas)
    RoutingRule.objects.create(name="Everything to the rep", position=1, rep=personas.sales_rep)
    campaign = Campaign.objects.create(
        name="Spring webinar",
        utm_key="spring-webinar",
        channel="webinar",
        owner=personas.marketer,
        product="Tandem Cloud",
        message="Sales and marketing on one funnel.",
        hook="Stop arguing about lead quality",
        offer="A free funnel audit",
        audience="Heads of sales at software firms",
    )
    make_lead(
        stage=Stage.MQL,
        first_name="Ana",
        last_name="Lima",
        email="ana@acme.example",
        first_touch_campaign_id=campaign.pk,
        last_touch_campaign_id=campaign.pk,
    )
    make_lead(
        stage=Stage.MQL,
        first_name="Ben",
        last_name="Okafor",
        email="ben@small.example",
        last_touch_campaign_id=campaign.pk,
    )


@pytest.mark.usefixtures("handed_over")
def test_a_reps_day_and_the_rejection_reaching_the_campaigns_marketer(
    page: Page, log_in: Callable[[str], None], screenshot: Callable[[str], None]
) -> None:
    log_in("sales_rep")

    page.get_by_role("link", name="Queue", exact=True).click()
    queue = page.locator("#queue")
    expect(queue).to_contain_text("Ana Lima")
    expect(queue).to_contain_text("Ben Okafor")
    screenshot("rep-queue")

    page.get_by_role("link", name="Ana Lima").click()
    briefs = page.locator("#campaign-briefs")
    expect(briefs).to_contain_text("Spring webinar")
    expect(briefs).to_contain_text("Stop arguing about lead quality")
    expect(briefs).to_contain_text("A free funnel audit")
    screenshot("lead-card")
    page.get_by_role("button", name="Accept").click()
    expect(page.locator(".message-success")).to_contain_text("is yours to work")
    expect(page.locator("#current-stage")).to_have_text("SAL")

    page.get_by_role("link", name="Queue", exact=True).click()
    page.get_by_role("link", name="Ben Okafor").click()
    page.get_by_label("Reason").select_option("too-small")
    page.get_by_label("Note for marketing").fill("Two people; far too small for us.")
    page.get_by_role("button", name="Reject").click()
    expect(page.locator(".message-success")).to_contain_text("Rejected")
    expect(page.locator("#current-stage")).to_have_text("Disqualified")

    page.get_by_role("button", name="Log out").click()
    log_in("marketer")
    expect(page.locator(".unread-count")).to_be_visible()
    page.get_by_role("link", name="Campaigns", exact=True).click()
    page.get_by_role("link", name="Spring webinar").click()
    rejections = page.locator("#rejections")
    expect(rejections).to_contain_text("Ben Okafor")
    expect(rejections).to_contain_text("Company too small for the product")
    expect(rejections).to_contain_text("Two people; far too small for us.")
    screenshot("campaign-rejections")
