"""Browser fixtures: one Chromium per session, and fresh pages that fail the test on browser errors.

The end-to-end tests drive Debian's Chromium (/usr/bin/chromium) with Playwright against the
real server of tests/conftest.py (`server`), and audit pages with axe-core from
tests/browser/node_modules. Both come from `make browser-deps`; when one is missing the
tests fail and say so, they never skip.

Every page fixture records console errors, uncaught page errors and Content-Security-Policy
violations, and the test fails at teardown if there were any. A test that provokes errors
on purpose asks for `browser_errors`, checks what it expected and removes it from the list.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect, sync_playwright

from .browsing import CHROMIUM, DESKTOP, SCRIPTLESS, axe_source, missing

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Milliseconds an action or an `expect` waits; live results arrive well within it.
TIMEOUT_MS = 5000

# A CSP violation also shows as a console error; this event adds the directive and the source.
_REPORT_CSP = """
document.addEventListener("securitypolicyviolation", (e) => window.__coopsearchCsp(
  `${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, shared by every browser test of the session."""
    if not CHROMIUM.exists():
        missing(f"Chromium ({CHROMIUM})")
    axe_source()  # fail at once, not in the middle of the suite, when axe-core is missing
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_errors() -> list[str]:
    """Everything that went wrong in this test's pages, in order."""
    return []


def _console_error(message: ConsoleMessage) -> str | None:
    if message.type != "error":
        return None
    url = message.location.get("url", "")
    return f"console error: {message.text} ({url})"


def _watch(context: BrowserContext, page: Page, errors: list[str], javascript: bool) -> None:
    def on_console(message: ConsoleMessage) -> None:
        if (text := _console_error(message)) is not None:
            errors.append(text)

    def on_csp_violation(_source: object, text: str) -> None:
        errors.append(f"CSP violation: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    if javascript:
        context.expose_binding("__coopsearchCsp", on_csp_violation)
        context.add_init_script(_REPORT_CSP)


@contextmanager
def _open_page(
    browser: Browser, errors: list[str], *, javascript: bool = True, withhold_app_js: bool = False
) -> Iterator[Page]:
    context = browser.new_context(java_script_enabled=javascript, viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    if withhold_app_js:
        context.route(
            lambda url: urlsplit(url).path == "/static/app.js",
            lambda route: route.fulfill(status=200, content_type="text/javascript", body="// withheld\n"),
        )
    page = context.new_page()
    if not javascript:
        SCRIPTLESS.add(page)
    _watch(context, page, errors, javascript)
    try:
        yield page
    finally:
        context.close()
    if errors:
        pytest.fail("the browser reported errors:\n" + "\n".join(errors), pytrace=False)


@pytest.fixture
def page(browser: Browser, browser_errors: list[str]) -> Iterator[Page]:
    """A fresh tab (its own context) with JavaScript on, 1280x900."""
    with _open_page(browser, browser_errors) as page:
        yield page


@pytest.fixture
def nojs_page(browser: Browser, browser_errors: list[str]) -> Iterator[Page]:
    """A fresh tab with JavaScript off: what a visitor without JavaScript gets."""
    with _open_page(browser, browser_errors, javascript=False) as page:
        yield page


@pytest.fixture
def scriptless_page(browser: Browser, browser_errors: list[str]) -> Iterator[Page]:
    """JavaScript on, but the site's app.js answered with an empty script.

    The DOM and styles are the ones a visitor without JavaScript gets, and axe, which needs
    JavaScript timers, can still audit them.
    """
    with _open_page(browser, browser_errors, withhold_app_js=True) as page:
        yield page


@pytest.fixture
def other_page(browser: Browser, browser_errors: list[str]) -> Iterator[Page]:
    """A second fresh tab in a context of its own: another person, sharing no cookies with `page`."""
    with _open_page(browser, browser_errors) as page:
        yield page
