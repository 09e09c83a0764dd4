"""Fixtures for the browser journeys: Debian's Chromium driven by Playwright against Django's live server.

The journeys run in a real browser with a phone-sized viewport and a Japanese locale.  They
never download a browser: Chromium must be installed from Debian (``apt-get install chromium``),
and a missing binary fails the run instead of skipping it, so CI cannot pass by accident.
"""

import os

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told it is safe (it is: the loop never runs our code).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE_VIEWPORT = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e carries the ``e2e`` marker (``-m "not e2e"`` skips the browser)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser(django_db_setup):
    if not CHROMIUM.exists():
        pytest.fail(
            f"Browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium). "
            "Do not run `playwright install`: the tests only use the system browser.",
            pytrace=False,
        )
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # While Playwright's sync API is running, the test code runs in another contextvars
    # context (Playwright's greenlet), so Django's `connections` hands out fresh connection
    # objects there.  Those lack the snapshot of the migrated database that serialized
    # rollback restores before each test (see `demo`), so carry it over.  Depending on
    # django_db_setup makes sure the snapshot exists before Playwright starts.
    snapshots = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with sync_playwright() as playwright:
        for alias, snapshot in snapshots.items():
            connections[alias]._test_serialized_contents = snapshot
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def phone_context(browser):
    """A browser context like a phone in Japan: phone viewport, touch, Japanese locale."""
    context = browser.new_context(
        viewport=PHONE_VIEWPORT,
        locale="ja-JP",
        timezone_id="Asia/Tokyo",
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def page(browser):
    """A fresh browser context per test: phone viewport, Japanese browser, no shared cookies."""
    context = phone_context(browser)
    yield context.new_page()
    context.close()


@pytest.fixture
def demo(live_server, django_db_serialized_rollback):
    """The demo site (pages in Japanese and English, organisations, accounts) behind the live server.

    The live server makes the test transactional, and a transactional test empties every table
    afterwards, including the rows migrations load (Wagtail's root page, locales, taxonomies).
    Serialized rollback puts those rows back before each test, so the demo loader finds them.
    """
    from cms.demo import load_demo_content

    return load_demo_content()


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def axe():
    """``axe(page)`` fails the test on any serious or critical axe-core violation of the page."""
    from tests.e2e.a11y import check_accessibility

    return check_accessibility


@pytest.fixture
def new_page(browser):
    """``new_page()`` opens a page in a browser context of its own (its own cookies, so its own
    signed-in person), set up like the ``page`` fixture's; all are closed after the test."""
    contexts = []

    def open_page():
        context = phone_context(browser)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _public_pages_kept(settings):
    """The site keeps public pages for anonymous visitors (lms.pagecache); the journeys run
    with it on, as the live server commits every change the way the site does."""
    settings.PUBLIC_PAGE_CACHE_SECONDS = 120
