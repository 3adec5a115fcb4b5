"""Tracking in a real browser: a write key sending from a web page, a form created by marketing
and filled in by a visitor, its copy-paste snippet working on another site."""

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tandem.core.testing import Personas
from tandem.leads.models import Consent, Event, Lead, Stage
from tandem.people.services import create_source
from tandem.tracking.form_services import MIN_FILL_SECONDS
from tandem.tracking.models import Form
from tandem.tracking.pipeline import process_pending

pytestmark = pytest.mark.browser

WORDING = "Yes, email me about the product."


def test_an_admin_creates_a_source_whose_key_sends_from_a_web_page_as_analytics_js_does(
    page: Page,
    log_in: Callable[[str], None],
    screenshot: Callable[[str], None],
    live_server: LiveServer,
    personas: Personas,
) -> None:
    log_in("admin")
    page.goto("/tracking/")
    page.get_by_label("New source").fill("Website")
    page.get_by_role("button", name="Create source").click()
    key = page.locator("#write-key").inner_text()
    screenshot("tracking-source-created")

    # analytics.js sends text/plain with the key in the body, so the browser needs no preflight.
    status = page.evaluate(
        """async ([url, key]) => {
            const body = JSON.stringify({writeKey: key, anonymousId: "visitor-1",
                                         event: "Viewed pricing"});
            const response = await fetch(url, {method: "POST", body,
                                               headers: {"Content-Type": "text/plain"}});
            return response.status;
        }""",
        [f"{live_server.url}/v1/t", key],
    )

    assert status == 200
    assert Event.objects.get().name == "Viewed pricing"


def _fill_in(page: Page) -> None:
    page.get_by_label("Email", exact=True).fill("ann.lee@example.com")
    page.get_by_label("First name", exact=True).fill("Ann")
    page.get_by_label(WORDING).check()
    # A person takes a few seconds; a submission faster than that is taken for a bot.
    time.sleep(MIN_FILL_SECONDS + 0.5)
    page.get_by_role("button", name="Send").click()


def test_a_marketer_creates_a_form_and_a_visitor_fills_it_in_on_its_hosted_page(
    page: Page,
    log_in: Callable[[str], None],
    screenshot: Callable[[str], None],
    personas: Personas,
) -> None:
    create_source(by=None, name="Website")
    log_in("marketer")
    page.goto("/tracking/forms/new")
    page.get_by_label("Name", exact=True).fill("Demo request")
    page.get_by_label("First name", exact=True).check()
    page.get_by_label("Consent wording").fill(WORDING)
    page.get_by_role("button", name="Create the form").click()
    expect(page.locator("#snippet")).to_contain_text("<form")
    screenshot("tracking-form-detail")

    page.goto(f"/f/{Form.objects.get().key}/?utm_source=linkedin&utm_campaign=spring")
    screenshot("tracking-form-page")
    _fill_in(page)
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    process_pending()
    lead = Lead.objects.get()
    assert (lead.email, lead.first_name, lead.stage) == (
        "ann.lee@example.com",
        "Ann",
        Stage.INQUIRY,
    )
    assert lead.utm_source == "linkedin"
    consent = Consent.objects.get()
    assert (consent.granted, consent.wording) == (True, WORDING)


def test_the_copy_paste_snippet_works_on_another_site(
    page: Page, log_in: Callable[[str], None], live_server: LiveServer, personas: Personas
) -> None:
    create_source(by=None, name="Website")
    log_in("marketer")
    page.goto("/tracking/forms/new")
    page.get_by_label("Name", exact=True).fill("Newsletter")
    page.get_by_label("First name", exact=True).check()
    page.get_by_label("Consent wording").fill(WORDING)
    page.get_by_role("button", name="Create the form").click()
    snippet = page.locator("#snippet").inner_text()

    # Another site, on an origin of its own, whose page holds the pasted snippet. (Both are
    # on this machine: a public origin may not call a loopback one in Chromium.)
    other_site = live_server.url.replace("localhost", "127.0.0.1")
    assert other_site != live_server.url
    landing = f"<!doctype html><html><body><h1>Our site</h1>{snippet}</body></html>"
    page.route(
        f"{other_site}/newsletter*",
        lambda route: route.fulfill(body=landing, content_type="text/html; charset=utf-8"),
    )
    page.goto(f"{other_site}/newsletter?utm_source=partner&utm_campaign=autumn")
    expect(page.locator("input[name=started]")).not_to_have_value("")
    _fill_in(page)
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()

    process_pending()
    lead = Lead.objects.get()
    assert (lead.email, lead.utm_source) == ("ann.lee@example.com", "partner")
    assert lead.landing_page.startswith(f"{other_site}/newsletter")
