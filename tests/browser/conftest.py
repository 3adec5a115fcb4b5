"""Playwright fixtures: the system's Chromium, headless, against pytest-django's live server.

No browser is downloaded: set TANDEM_CHROMIUM, or install Debian's `chromium` package.
"""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tandem.core.testing import PASSWORD

# Playwright's sync API runs an event loop in the test thread; Django refuses database access
# from such a thread unless told the access is deliberate.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_MISSING = (
    "Chromium not found: install Debian's chromium or set TANDEM_CHROMIUM; browser tests skipped"
)
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    # Tests serve "another website" from this machine too; Chromium would otherwise refuse its
    # calls to Tandem on loopback, which a real website on the internet never meets.
    "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests",
]
TIMEOUT_MS = 10_000


def chromium_path() -> str | None:
    """TANDEM_CHROMIUM when it is set (and then only it), else Debian's chromium."""
    configured = os.environ.get("TANDEM_CHROMIUM")
    candidates = [configured] if configured else ["/usr/bin/chromium", shutil.which("chromium")]
    return next((path for path in candidates if path and Path(path).is_file()), None)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(CHROMIUM_MISSING)
        pytest.skip(CHROMIUM_MISSING)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def log_in(page: Page) -> Callable[[str], None]:
    """`log_in("sales_rep")`: sign in through the login form, as a person would."""

    def sign_in(username: str) -> None:
        page.goto("/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(".user-role")).to_be_visible()

    return sign_in


@pytest.fixture
def screenshot(page: Page) -> Callable[[str], None]:
    """Save a full-page screenshot to $TANDEM_SCREENSHOT_DIR when it is set, for a person to look
    at; without it, nothing is written."""

    def take(name: str) -> None:
        directory = os.environ.get("TANDEM_SCREENSHOT_DIR")
        if directory:
            Path(directory).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(directory) / f"{name}.png"), full_page=True)

    return take
