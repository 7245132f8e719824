"""Staff work in the browser: log in, build a collection from a search, curate and publish it,
see it as a visitor, restore a version, fix a theme, push an entry with a token, read the
searches that found nothing, and audit the staff pages.

One `coopsearch serve` for the module, on a private copy of the test library index with its
own staff database (one account) and synonyms file, so the session's `server` is untouched.
The librarian logs in once through the login form (`staff_cookies`); each test gets a fresh
tab with that session (`staff_page`), and visitors get tabs of their own with no cookies.

The tests tell one story and run in file order: the collection made by
`test_save_a_search_as_a_draft_collection` is curated by the next test, seen by visitors in
the one after, and so on. A test that needs an earlier step which did not pass fails at once
saying which (`Story.needs`), rather than on a confusing symptom.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import STAFF_EMAIL, STAFF_PASSWORD, serve
from playwright.sync_api import Browser, Page, expect
from testdata import NEWEST_FIRST, SYNONYMS, UNDATED_IDS

from webui import accounts
from webui.db import open_db

from .browsing import (
    DESKTOP,
    PHONE,
    check_axe,
    checkbox,
    facet_counts,
    hit_ids,
    screenshot,
    wait_for_app,
)

TITLE = "Co-ops at work"
SLUG = "co-ops-at-work"  # derived from the title: the slug field is left empty
DESCRIPTION = "Worker, housing and care **co-ops**, chosen by the library."
#: What /search?q=co-op finds in the test library (14 entries).
CO_OP = frozenset(
    {
        "mondragon-bank-history",
        "j-nurse-training",
        "j-wind-turbine",
        "j-undated-newsletter",
        "pv-array-farm",
        "solar-coop-rooftops",
        "nurses-home-care-coop",
        "undated-grocery-notes",
        "bakery-worker-owners",
        "tricycle-delivery",
        "j-rent-strike",
        "auto-themed-energy",
        "j-coop-clinic",
        "housing-tenants-union",
    }
)
FIRST_PIN = "housing-tenants-union"
SECOND_PIN = "j-coop-clinic"
HIDDEN = "mondragon-bank-history"  # the best match for "co-op": visible on page 1 unless hidden
RETHEMED = "tricycle-delivery"  # food, named in its file; staff make it energy
PUSHED_ID = "zeppelin-riders"
PUSHED = {
    "title": "Zeppelin Riders Share the Skies",
    "date": "2026-03-02",
    "authors": ["Ana Ruiz"],
    "summary": "Members share one zeppelin.",
    "body": "The **zeppelin** is owned by its riders, who meet monthly.",
    "themes": ["governance"],
    "type": "case study",
    "url": "https://example.org/zeppelin",
}
TOKEN_NAME = "CMS test"
#: Searches that find nothing, as typed by visitors; recorded lower-cased.
NOTHING_FOUND = ["Xylophone", "XYLOPHONE", "quasar pottery"]
ATOM = {"a": "http://www.w3.org/2005/Atom"}
#: The tests that build the collection the later ones use.
CREATED = "test_save_a_search_as_a_draft_collection"
CURATED = "test_pin_reorder_publish_and_hide"


# -- the module's server, login and story ---------------------------------------------------


@pytest.fixture(scope="module")
def site(library_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`coopsearch serve` on a private index copy and a fresh staff database; its base URL."""
    root = tmp_path_factory.mktemp("staff-site")
    index_dir = root / "index"
    shutil.copytree(library_index, index_dir)
    db = root / "staff.sqlite3"
    conn = open_db(db)
    accounts.add_account(conn, STAFF_EMAIL, STAFF_PASSWORD)
    conn.close()
    synonyms = root / "synonyms.txt"  # "Add synonym" would write here, never to tests/data
    shutil.copy(SYNONYMS, synonyms)
    env = {
        "COOPSEARCH_DB": str(db),
        "COOPSEARCH_SYNONYMS": str(synonyms),
        "COOPSEARCH_REFRESH_SECONDS": "0.2",
    }
    with serve(index_dir, root / "serve.log", **env) as base:
        yield base


def fill_login(page: Page, password: str) -> None:
    page.get_by_label("Email").fill(STAFF_EMAIL)
    page.get_by_label("Password").click()
    page.keyboard.type(password)
    page.keyboard.press("Enter")


@pytest.fixture(scope="module")
def staff_cookies(browser: Browser, site: str) -> list:
    """The librarian's session, logged in once through the login form."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(site + "/staff/login")
        fill_login(page, STAFF_PASSWORD)
        expect(page.locator("h1")).to_have_text("Staff dashboard")
        return context.cookies()
    finally:
        context.close()


@pytest.fixture
def staff_page(page: Page, staff_cookies: list) -> Page:
    """A fresh tab of the logged-in librarian (browser errors fail the test, as for `page`)."""
    page.context.add_cookies(staff_cookies)
    return page


@pytest.fixture
def visitor(other_page: Page) -> Page:
    """A visitor's tab: its own context, no staff cookie."""
    return other_page


@dataclass
class Story:
    """The steps that passed so far."""

    done: set[str] = field(default_factory=set)

    def needs(self, *steps: str) -> None:
        """Fail at once unless the tests named `steps` passed earlier in this run."""
        missing = [s for s in steps if s not in self.done]
        if missing:
            pytest.fail(
                f"this test builds on {' and '.join(missing)}, which did not pass in this run "
                "(the module's tests run in order)",
                pytrace=False,
            )


@pytest.fixture(scope="module")
def story() -> Story:
    return Story()


# -- helpers ----------------------------------------------------------------------------------


def flash(page: Page):
    return page.locator(".flash")


def entry_item(page: Page, entry_id: str):
    """One entry of a collection's staff page."""
    return page.locator(f"#entry-{entry_id}")


def title_in(page: Page, entry_id: str) -> str:
    return entry_item(page, entry_id).locator("h3").inner_text()


def pinned_titles(page: Page):
    return page.locator("ol.curate > li.pinned h3")


def button(scope, label: str):
    """The button whose accessible name starts with `label` (names go on with the entry's title)."""
    return scope.get_by_role("button", name=re.compile("^" + re.escape(label)))


def control(page: Page, action: str, title: str):
    """A curation button by its accessible name: the action, then the entry's title."""
    return page.get_by_role("button", name=re.compile(rf"^{re.escape(action)}\s*:?\s*“{re.escape(title)}”$"))


def feed_ids(xml: bytes) -> list[str]:
    entries = ET.fromstring(xml).findall("a:entry", ATOM)
    return [e.findtext("a:id", namespaces=ATOM).rsplit("/entries/", 1)[1] for e in entries]


def poll(what: str, check: Callable[[], bool], seconds: float = 5.0) -> float:
    """Seconds until `check()` holds, trying every 0.1 s; fails after `seconds`."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > seconds:
            pytest.fail(f"{what}: not seen within {seconds} s", pytrace=False)
        time.sleep(0.1)
    return time.monotonic() - started


def public_ids(page: Page, base: str) -> list[str]:
    """Every entry of the public collection, in order, from its JSON."""
    response = page.request.get(f"{base}/api/v1/collections/{SLUG}?per_page=50")
    assert response.status == 200, response.text()[:300]
    return [hit["id"] for hit in response.json()["results"]["hits"]]


# -- 1. log in --------------------------------------------------------------------------------


def test_login_refuses_a_wrong_password_then_logs_in(page: Page, site: str, browser_errors: list[str]):
    page.goto(site + "/staff/collections")
    expect(page).to_have_url(f"{site}/staff/login?next=/staff/collections")
    fill_login(page, "wrong horse battery")

    expect(page.get_by_role("alert")).to_have_text("That email and password do not match an account.")
    expect(page.get_by_label("Email")).to_have_value(STAFF_EMAIL)
    expect(page.get_by_label("Password")).to_have_value("")
    check_axe(page)
    # The refused login is a 401 page, which Chromium logs as a console error: expected, only that.
    assert browser_errors and all("401" in e for e in browser_errors), browser_errors
    browser_errors.clear()

    page.get_by_label("Password").click()
    page.keyboard.type(STAFF_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(site + "/staff/collections")
    expect(page.locator("h1")).to_have_text("Collections")
    expect(page.locator("nav.staff-nav form.logout")).to_contain_text(STAFF_EMAIL)


# -- 2. a collection from a search ------------------------------------------------------------


def test_save_a_search_as_a_draft_collection(staff_page: Page, visitor: Page, site: str, story: Story):
    page = staff_page
    page.goto(site + "/search?q=co-op")
    wait_for_app(page)
    page.get_by_role("link", name="Save this search as a collection").click()

    expect(page).to_have_url(site + "/staff/collections/new?q=co-op")
    expect(page.locator("h1")).to_have_text("New collection")
    expect(page.get_by_label("Words (the search box's syntax)")).to_have_value("co-op")
    expect(page.locator(".form-count")).to_have_text("14 entries in the collection with this search.")
    page.get_by_label("Title").click()
    page.keyboard.press("Control+A")
    page.keyboard.type(TITLE)
    expect(page.locator("#field-slug")).to_have_value("")
    page.get_by_label("Description (Markdown)").fill(DESCRIPTION)
    expect(page.get_by_label("Draft: only staff see it")).to_be_checked()
    page.get_by_role("button", name="Create the collection").click()

    expect(page).to_have_url(f"{site}/staff/collections/{SLUG}")
    expect(flash(page)).to_have_text(f"Collection “{TITLE}” created (draft).")
    expect(page.locator(".collection-state")).to_contain_text("Draft: visitors cannot see it yet")
    expect(page.locator("ol.curate > li")).to_have_count(len(CO_OP))
    # A draft is not on the site.
    assert visitor.request.get(f"{site}/collections/{SLUG}").status == 404
    story.done.add(CREATED)


# -- 3. pin, reorder, publish, hide -----------------------------------------------------------


def test_pin_reorder_publish_and_hide(staff_page: Page, site: str, story: Story):
    story.needs(CREATED)
    page = staff_page
    page.goto(f"{site}/staff/collections/{SLUG}")
    first, second, hidden = (title_in(page, i) for i in (FIRST_PIN, SECOND_PIN, HIDDEN))

    # Pin two entries with the mouse: they come first, in the order pinned.
    control(page, "Pin", first).click()
    expect(flash(page)).to_have_text(f"Done: pinned “{first}” at position 1.")
    control(page, "Pin", second).click()
    expect(flash(page)).to_have_text(f"Done: pinned “{second}” at position 2.")
    expect(pinned_titles(page)).to_have_text([first, second])
    expect(entry_item(page, SECOND_PIN).locator(".meta strong")).to_have_text("Pinned, position 2")
    expect(page.locator("ol.curate > li").first).to_have_id(f"entry-{FIRST_PIN}")

    # Reorder with the keyboard: focus a control, press Enter or Space.
    control(page, "Move up", second).focus()
    page.keyboard.press("Enter")
    expect(flash(page)).to_have_text(f"Done: moved “{second}” up to position 1.")
    expect(pinned_titles(page)).to_have_text([second, first])
    # The first has no "Move up", the last no "Move down".
    expect(button(entry_item(page, SECOND_PIN), "Move up")).to_have_count(0)
    expect(button(entry_item(page, FIRST_PIN), "Move down")).to_have_count(0)

    control(page, "Move down", second).focus()
    page.keyboard.press("Space")
    expect(flash(page)).to_have_text(f"Done: moved “{second}” down to position 2.")
    expect(pinned_titles(page)).to_have_text([first, second])

    control(page, "Move down", first).click()
    expect(flash(page)).to_have_text(f"Done: moved “{first}” down to position 2.")
    expect(pinned_titles(page)).to_have_text([second, first])

    page.get_by_role("button", name="Publish", exact=True).click()
    expect(flash(page)).to_have_text("Done: published.")
    expect(page.locator(".collection-state")).to_contain_text(f"Published at /collections/{SLUG}")

    control(page, "Hide", hidden).click()
    expect(flash(page)).to_have_text(f"Done: hid “{hidden}”.")
    expect(entry_item(page, HIDDEN)).to_have_count(0)
    expect(page.locator(f"#hidden-{HIDDEN}")).to_contain_text(hidden)
    expect(page.locator("#entries > p").first).to_contain_text(f"{len(CO_OP) - 1} entries")
    expect(page.locator("ol.curate > li")).to_have_count(len(CO_OP) - 1)
    expect(pinned_titles(page)).to_have_text([second, first])
    screenshot(page, "staff-collection")
    story.done.add(CURATED)


# -- 4. the public page and the feed ----------------------------------------------------------


def test_visitors_see_the_published_collection_and_its_feed(page: Page, site: str, story: Story):
    story.needs(CURATED)
    page.goto(f"{site}/collections/{SLUG}")

    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(".collection-description strong")).to_have_text("co-ops")
    expect(page.locator("#summary")).to_have_text(f"{len(CO_OP) - 1} entries")
    expect(page.locator("#hits > li.hit")).to_have_count(10)
    first_page = hit_ids(page)
    assert first_page[:2] == [SECOND_PIN, FIRST_PIN], first_page
    assert HIDDEN not in first_page
    page.locator("nav.pager a[rel=next]").click()
    expect(page.locator("#hits > li.hit")).to_have_count(len(CO_OP) - 1 - 10)
    rest = hit_ids(page)
    assert HIDDEN not in rest and not set(rest) & set(first_page), rest
    everything = public_ids(page, site)
    assert everything[:2] == [SECOND_PIN, FIRST_PIN]
    assert set(everything) == CO_OP - {HIDDEN}

    href = page.locator('link[rel=alternate][type="application/atom+xml"]').get_attribute("href")
    assert href == f"/collections/{SLUG}.atom"
    response = page.request.get(site + href)
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    root = ET.fromstring(response.body())
    assert root.findtext("a:title", namespaces=ATOM).startswith(TITLE)
    # The feed is newest first, pinned entries in their date's place, undated ones last.
    ids = feed_ids(response.body())
    dated = [i for i in NEWEST_FIRST if i in CO_OP - {HIDDEN}]
    assert ids[: len(dated)] == dated, ids
    assert set(ids[len(dated) :]) == (CO_OP & UNDATED_IDS) - {HIDDEN}


# -- 5. history and restore -------------------------------------------------------------------


def history_rows(page: Page) -> list[dict[str, str]]:
    return page.locator("table.staff-table tbody tr").evaluate_all(
        """rows => rows.map(r => ({version: r.cells[0].textContent.trim(), who: r.cells[2].textContent,
             summary: r.cells[3].textContent, counts: r.cells[4].textContent}))"""
    )


def test_restore_the_version_before_hiding(staff_page: Page, visitor: Page, site: str, story: Story):
    story.needs(CURATED)
    page = staff_page
    page.goto(f"{site}/staff/collections/{SLUG}")
    page.get_by_role("link", name="History").click()
    expect(page.locator("h1")).to_have_text(f"History of “{TITLE}”")

    rows = history_rows(page)
    numbers = [str(n) for n in range(len(rows), 0, -1)]
    assert [r["version"] for r in rows] == [f"{numbers[0]} (current)", *numbers[1:]], rows
    assert all(r["who"] == STAFF_EMAIL for r in rows)
    hid = [r for r in rows if r["summary"].startswith("hid “")]
    assert len(hid) == 1, rows
    hid_version = int(hid[0]["version"].split()[0])
    before = rows[len(rows) - hid_version + 1]
    assert before["version"] == str(hid_version - 1)
    assert before["counts"] == "2 / 0, published", before
    assert rows[-1]["summary"].startswith("created from the search"), rows[-1]

    page.get_by_role("button", name=f"Restore version {hid_version - 1}").click()
    current = len(rows) + 1
    expect(flash(page)).to_contain_text(f"restored version {hid_version - 1}")
    expect(flash(page)).to_contain_text(f"The collection is now version {current}.")
    expect(page.locator("tbody tr").first.locator("th")).to_have_text(f"{current} (current)")
    expect(page.locator("tbody tr").first.locator("td").nth(3)).to_have_text("2 / 0, published")
    expect(page.locator("tbody tr")).to_have_count(current)  # nothing in the history was lost

    visitor.goto(f"{site}/collections/{SLUG}")
    expect(visitor.locator("#summary")).to_have_text(f"{len(CO_OP)} entries")
    shown = hit_ids(visitor)
    assert shown[:2] == [SECOND_PIN, FIRST_PIN] and HIDDEN in shown, shown
    page.goto(f"{site}/staff/collections/{SLUG}")
    expect(page.locator("#hidden")).to_contain_text("No entries are hidden.")


# -- 6. fix a theme ---------------------------------------------------------------------------


def test_fix_an_entrys_themes(staff_page: Page, visitor: Page, site: str):
    page = staff_page
    page.goto(f"{site}/entries/{RETHEMED}")
    page.get_by_role("link", name="Change this entry’s themes (staff)").click()
    expect(page).to_have_url(f"{site}/staff/themes/entries/{RETHEMED}")
    expect(page.get_by_label("Food")).to_be_checked()
    expect(page.get_by_label("Energy")).not_to_be_checked()

    page.locator("label[for=theme-energy]").click()
    page.get_by_label("Food").focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("Energy")).to_be_checked()
    expect(page.get_by_label("Food")).not_to_be_checked()
    page.get_by_role("button", name="Save themes").click()

    expect(flash(page)).to_contain_text("set to: Energy.")
    expect(page.locator("main")).to_contain_text("In the index now: Energy (chosen by the library)")
    expect(page.get_by_label("Energy")).to_be_checked()

    visitor.goto(f"{site}/entries/{RETHEMED}")

    def entry_shows_energy() -> bool:
        # Entry pages may be cached for a minute: reload, as a visitor would, to revalidate.
        visitor.reload()
        return visitor.locator(".tags a.tag").all_inner_texts() == ["Energy"]

    poll("the new theme on the public entry page", entry_shows_energy)
    expect(visitor.locator(".theme-source")).to_have_text("Themes chosen by the library")

    visitor.goto(site + "/search")
    wait_for_app(visitor)
    checkbox(visitor, "theme", "energy").check()
    expect(visitor.locator("#summary")).to_contain_text("5 results")
    assert RETHEMED in hit_ids(visitor)
    counts = facet_counts(visitor, "themes")
    assert (counts["energy"], counts["food"]) == (5, 3), counts


# -- 7. push an entry with a token ------------------------------------------------------------


def test_push_an_entry_with_a_token_then_revoke_it(staff_page: Page, visitor: Page, site: str):
    page = staff_page
    page.goto(site + "/staff/tokens")
    page.get_by_label("Name").fill(TOKEN_NAME)
    page.get_by_role("button", name="Create token").click()
    expect(page.locator(".new-token")).to_contain_text(f"New token “{TOKEN_NAME}”")
    secret = page.get_by_label("Token", exact=True).input_value()
    assert len(secret) >= 32, secret
    row = page.locator("tbody tr", has=page.locator("th", has_text=TOKEN_NAME))
    expect(row.locator("td").first).to_have_text(f"{secret[:8]}…")

    # A script with only the token: the visitor's context has no staff cookie.
    url = f"{site}/api/v1/entries/{PUSHED_ID}"
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    response = visitor.request.put(url, headers=headers, data=json.dumps(PUSHED))
    assert response.status == 201, response.text()[:500]
    assert response.json()["entry"]["title"] == PUSHED["title"]

    def found() -> bool:
        answer = visitor.request.get(f"{site}/api/v1/search?q=zeppelin")
        return [hit["id"] for hit in answer.json()["hits"]] == [PUSHED_ID]

    seconds = poll("the pushed entry in the search results", found)
    assert seconds < 2.0, f"found after {seconds:.1f} s; the README promises two seconds"
    visitor.goto(site + "/search")
    wait_for_app(visitor)
    visitor.locator("#q").click()
    visitor.keyboard.type("zeppelin")
    visitor.keyboard.press("Enter")
    expect(visitor.locator("#summary")).to_contain_text("1 result")
    assert hit_ids(visitor) == [PUSHED_ID]
    expect(visitor.locator("#hits > li.hit h2 a")).to_have_text(PUSHED["title"])

    page.get_by_role("button", name=f"Revoke {TOKEN_NAME}").click()
    expect(flash(page)).to_contain_text(f"Token “{TOKEN_NAME}” ({secret[:8]}…) is revoked.")
    expect(row.locator("td").last).to_contain_text("revoked")
    replaced = {**PUSHED, "title": "Zeppelin Riders Sold Out"}
    response = visitor.request.put(url, headers=headers, data=json.dumps(replaced))
    assert response.status == 401, response.text()[:500]
    assert "error" in response.json()
    entry = visitor.request.get(f"{site}/entries/{PUSHED_ID}")
    assert entry.status == 200 and "Zeppelin Riders Share the Skies" in entry.text()


# -- 8. what visitors did not find ------------------------------------------------------------


def test_zero_result_searches_reach_the_dashboard(staff_page: Page, visitor: Page, site: str):
    visitor.goto(site + "/search")
    wait_for_app(visitor)
    for words in NOTHING_FOUND:
        visitor.locator("#q").click()
        visitor.keyboard.press("Control+A")
        visitor.keyboard.type(words)
        visitor.keyboard.press("Enter")
        expect(visitor).to_have_url(re.compile(r"[?&]q=" + re.escape(words.replace(" ", "+")) + "(&|$)"))
        expect(visitor.locator("#noresults")).to_be_visible()
        expect(visitor.locator("#noresults h2")).to_contain_text(f"“{words}”")

    page = staff_page
    page.goto(site + "/staff")
    page.locator("nav.staff-nav").get_by_role("link", name="Searches").click()
    expect(page.locator("h1")).to_have_text("What visitors search for")
    rows = page.locator("table.zero-results tbody tr").evaluate_all(
        "rows => rows.map(r => [r.cells[0].textContent.trim(), r.cells[1].textContent.trim()])"
    )
    assert ["xylophone", "2"] in rows and ["quasar pottery", "1"] in rows, rows
    assert rows[0] == ["xylophone", "2"], "the most frequent comes first"
    zero = page.locator("table.zero-results tbody tr", has=page.locator("th", has_text="xylophone"))
    expect(zero.locator(".results-now")).to_have_text("0")
    expect(zero.get_by_role("link", name="Start a collection from “xylophone”")).to_have_attribute(
        "href", "/staff/collections/new?q=xylophone"
    )
    # The librarian's own searches (co-op, in the tests above) are not recorded.
    top = page.locator("table.top-queries tbody th").all_inner_texts()
    assert "co-op" not in top and "xylophone" in top, top
    screenshot(page, "staff-analytics")


# -- 9. accessibility -------------------------------------------------------------------------

#: name: (path, staff?, the page's h1)
AUDITED = {
    "login": ("/staff/login", False, "Staff login"),
    "dashboard": ("/staff/", True, "Staff dashboard"),
    "collections": ("/staff/collections", True, "Collections"),
    "collection": (f"/staff/collections/{SLUG}", True, f"Collection “{TITLE}”"),
    "history": (f"/staff/collections/{SLUG}/history", True, f"History of “{TITLE}”"),
    "themes-review": ("/staff/themes/review", True, "Review automatic themes"),
    "analytics": ("/staff/analytics", True, "What visitors search for"),
    "public-collection": (f"/collections/{SLUG}", False, TITLE),
}


def open_audited(page: Page, site: str, name: str, staff_cookies: list, story: Story) -> None:
    path, staff, heading = AUDITED[name]
    if SLUG in path:
        story.needs(CURATED)
    if staff:
        page.context.add_cookies(staff_cookies)
    page.goto(site + path)
    expect(page.locator("h1")).to_have_text(heading)


@pytest.mark.parametrize("name", AUDITED)
def test_axe_on_staff_pages(page: Page, site: str, staff_cookies: list, story: Story, name: str):
    open_audited(page, site, name, staff_cookies, story)
    check_axe(page)


@pytest.mark.parametrize("name", ["public-collection", "collection"])
def test_no_horizontal_scroll_at_360px(page: Page, site: str, staff_cookies: list, story: Story, name: str):
    page.set_viewport_size(PHONE)
    open_audited(page, site, name, staff_cookies, story)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name} is {width}px wide at {PHONE['width']}px"
