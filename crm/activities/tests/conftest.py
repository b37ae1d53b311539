# The browser fixtures (Chromium via Playwright, a signed-in page) for test_browser.py.
from tests.browser.conftest import browser, page, sign_in  # noqa: F401
