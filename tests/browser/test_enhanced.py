"""With JavaScript, the search page updates in place: live results, facets, dates, pages, history.

"In place" is checked by a mark left on the document before acting (`mark_document`): a page
load would wipe it.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from testdata import THEME_COUNTS

from .browsing import (
    api,
    checkbox,
    facet_counts,
    hit_ids,
    hit_years,
    mark_document,
    query,
    same_document,
    wait_for_app,
)


def open_search(page: Page, base: str, path: str = "/search") -> None:
    page.goto(base + path)
    wait_for_app(page)
    mark_document(page)


def test_typing_updates_results_and_url_in_place(page: Page, server: str):
    open_search(page, server, "/search?q=solar")
    history_length = page.evaluate("history.length")
    page.locator("#q").click()
    page.keyboard.press("Control+A")
    page.locator("#q").press_sequentially("tricycle", delay=40)

    expect(page).to_have_url(re.compile(r"[?&]q=tricycle(&|$)"))
    expect(page.locator("#hits > li.hit")).to_have_count(1)
    assert hit_ids(page) == ["tricycle-delivery"]
    expect(page.locator("#summary")).to_contain_text("1 result for “tricycle”")
    expect(page.locator("#results-title")).to_contain_text("tricycle")
    expect(page).to_have_title(re.compile("tricycle"))
    expect(page.locator('link[rel=alternate][type="application/atom+xml"]')).to_have_attribute(
        "href", re.compile(r"/search\.atom\?q=tricycle")
    )
    assert same_document(page), "typing in the search box reloaded the page"
    # While typing the URL is replaced, not pushed: Back should not step through every letter.
    assert page.evaluate("history.length") == history_length


def test_ticking_two_themes_keeps_other_theme_counts(page: Page, server: str):
    open_search(page, server)
    assert facet_counts(page, "themes") == THEME_COUNTS
    checkbox(page, "theme", "energy").check()
    expect(page.locator("a.chip")).to_have_count(1)
    checkbox(page, "theme", "food").check()

    expect(page.locator("a.chip")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"theme=food"))
    assert sorted(query(page)["theme"]) == ["energy", "food"]
    expect(checkbox(page, "theme", "energy")).to_be_checked()
    expect(checkbox(page, "theme", "food")).to_be_checked()
    expect(page.locator("#summary")).to_contain_text("8 results")
    # Disjunctive facets: a theme's counts ignore the theme selection, other facets follow it.
    assert facet_counts(page, "themes") == THEME_COUNTS
    types = {"news": 3, "article": 2, "report": 1, "case study": 1, "interview": 1}
    assert facet_counts(page, "types") == types
    expect(page.locator("#announcer")).to_contain_text("8 results")
    assert same_document(page)


def test_chip_removes_its_filter_in_place(page: Page, server: str):
    open_search(page, server, "/search?theme=energy&type=news")
    page.locator("a.chip", has_text="Type: news").click()

    expect(page.locator("a.chip")).to_have_count(1)
    expect(page).not_to_have_url(re.compile(r"type="))
    assert query(page) == {"theme": ["energy"]}
    expect(checkbox(page, "type", "news")).not_to_be_checked()
    expect(page.locator("#summary")).to_contain_text("4 results")
    assert same_document(page)


def test_clicking_a_bar_filters_to_its_year(page: Page, server: str):
    open_search(page, server, "/search?q=co-op")
    page.locator('a.bar[data-year="2021"]').click()

    expect(page).to_have_url(re.compile(r"from=2021"))
    assert query(page) == {"q": ["co-op"], "from": ["2021"], "to": ["2021"]}
    expect(page.locator('a.bar[data-year="2021"]')).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator("#summary")).to_contain_text("2 results")
    assert hit_years(page) == ["2021", "2021"]
    assert same_document(page)


def bar_centre(page: Page, year: int) -> tuple[float, float]:
    box = page.locator(f'a.bar[data-year="{year}"]').bounding_box()
    assert box, f"no bar for {year}"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_dragging_across_bars_filters_to_the_range(page: Page, server: str):
    open_search(page, server, "/search?q=co-op")
    page.mouse.move(*bar_centre(page, 2019))
    page.mouse.down()
    page.mouse.move(*bar_centre(page, 2020), steps=4)
    page.mouse.move(*bar_centre(page, 2021), steps=4)
    dragged = page.locator("a.bar.dragging").evaluate_all("bars => bars.map(b => b.dataset.year)")
    page.mouse.up()

    assert dragged == ["2019", "2020", "2021"]
    expect(page).to_have_url(re.compile(r"from=2019"))
    assert query(page) == {"q": ["co-op"], "from": ["2019"], "to": ["2021"]}
    total = api(server, "/api/v1/search?q=co-op&from=2019&to=2021")["total"]
    expect(page.locator("#summary")).to_contain_text(f"{total} results")
    years = hit_years(page)
    assert len(years) == total and set(years) <= {"2019", "2020", "2021"}, years
    assert same_document(page)


def test_date_inputs_apply_in_place(page: Page, server: str):
    open_search(page, server, "/search?q=co-op")
    page.locator("#from").fill("2016")
    page.locator("#to").fill("2019")
    page.locator("#histogram .daterange button").click()

    expect(page).to_have_url(re.compile(r"to=2019"))
    assert query(page)["from"] == ["2016"] and query(page)["to"] == ["2019"]
    total = api(server, "/api/v1/search?q=co-op&from=2016&to=2019")["total"]
    expect(page.locator("#summary")).to_contain_text(f"{total} results")
    years = hit_years(page)
    assert len(years) == total and all("2016" <= year <= "2019" for year in years), years
    assert same_document(page)


def test_bad_date_shows_the_api_message(page: Page, server: str, browser_errors: list[str]):
    open_search(page, server, "/search?q=co-op")
    page.locator("#from").fill("someday")
    page.locator("#histogram .daterange button").click()

    expect(page.locator("#summary")).to_contain_text("someday")
    assert same_document(page)
    # The browser logs the API's 400 answer as a console error: expected here, and only that.
    assert browser_errors and all("400" in error for error in browser_errors), browser_errors
    browser_errors.clear()


def test_pager_then_back_button(page: Page, server: str):
    open_search(page, server)
    first = hit_ids(page)
    page.locator("nav.pager a[rel=next]").click()

    expect(page).to_have_url(server + "/search?page=2")
    expect(page.locator("#hits > li.hit")).to_have_count(8)
    assert not set(hit_ids(page)) & set(first)
    expect(page.locator("#results-title")).to_be_focused()
    expect(page.locator('nav.pager a[aria-current="page"]')).to_have_text("Page 2")

    page.go_back()
    expect(page).to_have_url(server + "/search")
    expect(page.locator("#hits > li.hit")).to_have_count(10)
    assert hit_ids(page) == first
    assert same_document(page), "Back reloaded the page instead of re-rendering it"


def test_open_entry_then_related_entry(page: Page, server: str):
    open_search(page, server, "/search?q=nurses")
    link = page.locator("#hits > li.hit h2 a").first
    title, href = link.inner_text(), link.get_attribute("href")
    link.click()

    expect(page).to_have_url(server + href)
    expect(page.locator("h1")).to_have_text(title)
    related = page.locator("section.related a").first
    title, href = related.inner_text(), related.get_attribute("href")
    related.click()
    expect(page).to_have_url(server + href)
    expect(page.locator("h1")).to_have_text(title)


#: The notices' structure: element, classes, link and text of every node, spaces collapsed.
NOTICES_SHAPE = """root => root ? [...root.querySelectorAll("*")].map(n => [n.tagName, n.className,
  n.getAttribute("href"), n.textContent.replace(/\\s+/g, " ").trim()]) : null"""


def server_notices(page: Page, path: str) -> list | None:
    """#notices as the server renders `path`, read from the page's HTML in this browser."""
    return page.evaluate(
        f"""async path => {{ const html = await (await fetch(path)).text();
            const doc = new DOMParser().parseFromString(html, "text/html");
            return ({NOTICES_SHAPE})(doc.getElementById("notices")); }}""",
        path,
    )


def test_notices_follow_the_typed_query_in_place(page: Page, server: str):
    open_search(page, server, "/search?q=tricycle")
    expect(page.locator("#notices")).to_have_count(0)
    for text, notices in [
        ("gobernance", ["Including results for governance", "Filter by theme: Governance (7)"]),
        ("turbine bakery", ["No entry has all of turbine, bakery; showing entries with turbine."]),
        ("cooperative qqqzz", ["No entry has qqqzz; showing entries with any of your other words."]),
    ]:
        page.locator("#q").fill(text)
        expect(page).to_have_url(re.compile(r"[?&]q=" + re.escape(text.replace(" ", "+")) + "(&|$)"))
        expect(page.locator("#notices p")).to_have_text(notices)
        # The very markup the server renders for this search.
        shown = page.evaluate(NOTICES_SHAPE, page.locator("#notices").element_handle())
        assert shown == server_notices(page, f"/search?q={text.replace(' ', '+')}")
        expect(page.locator("#announcer")).to_contain_text(notices[0])
    page.locator("#q").fill("tricycle")
    expect(page.locator("#hits > li.hit")).to_have_count(1)
    expect(page.locator("#notices")).to_have_count(0)
    expect(page.locator("#announcer")).to_have_text("1 result")
    assert same_document(page)


def test_the_theme_a_query_names_filters_in_place(page: Page, server: str):
    open_search(page, server, "/search?q=board")
    expect(page.locator("#notices p")).to_have_text(["Filter by theme: Governance (7)"])
    page.locator("#notices a.theme-filter").click()

    expect(page).to_have_url(re.compile(r"\?q=board&theme=governance$"))
    expect(page.locator("a.chip")).to_have_text(re.compile("Theme: Governance"))
    expect(page.locator("#summary")).to_contain_text("7 results")
    expect(page.locator("#notices")).to_have_count(0)
    expect(checkbox(page, "theme", "governance")).to_be_checked()
    assert same_document(page)
