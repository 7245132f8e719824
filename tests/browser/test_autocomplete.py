"""Autocomplete on #q: a WAI-ARIA 1.2 combobox, used here with the keyboard only."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .browsing import api, wait_for_app


def open_list(page: Page, base: str, path: str, text: str) -> list[dict]:
    """Type `text` into #q on `path`; wait for the options the API suggests and return them."""
    page.goto(base + path)
    wait_for_app(page)
    page.locator("#q").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text, delay=40)
    suggestions = api(base, f"/api/v1/suggest?q={text}")["suggestions"]
    assert suggestions, f"the test library suggests nothing for {text!r}"
    expect(page.locator("#q-options")).to_be_visible()
    expect(page.locator("#q-options [role=option]")).to_have_count(len(suggestions))
    return suggestions


def active_option(page: Page) -> str:
    """The text of the option #q's aria-activedescendant points at, checking it is selected."""
    active = page.locator("#q").get_attribute("aria-activedescendant")
    assert active, "no aria-activedescendant on #q"
    option = page.locator(f"#q-options [role=option][id='{active}']")
    expect(option).to_have_count(1)
    expect(option).to_have_attribute("aria-selected", "true")
    expect(page.locator("#q-options [role=option][aria-selected=true]")).to_have_count(1)
    return option.inner_text()


def test_combobox_semantics_and_arrow_keys(page: Page, server: str):
    q = page.locator("#q")
    suggestions = open_list(page, server, "/", "nur")

    expect(q).to_have_attribute("role", "combobox")
    expect(q).to_have_attribute("aria-autocomplete", "list")
    expect(q).to_have_attribute("aria-controls", "q-options")
    expect(q).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#q-options")).to_have_attribute("role", "listbox")
    options = page.locator("#q-options [role=option]")
    ids = options.evaluate_all("items => items.map(li => li.id)")
    assert all(ids) and len(set(ids)) == len(ids), ids
    for option, suggestion in zip(options.all(), suggestions, strict=True):
        expect(option).to_contain_text(suggestion["text"])
        expect(option.locator(".kind")).to_have_count(1 if suggestion["kind"] == "title" else 0)
    expect(page.locator("#announcer")).to_contain_text(f"{len(suggestions)} suggestions")

    page.keyboard.press("ArrowDown")
    assert suggestions[0]["text"] in active_option(page)
    page.keyboard.press("ArrowDown")
    assert suggestions[1]["text"] in active_option(page)
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # from the first option, wraps to the last
    assert suggestions[-1]["text"] in active_option(page)

    page.keyboard.press("Escape")
    expect(q).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#q-options")).to_be_hidden()
    expect(q).to_have_value("nur")
    page.keyboard.press("Escape")
    expect(q).to_have_value("")


def test_enter_on_a_term_searches_for_it(page: Page, server: str):
    suggestions = open_list(page, server, "/", "nur")
    term = next(s["text"] for s in suggestions if s["kind"] == "term")
    for _ in range(len(suggestions)):
        page.keyboard.press("ArrowDown")
        if active_option(page).startswith(term):
            break
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{server}/search?q={term}")
    expect(page.locator("#q")).to_have_value(term)
    expect(page.locator("#hits > li.hit").first).to_be_visible()


def test_enter_on_a_title_opens_its_entry(page: Page, server: str):
    suggestions = open_list(page, server, "/", "tricy")
    entry = next(s for s in suggestions if s["kind"] == "title")
    for _ in range(len(suggestions)):
        page.keyboard.press("ArrowDown")
        if entry["text"] in active_option(page):
            break
    page.keyboard.press("Enter")

    expect(page).to_have_url(server + entry["url"])
    expect(page.locator("h1")).to_have_text(entry["text"])


def test_enter_without_an_active_option_submits_the_text(page: Page, server: str):
    open_list(page, server, "/", "nur")
    page.keyboard.type("ses co-op")
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{server}/search?q=nurses+co-op")


def test_tab_closes_the_list(page: Page, server: str):
    open_list(page, server, "/", "nur")
    page.keyboard.press("Tab")

    expect(page.locator("#q")).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#q-options")).to_be_hidden()


@pytest.mark.parametrize("path", ["/search?q=co-op", "/entries/tricycle-delivery"])
def test_autocomplete_on_search_and_entry_pages(page: Page, server: str, path: str):
    suggestions = open_list(page, server, path, "sol")
    page.keyboard.press("ArrowDown")

    assert suggestions[0]["text"] in active_option(page)
    expect(page.locator("#q")).to_have_attribute("aria-expanded", "true")
