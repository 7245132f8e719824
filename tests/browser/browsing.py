"""Helpers for the browser tests: axe audits, screenshots, reading result pages, a second server.

The fixtures are in tests/browser/conftest.py; tests import these functions directly. The
second server reuses the helpers of the `server` fixture in tests/conftest.py.
"""

from __future__ import annotations

import functools
import json
import re
import urllib.request
import weakref
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect
from testdata import ROOT

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 800}

#: Pages whose context runs no JavaScript: axe cannot run there (its timers never fire).
SCRIPTLESS: weakref.WeakSet[Page] = weakref.WeakSet()


def missing(what: str) -> None:
    pytest.fail(f"{what} is missing: run `make browser-deps` (the browser tests need it)", pytrace=False)


@functools.cache
def axe_source() -> str:
    if not AXE.exists():
        missing(f"axe-core ({AXE.relative_to(ROOT)})")
    return AXE.read_text(encoding="utf-8")


def _format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe found {len(violations)} kind(s) of violation on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        lines.extend(f"    at {target}" for target in v["targets"])
    return "\n".join(lines)


def check_axe(page: Page) -> None:
    """Fail unless axe-core finds no WCAG 2.1 A/AA or best-practice violation on the page."""
    assert page not in SCRIPTLESS, "axe needs JavaScript: audit the no-JS page with `scriptless_page`"
    # add_script_tag inserts an inline <script>, which the page's CSP (script-src 'self')
    # refuses; evaluate runs through the DevTools protocol, outside the CSP.
    if page.evaluate("typeof window.axe") == "undefined":
        page.evaluate(axe_source())
    violations = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}}).then(r =>
             r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                     targets: v.nodes.map(n => n.target.join(" "))})))""",
        AXE_TAGS,
    )
    assert not violations, _format_violations(page.url, violations)


def screenshot(page: Page, name: str) -> Path:
    """The whole page as artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def api(base: str, path: str) -> dict:
    """The JSON the server answers to GET `path` (what the page should show)."""
    with urllib.request.urlopen(base + path, timeout=10) as response:
        return json.load(response)


# Reading pages -------------------------------------------------------------------------


def query(page: Page) -> dict[str, list[str]]:
    """The page URL's query string as {name: [values]}, blank values left out."""
    return parse_qs(urlsplit(page.url).query)


def hit_ids(page: Page) -> list[str]:
    """The entry ids of the result list, in order."""
    hrefs = page.locator("#hits > li.hit h2 a").evaluate_all("links => links.map(a => a.pathname)")
    return [href.removeprefix("/entries/") for href in hrefs]


def hit_years(page: Page) -> list[str]:
    """The year of every hit (from its <time datetime>), or "" for an undated one."""
    dates = page.locator("#hits > li.hit .meta time").evaluate_all(
        "times => times.map(t => t.getAttribute('datetime') || '')"
    )
    return [d[:4] for d in dates]


def checkbox(page: Page, param: str, value: str) -> Locator:
    """The filters panel's checkbox for one value (the header form has hidden twins)."""
    return page.locator(f'#facets input[type=checkbox][name="{param}"][value="{value}"]')


def facet_counts(page: Page, facet: str) -> dict[str, int]:
    """One facet of the filters panel as {value: count}."""
    return page.locator(f'fieldset.facet[data-facet="{facet}"] li').evaluate_all(
        """items => Object.fromEntries(items.map(li =>
             [li.querySelector("input").value, Number(li.querySelector(".count").textContent)]))"""
    )


def wait_for_app(page: Page) -> None:
    """Wait until app.js has run: it marks <html> with the class "js"."""
    expect(page.locator("html")).to_have_class(re.compile(r"(^|\s)js(\s|$)"))


def mark_document(page: Page) -> None:
    """Leave a mark on the current document; `same_document` tells whether a page load wiped it."""
    page.evaluate("window.__sameDocument = true")


def same_document(page: Page) -> bool:
    return page.evaluate("window.__sameDocument === true")


# A second server -----------------------------------------------------------------------
