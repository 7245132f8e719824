"""Screenshots of the main pages in artifacts/screenshots/, for people to look at in review.

Each shot is taken once the page shows what it is meant to show, so a broken page fails here
instead of leaving a misleading picture.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .browsing import DESKTOP, PHONE, screenshot, wait_for_app

#: name -> (path, what must be visible before the shot)
SHOTS = {
    "home": ("/", "#home-title"),
    "search": ("/search?q=co-op", "#hits > li.hit"),
    "search-two-filters": ("/search?q=co-op&theme=energy&theme=food", "a.chip >> nth=1"),
    "zero-results": ("/search?q=bakery&theme=energy", "#noresults ul.relax"),
    "notice-typo-theme": ("/search?q=gobernance", "#notices a.theme-filter"),
    "notice-prefix": ("/search?q=mondr", "#notices p.approximate"),
    "notice-relaxed": ("/search?q=turbine+bakery", "#notices p.relaxed"),
    "notice-relaxed-any": ("/search?q=cooperative+qqqzz", "#notices p.relaxed"),
    "notice-theme": ("/search?q=board", "#notices a.theme-filter"),
    "entry": ("/entries/nurses-home-care-coop", "section.related"),
}


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280x900", "360x800"])
def test_screenshots_with_js(page: Page, server: str, size: dict[str, int]):
    page.set_viewport_size(size)
    suffix = f"js-{size['width']}x{size['height']}"
    for name, (path, shown) in SHOTS.items():
        page.goto(server + path)
        wait_for_app(page)
        expect(page.locator(shown).first).to_be_visible()
        screenshot(page, f"{name}-{suffix}")

    page.goto(server + "/")
    wait_for_app(page)
    page.locator("#q").focus()
    page.keyboard.type("nur", delay=40)
    expect(page.locator("#q-options [role=option]").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#q-options [aria-selected=true]")).to_have_count(1)
    screenshot(page, f"autocomplete-open-{suffix}")


def test_screenshot_without_js(nojs_page: Page, server: str):
    nojs_page.goto(server + "/search?q=co-op&theme=energy")
    expect(nojs_page.locator("#filters p.apply button")).to_be_visible()
    screenshot(nojs_page, f"search-nojs-{DESKTOP['width']}x{DESKTOP['height']}")
