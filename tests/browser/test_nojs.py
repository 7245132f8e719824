"""Without JavaScript every search feature works through links and GET forms."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .browsing import api, checkbox, facet_counts, hit_ids, hit_years, query


def test_search_form_leads_to_results(nojs_page: Page, server: str):
    page = nojs_page
    page.goto(server + "/")
    page.locator("#q").fill("co-op")
    page.locator("#searchform button[type=submit]").click()

    expect(page).to_have_url(server + "/search?q=co-op")
    expected = api(server, "/api/v1/search?q=co-op")
    expect(page.locator("#summary")).to_contain_text(f"{expected['total']} results for “co-op”")
    assert hit_ids(page) == [hit["id"] for hit in expected["hits"]]
    assert page.locator("html").get_attribute("class") in (None, "")
    expect(page.locator("#filters p.apply button")).to_be_visible()


def test_two_checkboxes_apply_then_remove_one_chip(nojs_page: Page, server: str):
    page = nojs_page
    page.goto(server + "/search?q=co-op")
    themes_before = facet_counts(page, "themes")
    checkbox(page, "theme", "energy").check()
    checkbox(page, "theme", "food").check()
    page.get_by_role("button", name="Apply filters").click()

    expect(page.locator("a.chip")).to_have_count(2)
    assert query(page) == {"q": ["co-op"], "theme": ["energy", "food"]}
    expect(checkbox(page, "theme", "energy")).to_be_checked()
    expect(checkbox(page, "theme", "food")).to_be_checked()
    # Themes are combined with OR, so ticking themes does not shrink the other theme counts.
    assert facet_counts(page, "themes") == themes_before
    total = api(server, "/api/v1/search?q=co-op&theme=energy&theme=food")["total"]
    expect(page.locator("#summary")).to_contain_text(f"{total} results")

    page.locator("a.chip", has_text="Theme: Energy").click()
    expect(page.locator("a.chip")).to_have_count(1)
    assert query(page) == {"q": ["co-op"], "theme": ["food"]}
    expect(checkbox(page, "theme", "energy")).not_to_be_checked()
    expect(checkbox(page, "theme", "food")).to_be_checked()


def test_histogram_bar_link_and_date_inputs(nojs_page: Page, server: str):
    page = nojs_page
    page.goto(server + "/search?q=co-op")
    page.locator('a.bar[data-year="2021"]').click()

    expect(page).to_have_url(re.compile(r"from=2021"))
    assert query(page) == {"q": ["co-op"], "from": ["2021"], "to": ["2021"]}
    expect(page.locator('a.bar[data-year="2021"]')).to_have_class(re.compile(r"\bselected\b"))
    years = hit_years(page)
    assert years and set(years) == {"2021"}

    page.locator("#from").fill("2016")
    page.locator("#to").fill("2019")
    page.locator("#histogram .daterange button").click()
    expect(page).to_have_url(re.compile(r"from=2016"))
    assert query(page)["from"] == ["2016"] and query(page)["to"] == ["2019"]
    years = hit_years(page)
    assert years and all("2016" <= year <= "2019" for year in years), years


def test_pager_links(nojs_page: Page, server: str):
    page = nojs_page
    page.goto(server + "/search")
    first = hit_ids(page)
    assert len(first) == 10
    page.locator("nav.pager a[rel=next]").click()

    expect(page).to_have_url(server + "/search?page=2")
    second = hit_ids(page)
    assert second and not set(second) & set(first)
    expect(page.locator('nav.pager a[aria-current="page"]')).to_have_text("Page 2")

    page.locator("nav.pager a[rel=prev]").click()
    expect(page).to_have_url(server + "/search")
    assert hit_ids(page) == first


def test_open_entry_then_related_entry(nojs_page: Page, server: str):
    page = nojs_page
    page.goto(server + "/search?q=nurses")
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


def test_notices_and_the_theme_they_offer(nojs_page: Page, server: str):
    page = nojs_page
    page.goto(server + "/search?q=gobernance")
    notices = page.locator("#notices p")
    expect(notices).to_have_text(["Including results for governance", "Filter by theme: Governance (7)"])
    page.locator("#notices a.theme-filter").click()

    expect(page).to_have_url(server + "/search?q=gobernance&theme=governance")
    expect(page.locator("a.chip")).to_have_text(re.compile("Theme: Governance"))
    expect(page.locator("#summary")).to_contain_text("7 results")
    expect(notices).to_have_text(["Including results for governance"])
