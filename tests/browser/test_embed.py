"""The library's search embedded on another site, in a real browser.

A partner's site is a small HTTP server of its own, on another port of 127.0.0.1 (another
origin), whose pages send a strict Content-Security-Policy allowing scripts, connections
and frames only from the library's origin, and a stylesheet that is hostile on purpose
(`input { background: red }`, `a { color: … }`, rules aimed at the widget's own roles and
classes). The library is `coopsearch serve` on the test library with a private staff
database holding one published collection, made with webui.collections before it starts.

The page fixture fails a test on any console error, page error or CSP violation, so every
test here also proves the widget runs under the host's CSP without one.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from conftest import STAFF_EMAIL, serve
from playwright.sync_api import Locator, Page, expect

from webui import collections
from webui.db import open_db

from .browsing import api, check_axe, screenshot

COLLECTION = "care-and-housing"
DRAFT = "draft-collection"
#: The test library's energy theme, and what the collection holds (theme health + one pin).
ENERGY = frozenset({"solar-coop-rooftops", "pv-array-farm", "auto-themed-energy", "j-wind-turbine"})
CARE = frozenset({"nurses-home-care-coop", "j-coop-clinic", "j-nurse-training", "housing-tenants-union"})
QUERY = "co-op"
ACCENT = "rgb(11, 92, 173)"  # the widget's default --coopsearch-accent
HOST_ACCENT = "rgb(122, 31, 92)"  # what the host sets --coopsearch-accent to on the second widget
RED = "rgb(255, 0, 0)"
HOST_LINK = "rgb(0, 100, 0)"

HOST_CSS = f"""
body {{ margin: 1rem; font-family: Georgia, serif; font-size: 18px; color: rgb(51, 51, 51);
        background: #fff; letter-spacing: 1px; text-transform: uppercase; line-height: 1; }}
input {{ background: red; border: 4px dashed {HOST_LINK}; }}
a {{ color: {HOST_LINK}; }}
label {{ font-style: italic; }}
mark {{ background: #003; color: #fff; }}
p {{ margin: 2rem 0; }}
[role="listbox"], [role="option"], .panel, .box, .t {{ display: none !important; }}
#care {{ --coopsearch-accent: {HOST_ACCENT}; }}
"""


def host_csp(lib: str) -> str:
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' {lib}",
            f"connect-src {lib}",
            "style-src 'self'",
            f"frame-src {lib}",
            "img-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
        )
    )


def host_page(lib: str, body: str, script: bool = True) -> str:
    tag = f'<script src="{lib}/embed.js" async></script>' if script else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner co-op network</title>
<link rel="stylesheet" href="/host.css"><link rel="icon" href="/favicon.ico">{tag}</head>
<body><header><a id="host-link" href="/">Partner co-op network</a></header>
<main><h1>Our reading room</h1>
<form id="host-form"><label for="host-input">Newsletter email</label>
<input id="host-input" type="email"></form>
{body}
<p id="host-text">Text of the partner's page, with a <mark>marked</mark> word and a <a href="/">link</a>.</p>
</main></body></html>"""


def host_pages(lib: str) -> dict[str, tuple[str, str]]:
    widgets = f"""<h2>Energy</h2>
<div id="energy" data-coopsearch data-theme="energy" data-placeholder="Search co-op energy resources"></div>
<h2>Care and housing</h2>
<div id="care" data-coopsearch data-collection="{COLLECTION}" data-label="Search care and housing"></div>"""
    frame = (
        f'<iframe data-coopsearch-frame src="{lib}/embed?theme=energy" title="Search the library" '
        'width="600" height="300"></iframe>'
    )
    html = "text/html; charset=utf-8"
    return {
        "/": (html, host_page(lib, widgets)),
        "/plain": (html, host_page(lib, widgets, script=False)),
        "/frame": (html, host_page(lib, frame)),
        "/frame-fixed": (html, host_page(lib, frame, script=False)),
        "/library": (html, host_page(lib, '<div id="all" data-coopsearch></div>')),
        "/host.css": ("text/css", HOST_CSS),
        "/favicon.ico": ("image/svg+xml", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>'),
    }


@pytest.fixture(scope="module")
def lib(library_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The library: `coopsearch serve` with a staff database holding a published collection
    (the health theme plus one pinned housing entry) and a draft."""
    root = tmp_path_factory.mktemp("embed-library")
    db = root / "staff.sqlite3"
    conn = open_db(db)
    care = collections.State(
        "Care and housing",
        COLLECTION,
        published=True,
        search=collections.SavedSearch(themes=("health",)),
        pinned=("housing-tenants-union",),
    )
    collections.create(conn, care, STAFF_EMAIL, "made for the embed tests")
    collections.create(conn, collections.State("A draft", DRAFT), STAFF_EMAIL, "a draft")
    conn.close()
    env = {"COOPSEARCH_DB": str(db), "COOPSEARCH_RATE_LIMIT": "100000/minute"}
    with serve(library_index, root / "serve.log", **env) as base:
        yield base


@pytest.fixture(scope="module")
def host(lib: str) -> Iterator[str]:
    """The partner's site: its pages on another port, each with a strict CSP."""
    pages = host_pages(lib)
    csp = host_csp(lib)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            found = pages.get(urlsplit(self.path).path)
            if found is None:
                self.send_error(404)
                return
            content_type, text = found
            body = text.encode()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", csp)
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- helpers ---------------------------------------------------------------------------------


def combobox(page: Page, widget: str) -> Locator:
    return page.locator(f"#{widget}").get_by_role("combobox")


def options(page: Page, widget: str) -> Locator:
    return page.locator(f"#{widget}").get_by_role("option")


def option_ids(page: Page, widget: str) -> list[str]:
    """The entry ids of a widget's results, shown or not (CSS locators pierce shadow roots)."""
    found = page.locator(f"#{widget} [role=option]")
    hrefs = found.evaluate_all("os => os.map(o => new URL(o.href).pathname)")
    return [href.removeprefix("/entries/") for href in hrefs]


def focused(page: Page) -> str:
    """`host-id:inner-id` when focus is inside a widget, else the focused element's id."""
    return page.evaluate(
        """() => { const a = document.activeElement;
                   const inner = a && a.shadowRoot && a.shadowRoot.activeElement;
                   return inner ? `${a.id}:${inner.id}` : (a ? a.id : ""); }"""
    )


def tab_to(page: Page, target: str, limit: int = 8) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page) == target:
            return
    pytest.fail(f"Tab never reached {target}; focus is on {focused(page)!r}")


def search_in(page: Page, widget: str, text: str) -> None:
    """Type into a widget as a person would, and wait for its results to show."""
    combobox(page, widget).click()
    page.keyboard.type(text)
    expect(combobox(page, widget)).to_have_attribute("aria-expanded", "true")


def hit_ids(lib: str, path: str, **params: str) -> list[str]:
    return [hit["id"] for hit in api(lib, f"{path}?{urlencode(params)}")["hits"]]


def collection_ids(lib: str, **params: str) -> list[str]:
    data = api(lib, f"/api/v1/collections/{COLLECTION}?{urlencode(params)}")
    return [hit["id"] for hit in data["results"]["hits"]]


def computed(locator: Locator, *props: str) -> dict[str, str]:
    return locator.evaluate(
        """(el, props) => { const s = getComputedStyle(el);
                            return Object.fromEntries(props.map(p => [p, s[p]])); }""",
        list(props),
    )


#: Properties that follow the page's size (a taller page may bring a scrollbar), not its styles.
LAYOUT = ["width", "height", "inline-size", "block-size", "transform-origin", "perspective-origin"]


def host_styles(page: Page) -> dict[str, dict[str, str]]:
    """Every computed style of every host element outside the widgets' own divs."""
    return page.evaluate(
        """layout => Object.fromEntries([...document.querySelectorAll("body *:not([data-coopsearch])")]
             .map((el, i) => { const s = getComputedStyle(el); const out = {};
                               for (const p of s) if (!layout.includes(p)) out[p] = s.getPropertyValue(p);
                               return [`${i}:${el.tagName}#${el.id}`, out]; }))""",
        LAYOUT,
    )


# -- the widget on a partner's page ------------------------------------------------------------


def test_two_widgets_search_their_own_scopes(page: Page, lib: str, host: str):
    page.goto(host + "/")
    search_in(page, "energy", QUERY)
    expect(options(page, "energy")).to_have_count(len(ENERGY))
    energy = option_ids(page, "energy")
    assert energy == hit_ids(lib, "/api/v1/search", q=QUERY, theme="energy", per_page="5")
    assert set(energy) == ENERGY

    search_in(page, "care", QUERY)
    expect(options(page, "care")).to_have_count(len(CARE))
    care = option_ids(page, "care")
    assert care == collection_ids(lib, q=QUERY, per_page="5")
    assert set(care) == CARE and not set(care) & set(energy)

    # Each widget is on its own: searching in one left the other's results as they were.
    assert option_ids(page, "energy") == energy
    see_all = page.locator("#care").get_by_role("link", name=re.compile("See all"))
    expect(see_all).to_have_text("See all 4 results in the library")
    assert see_all.get_attribute("href") == f"{lib}/collections/{COLLECTION}?q={QUERY}"
    energy_all = page.locator("#energy").get_by_role("link", name=re.compile("See all"), include_hidden=True)
    assert energy_all.get_attribute("href") == f"{lib}/search?q={QUERY}&theme=energy"
    # Results show the title, the date and the snippet with the matched words marked.
    first = options(page, "care").first
    expect(first.locator("time")).to_have_text(re.compile(r"^(\d{1,2} )?([A-Z][a-z]+ )?\d{4}$"))
    expect(first.locator("mark").first).to_be_visible()
    expect(page.locator("#care").get_by_role("status")).to_have_text("4 results, arrow keys to choose")


def test_keyboard_alone_opens_a_result_in_the_library(page: Page, lib: str, host: str):
    page.goto(host + "/")
    tab_to(page, "energy:q")
    page.keyboard.type(QUERY)
    box = combobox(page, "energy")
    expect(box).to_have_attribute("aria-expanded", "true")
    expected = hit_ids(lib, "/api/v1/search", q=QUERY, theme="energy", per_page="5")

    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "r0")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", "r0")
    expect(options(page, "energy").first).to_have_attribute("aria-selected", "true")
    expect(options(page, "energy").nth(1)).to_have_attribute("aria-selected", "false")
    # The active option is visibly marked (outline), not only announced.
    outline = computed(options(page, "energy").first, "outlineStyle", "outlineColor")
    assert outline == {"outlineStyle": "solid", "outlineColor": ACCENT}

    page.keyboard.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#energy").get_by_role("listbox")).to_be_hidden()
    expect(box).not_to_have_attribute("aria-activedescendant", re.compile("."))
    page.keyboard.press("ArrowDown")  # reopens on the first result
    expect(box).to_have_attribute("aria-activedescendant", "r0")

    page.keyboard.press("Enter")
    # The search was counted on the way (analytics=1), so the link carries ?ref=<search>.1.
    page.wait_for_url(re.compile(re.escape(f"{lib}/entries/{expected[0]}?ref=") + r"\d+\.1$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_a_click_opens_a_result(page: Page, lib: str, host: str):
    page.goto(host + "/")
    search_in(page, "care", QUERY)
    second = option_ids(page, "care")[1]
    options(page, "care").nth(1).click()
    page.wait_for_url(re.compile(re.escape(f"{lib}/entries/{second}") + r"(\?ref=\d+\.2)?$"))
    assert page.url.split("?")[0] == f"{lib}/entries/{second}"
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_typing_is_debounced_and_counted_only_once_still(page: Page, lib: str, host: str):
    searches: list[str] = []
    page.on("request", lambda r: searches.append(r.url) if "/api/v1/search" in r.url else None)
    page.goto(host + "/")
    combobox(page, "energy").click()
    page.keyboard.type(QUERY, delay=20)
    expect(options(page, "energy")).to_have_count(len(ENERGY))
    # One request for the whole word, and not counted in the statistics while typing.
    assert len(searches) == 1 and "analytics" not in searches[0], searches
    first = options(page, "energy").first
    expect(first).not_to_have_attribute("href", re.compile("ref="))
    # Still for 1.5 s: the search is asked again with analytics=1, and links carry its id.
    expect(first).to_have_attribute("href", re.compile(r"\?ref=\d+\.1$"))
    assert [url for url in searches if "analytics=1" in url] == [searches[-1]]
    assert len(searches) == 2
    # No cookies go with the requests, and none come back.
    assert page.context.cookies(lib) == []


def test_escape_twice_clears_and_a_word_nobody_wrote_says_so(page: Page, host: str):
    page.goto(host + "/")
    search_in(page, "energy", QUERY)
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(combobox(page, "energy")).to_have_value("")
    page.keyboard.type("xylophone")
    message = page.locator("#energy").get_by_text("No results for “xylophone”.")
    expect(message).to_be_visible()
    expect(page.locator("#energy").get_by_role("status")).to_have_text("No results")
    expect(combobox(page, "energy")).to_have_attribute("aria-expanded", "false")


def test_the_widget_is_styled_under_the_hosts_csp(page: Page, host: str, browser_errors: list[str]):
    page.goto(host + "/")
    search_in(page, "energy", QUERY)
    # The host's style-src 'self' is in force: a <style> element in a shadow root is refused…
    color = page.evaluate(
        """() => { const root = document.querySelector("main").appendChild(document.createElement("div"))
                                   .attachShadow({mode: "open"});
                   const style = document.createElement("style");
                   style.textContent = "p {color: rgb(1, 2, 3)}";
                   root.append(style);
                   root.append(document.createElement("p"));
                   return getComputedStyle(root.querySelector("p")).color; }"""
    )
    assert color != "rgb(1, 2, 3)"
    deadline = time.monotonic() + 5
    reports = ("CSP violation: style-src", "console error: Applying inline style violates")
    while time.monotonic() < deadline:  # the violation event and the console message, both
        refused = [e for e in browser_errors if e.startswith(reports)]
        if len(refused) == 2:
            break
        page.wait_for_timeout(50)
    assert len(refused) == 2, f"the host's CSP did not refuse an inline <style>: {browser_errors}"
    for error in refused:
        browser_errors.remove(error)
    # …yet the widget's own styles apply: they are a constructed, adopted stylesheet.
    style = computed(combobox(page, "energy"), "borderTopLeftRadius", "paddingLeft", "outlineStyle")
    assert style["borderTopLeftRadius"] == "4px" and style["outlineStyle"] == "solid"
    assert not browser_errors


def test_host_css_does_not_reach_in(page: Page, host: str):
    page.goto(host + "/")
    search_in(page, "energy", QUERY)
    box = combobox(page, "energy")
    style = computed(box, "backgroundColor", "borderTopStyle", "borderTopLeftRadius", "textTransform")
    # The widget's own styles apply under the host's style-src 'self' (constructed stylesheet).
    assert style == {
        "backgroundColor": "rgb(255, 255, 255)",
        "borderTopStyle": "solid",
        "borderTopLeftRadius": "4px",
        "textTransform": "none",
    }
    # The host's font is inherited, its letter-spacing and capitals are not.
    font = computed(box, "fontFamily", "fontSize", "letterSpacing")
    assert font == {"fontFamily": "Georgia, serif", "fontSize": "18px", "letterSpacing": "normal"}
    title = options(page, "energy").first.locator(".t")
    expect(title).to_be_visible()  # the host's display: none !important did not reach it
    assert computed(title, "color")["color"] == ACCENT != HOST_LINK
    assert computed(page.locator("#energy label"), "fontStyle")["fontStyle"] == "normal"
    # A colour custom property set by the host does reach in: that is how it themes the widget.
    search_in(page, "care", QUERY)
    assert computed(options(page, "care").first.locator(".t"), "color")["color"] == HOST_ACCENT


def test_widget_css_does_not_leak_out(page: Page, host: str):
    page.goto(host + "/plain")
    expect(page.locator("#energy")).to_be_empty()
    before = host_styles(page)
    page.goto(host + "/")
    search_in(page, "energy", QUERY)
    after = host_styles(page)
    assert after.keys() == before.keys()
    changed = {
        element: {p: (before[element][p], v) for p, v in props.items() if before[element][p] != v}
        for element, props in after.items()
    }
    assert not {element: diff for element, diff in changed.items() if diff}
    assert computed(page.locator("#host-input"), "backgroundColor")["backgroundColor"] == RED


def test_host_page_with_open_widgets_passes_axe(page: Page, host: str):
    page.goto(host + "/")
    search_in(page, "energy", QUERY)
    check_axe(page)
    screenshot(page, "embed-host-page")
    search_in(page, "care", QUERY)
    check_axe(page)


# -- the iframe variant -------------------------------------------------------------------------


def frame_height(page: Page) -> int:
    """The height of the iframe's viewport (its box less its border)."""
    return page.locator("iframe[data-coopsearch-frame]").evaluate("f => f.clientHeight")


def test_the_iframe_follows_its_content_when_the_host_has_the_script(page: Page, lib: str, host: str):
    page.goto(host + "/frame")
    iframe = page.locator("iframe[data-coopsearch-frame]")
    page.wait_for_function("f => f.style.height !== ''", arg=iframe.element_handle())
    closed = frame_height(page)
    assert closed < 300  # shrunk from the fixed height to the search box alone

    frame = page.frame_locator("iframe[data-coopsearch-frame]")
    frame.get_by_role("combobox").click()
    page.keyboard.type(QUERY)
    expect(frame.get_by_role("option")).to_have_count(len(ENERGY))
    page.wait_for_function("([f, h]) => f.clientHeight > h + 100", arg=[iframe.element_handle(), closed])
    inner = frame.locator("body").evaluate("b => b.getBoundingClientRect().height")
    assert 0 <= frame_height(page) - inner < 1  # all of it shows, no more

    # The keyboard opens a result in the top window, not inside the frame.
    expected = hit_ids(lib, "/api/v1/search", q=QUERY, theme="energy", per_page="5")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(re.escape(f"{lib}/entries/{expected[0]}") + r"(\?ref=\d+\.1)?$"))


def test_without_the_script_the_iframe_keeps_its_height(page: Page, host: str):
    page.goto(host + "/frame-fixed")
    frame = page.frame_locator("iframe[data-coopsearch-frame]")
    frame.get_by_role("combobox").click()
    page.keyboard.type(QUERY)
    expect(frame.get_by_role("option")).to_have_count(len(ENERGY))
    page.wait_for_timeout(300)  # time for any resize message to arrive
    assert frame_height(page) == 300


def test_the_iframe_page_passes_axe(page: Page, lib: str):
    page.goto(f"{lib}/embed?collection={COLLECTION}")
    box = page.get_by_role("combobox", name="Search the library (Care and housing)")
    box.click()
    page.keyboard.type(QUERY)
    expect(page.get_by_role("option")).to_have_count(len(CARE))
    check_axe(page)


# -- the embed builder --------------------------------------------------------------------------


def test_the_builder_gives_a_snippet_that_works(page: Page, lib: str):
    page.goto(f"{lib}/embed/builder")
    page.get_by_label("Collection").select_option(label="Care and housing")
    page.get_by_label("Placeholder in the search box").fill("Search care co-ops")
    page.get_by_label("Height in pixels").fill("250")
    page.get_by_role("button", name="Show the snippets").click()
    snippet = page.get_by_label("Script snippet")
    expect(snippet).to_have_value(
        f'<script src="{lib}/embed.js" async></script>\n'
        f'<div data-coopsearch data-collection="{COLLECTION}" data-placeholder="Search care co-ops"></div>'
    )
    expect(page.get_by_label("Iframe snippet")).to_have_value(re.compile(r'height="250"'))

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=lib)
    page.get_by_role("button", name="Copy the script snippet").click()
    expect(page.locator("#script-snippet-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == snippet.input_value()

    # The preview is the widget itself, and the iframe.
    search_in(page, "preview-widget", QUERY)
    expect(options(page, "preview-widget")).to_have_count(len(CARE))
    preview = page.frame_locator("#preview-frame")
    expect(preview.get_by_role("combobox")).to_have_attribute("placeholder", "Search care co-ops")
    check_axe(page)
    screenshot(page, "embed-builder")


def test_the_builder_works_without_javascript(nojs_page: Page, lib: str):
    nojs_page.goto(f"{lib}/embed/builder")
    nojs_page.get_by_label("Theme").select_option(label="Energy")
    nojs_page.get_by_role("button", name="Show the snippets").click()
    assert "theme=energy" in nojs_page.url
    expect(nojs_page.get_by_label("Script snippet")).to_have_value(re.compile('data-theme="energy"'))
    expect(nojs_page.get_by_label("Iframe snippet")).to_have_value(re.compile(r"/embed\?theme=energy"))
    expect(nojs_page.get_by_role("button", name=re.compile("Copy"))).to_have_count(0)


def test_a_line_above_the_results_says_what_the_search_did(page: Page, lib: str, host: str):
    page.goto(host + "/library")
    search_in(page, "all", "gobernance")
    note = page.locator("#all .note")
    expect(note).to_have_text("Including results for governance. Filter by theme: Governance (7)")
    link = note.get_by_role("link", name="Governance (7)")
    assert link.get_attribute("href") == f"{lib}/search?q=gobernance&theme=governance"
    status = page.locator("#all").get_by_role("status")
    expect(status).to_have_text(
        "5 of 8 results, arrow keys to choose. "
        "Including results for governance. Filter by theme: Governance (7)"
    )
    # The line is outside the listbox: the arrow keys still go through the results only.
    page.keyboard.press("ArrowDown")
    expect(combobox(page, "all")).to_have_attribute("aria-activedescendant", "r0")
    check_axe(page)
    screenshot(page, "embed-notice-typo")

    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.keyboard.type("turbine bakery")
    expect(note).to_have_text("No entry has all of turbine, bakery; showing entries with turbine.")
    screenshot(page, "embed-notice-relaxed")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.keyboard.type("tricycle")
    expect(options(page, "all")).to_have_count(1)
    expect(note).to_be_hidden()
    expect(status).to_have_text("1 result, arrow keys to choose")


def test_a_widget_with_a_theme_offers_no_other(page: Page, host: str):
    page.goto(host + "/")
    search_in(page, "energy", "turbine bakery")
    expect(page.locator("#energy .note")).to_have_text(re.compile("^No entry has all of turbine, bakery"))
    expect(page.locator("#energy .note a")).to_have_count(0)
