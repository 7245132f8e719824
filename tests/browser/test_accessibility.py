"""Accessibility: axe-core audits, a 360 px wide screen, visible focus and the skip link.

Each check runs with JavaScript on and off. axe cannot run in a page with JavaScript off, so
the no-JS audits use `scriptless_page`: the site's app.js withheld, the rest unchanged.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .browsing import PHONE, check_axe, wait_for_app

PAGES = {
    "home": "/",
    "search": "/search?q=co-op",
    "zero-results": "/search?q=bakery&theme=energy",
    "notices": "/search?q=gobernance",
    "notices-relaxed": "/search?q=turbine+bakery",
    "entry": "/entries/nurses-home-care-coop",
}
#: An element that shows the page is the one meant (not an error page).
LANDMARK = {
    "home": "#home-title",
    "search": "#hits",
    "zero-results": "#noresults",
    "notices": "#notices a.theme-filter",
    "notices-relaxed": "#notices p.relaxed",
    "entry": "article.entry h1",
}
JS = pytest.mark.parametrize("tab", ["page", "nojs_page"], ids=["js", "nojs"])


def open_page(page: Page, base: str, name: str) -> None:
    page.goto(base + PAGES[name])
    expect(page.locator(LANDMARK[name])).to_be_visible()


@pytest.mark.parametrize("name", PAGES)
def test_axe_with_js(page: Page, server: str, name: str):
    open_page(page, server, name)
    wait_for_app(page)
    check_axe(page)


@pytest.mark.parametrize("name", PAGES)
def test_axe_without_js(scriptless_page: Page, server: str, name: str):
    page = scriptless_page
    open_page(page, server, name)
    assert page.locator("html").get_attribute("class") in (None, "")
    check_axe(page)


def test_axe_with_autocomplete_open(page: Page, server: str):
    page.goto(server + "/search?q=co-op")
    wait_for_app(page)
    page.locator("#q").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("nur", delay=40)
    expect(page.locator("#q-options [role=option]").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(page.locator("#q-options [aria-selected=true]")).to_have_count(1)
    check_axe(page)


def in_view_horizontally(page: Page, selector: str) -> None:
    target = page.locator(selector).first
    target.scroll_into_view_if_needed()
    expect(target).to_be_visible()
    box = target.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (selector, box)


@JS
@pytest.mark.parametrize("name", PAGES)
def test_no_horizontal_scroll_at_360px(request: pytest.FixtureRequest, server: str, tab: str, name: str):
    page: Page = request.getfixturevalue(tab)
    page.set_viewport_size(PHONE)
    open_page(page, server, name)

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} is {width}px wide at {PHONE['width']}px"
    in_view_horizontally(page, "#q")


@JS
def test_search_box_results_and_filters_reachable_at_360px(
    request: pytest.FixtureRequest, server: str, tab: str
):
    page: Page = request.getfixturevalue(tab)
    page.set_viewport_size(PHONE)
    open_page(page, server, "search")
    in_view_horizontally(page, "#q")
    in_view_horizontally(page, "#hits > li.hit h2 a")

    page.locator("p.to-filters a").click()
    expect(page.locator("#filters-title")).to_be_in_viewport()
    in_view_horizontally(page, "#facets input[type=checkbox]")


@JS
def test_first_result_link_has_a_visible_focus_outline(request: pytest.FixtureRequest, server: str, tab: str):
    page: Page = request.getfixturevalue(tab)
    open_page(page, server, "search")
    first_link = page.locator("#hits > li.hit h2 a").first
    for _ in range(60):
        page.keyboard.press("Tab")
        if first_link.evaluate("a => a === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached the first result link")

    outline = first_link.evaluate("a => [getComputedStyle(a).outlineStyle, getComputedStyle(a).outlineWidth]")
    assert outline[0] != "none" and outline[1] != "0px", f"focused link outline: {outline}"


@JS
def test_skip_link_moves_focus_to_main(request: pytest.FixtureRequest, server: str, tab: str):
    page: Page = request.getfixturevalue(tab)
    open_page(page, server, "search")
    page.keyboard.press("Tab")

    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
