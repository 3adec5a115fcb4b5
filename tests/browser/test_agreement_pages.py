import json
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from tandem.core.testing import Personas, make_lead
from tandem.leads import services
from tandem.leads.models import Lead, Stage

pytestmark = pytest.mark.browser


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()


def test_marketing_and_sales_sign_an_agreement_that_makes_a_lead_an_mql(
    page: Page,
    log_in: Callable[[str], None],
    screenshot: Callable[[str], None],
    personas: Personas,
) -> None:
    company = services.create_company(by=None, name="Acme", segment="Enterprise")
    lead = make_lead(email="vp@acme.example", job_title="VP Sales", company_id=company.pk)

    # The marketing lead drafts the first version, lowers the MQL bar to grade A alone, and
    # proposes it.
    log_in("marketing_lead")
    page.goto("/agreement/")
    page.get_by_label("New draft").fill("First agreement")
    page.get_by_role("button", name="Start a draft").click()
    terms = json.loads(page.get_by_label("Terms").input_value())
    terms["mql"] = {"any_of": [{"grades": ["A"], "min_score": 0}]}
    page.get_by_label("Terms").fill(json.dumps(terms))
    page.get_by_role("button", name="Save draft").click()
    page.get_by_role("button", name="Propose for signature").click()
    page.get_by_role("button", name="Sign version 1").click()
    expect(page.locator("#version-status")).to_have_text("Proposed")
    expect(page.locator("#still-needed")).to_have_text("Sales manager")
    expect(page.locator("#what-if-result table").first).to_be_visible()
    screenshot("agreement-proposed")
    _log_out(page)

    # The sales manager reads it and signs: it comes into force and the lead is rescored.
    log_in("manager")
    page.goto("/agreement/v/1/")
    page.get_by_role("button", name="Sign version 1").click()
    expect(page.locator("#version-status")).to_have_text("Active")
    expect(page.locator("#activation-summary")).to_be_visible()
    assert Lead.objects.get(pk=lead.pk).stage == Stage.MQL

    page.goto(f"/leads/{lead.pk}/")
    expect(page.locator("#mql-verdict")).to_contain_text("Meets the MQL rule of v1")
    expect(page.locator("#fit-explanation")).to_contain_text("Decision maker")
    screenshot("lead-score")
