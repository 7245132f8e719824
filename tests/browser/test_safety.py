"""Entry text is shown as text: a hostile entry's markup never runs, in pages, live results or feeds.

The library here holds one entry whose title, author, summary and body carry an <img> with an
onerror handler and a <script>. Each would set window.__xss if the browser ran it. The CSP
would block both anyway, so each test also checks that the markup is shown literally and that
no <img> or <script> came out of it; a blocked attempt would fail the test at teardown too
(the browser reports CSP violations and the failed image load).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from conftest import build_index, serve
from playwright.sync_api import Page, expect

from .browsing import wait_for_app

IMG = '<img src=x onerror="window.__xss=1">'
SCRIPT = "<script>window.__xss=2</script>"
TITLE = f"Quokka co-op {IMG} {SCRIPT}"
AUTHOR = f"Mallory {IMG}"
ENTRY = f"""\
---
id: hostile-entry
title: '{TITLE}'
date: "2020-02-02"
authors: ['{AUTHOR}']
themes: [governance]
type: article
summary: >-
  A summary with {IMG} and {SCRIPT} in it.
---
The quokka co-op body has {IMG} and {SCRIPT} in it.
"""
#: The snippet is made from the body as plain text, which drops Markdown's `__` markers.
SNIPPET = re.compile(r"<img src=x onerror=.*<script>window\.")
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("hostile")
    (root / "library").mkdir()
    (root / "library" / "hostile-entry.md").write_text(ENTRY, encoding="utf-8")
    report = build_index(root / "index", [root / "library"], rebuild=True)
    assert (report.added, report.errors) == (1, []), report.summary()
    with serve(root / "index", root / "serve.log") as base:
        yield base


def assert_not_run(page: Page, scope: str = "body") -> None:
    assert page.evaluate("typeof window.__xss") == "undefined", "the entry's markup ran"
    assert page.locator(f"{scope} img, {scope} script").count() == 0, f"markup from the entry in {scope}"


def test_search_page_shows_the_markup_as_text(page: Page, hostile_server: str):
    page.goto(hostile_server + "/search?q=quokka")
    wait_for_app(page)

    expect(page.locator("#hits > li.hit h2 a")).to_have_text(TITLE)
    expect(page.locator("#hits .meta")).to_contain_text(AUTHOR)
    expect(page.locator("#hits .snippet")).to_contain_text(SNIPPET)
    expect(page.locator("#facets")).to_contain_text(AUTHOR)
    assert_not_run(page, "#main")
    assert_not_run(page, "#filters-panel")


def test_live_results_show_the_markup_as_text(page: Page, hostile_server: str):
    page.goto(hostile_server + "/search?q=nothing")
    wait_for_app(page)
    page.locator("#q").click()
    page.keyboard.press("Control+A")
    page.keyboard.type("quokka", delay=40)

    expect(page.locator("#hits > li.hit h2 a")).to_have_text(TITLE)
    expect(page.locator("#hits .meta")).to_contain_text(AUTHOR)
    expect(page.locator("#hits .snippet")).to_contain_text(SNIPPET)
    expect(page.locator("#facets")).to_contain_text(AUTHOR)
    assert page.evaluate("window.location.search") == "?q=quokka"
    assert_not_run(page, "#main")
    assert_not_run(page, "#filters-panel")


def test_autocomplete_shows_the_markup_as_text(page: Page, hostile_server: str):
    page.goto(hostile_server + "/")
    wait_for_app(page)
    page.locator("#q").focus()
    page.keyboard.type("quok", delay=40)

    expect(page.locator("#q-options [role=option]", has_text=TITLE)).to_have_count(1)
    assert_not_run(page, "#q-options")


def test_entry_page_shows_the_markup_as_text(page: Page, hostile_server: str):
    page.goto(hostile_server + "/entries/hostile-entry")
    wait_for_app(page)

    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("article .meta")).to_contain_text(AUTHOR)
    expect(page.locator("article .lede")).to_contain_text(IMG)
    expect(page.locator("article .body")).to_contain_text(SCRIPT)
    expect(page).to_have_title(f"{TITLE} – Co-op Library Search")
    assert_not_run(page, "main")


def test_atom_feed_carries_the_markup_as_text(page: Page, hostile_server: str):
    response = page.goto(hostile_server + "/search.atom?q=quokka")
    assert response and response.ok

    assert page.evaluate("document.contentType") != "text/html"
    assert_not_run(page)
    entry = ET.fromstring(response.body()).find(f"{ATOM}entry")
    assert entry is not None
    assert entry.findtext(f"{ATOM}title") == TITLE
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == AUTHOR
    # The content is HTML for a feed reader to render: the entry's markup must come out as text.
    content = entry.findtext(f"{ATOM}content") or ""
    assert "<img" not in content and "<script" not in content and "&lt;img" in content, content
