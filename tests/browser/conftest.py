"""Browser tests: Playwright driving Debian's Chromium against a live server.

Chromium comes from the system (`apt-get install chromium`), never downloaded by
Playwright. Where it is missing the tests skip loudly; in CI (`CRM_REQUIRE_BROWSER=1`)
that is a failure instead.
"""

from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; Django's guard against
# database access from async code would refuse the test's own queries.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "Correct-Horse-42"


def chromium_path() -> str | None:
    explicit = os.environ.get("CRM_CHROMIUM")
    if explicit:
        return explicit if os.path.exists(explicit) else None
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.path.exists(candidate):
            return candidate
    return shutil.which("chromium")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        message = (
            "Chromium is not installed (apt-get install chromium): browser tests "
            "cannot run"
        )
        if os.environ.get("CRM_REQUIRE_BROWSER"):
            pytest.fail(message, pytrace=False)
        pytest.skip("!!! " + message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=path, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(browser, live_server, request):
    context = browser.new_context(
        locale="en-US",
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        # What the browser showed when the test failed, for the CI log reader.
        from pathlib import Path

        folder = Path("test-results")
        folder.mkdir(exist_ok=True)
        tab.screenshot(path=str(folder / f"{request.node.name}.png"), full_page=True)
        print(f"screenshot: {folder / request.node.name}.png at {tab.url}")  # noqa: T201
    context.close()


@pytest.fixture
def sign_in(page):
    """Sign a user in through the sign-in form."""

    def do(user, password=PASSWORD):
        page.goto("/accounts/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        return page

    return do


@pytest.fixture
def sales_reference_data(transactional_db):
    """The pipeline, stages and reasons of the sales data migration: a live server's
    database is emptied between tests, so they are put back for each."""
    import importlib

    from django.apps import apps

    importlib.import_module("crm.sales.migrations.0002_defaults").create(apps, None)


@pytest.fixture
def drag(page):
    """Drag an element onto another as a person does: press, move in small steps,
    release (SortableJS listens to these mouse events)."""

    def do(source: str, target: str) -> None:
        # Wide enough that every column of a pipeline is on the screen.
        page.set_viewport_size({"width": 2200, "height": 900})
        page.locator(source).scroll_into_view_if_needed()
        box = page.locator(source).bounding_box()
        goal = page.locator(target).bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 10)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 + 10, box["y"] + 20, steps=5)
        page.mouse.move(goal["x"] + goal["width"] / 2, goal["y"] + 30, steps=20)
        page.mouse.up()

    return do
