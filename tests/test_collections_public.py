"""Published collections for visitors (webui/collections_public.py): the page, the feed, the
JSON, the index, drafts, and caching, on the test library with a real staff database."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from conftest import STAFF_EMAIL
from pagehtml import href_parts, parse
from test_openapi import check_response

from webui import collections
from webui.db import open_db

SLUG = "energy-co-ops"
BASE = f"/collections/{SLUG}"
STATE = collections.State(
    title="Energy co-ops",
    slug=SLUG,
    description="## Why\n\nSun **and** wind. <script>alert(1)</script>",
    themes=("energy",),
    published=True,
    search=collections.SavedSearch(themes=("energy",), sort="newest"),
    pinned=("bakery-worker-owners", "tricycle-delivery"),
    hidden=("pv-array-farm",),
)
#: What visitors see: the pinned entries in their order, then the energy entries newest first.
SHOWN = [
    "bakery-worker-owners",
    "tricycle-delivery",
    "j-wind-turbine",
    "solar-coop-rooftops",
    "auto-themed-energy",
]
HIDDEN_TITLE = "Photovoltaic Panels for a Dairy Cooperative"


@pytest.fixture
def db(staff_settings):
    conn = open_db(staff_settings.staff_db)
    yield conn
    conn.close()


@pytest.fixture
def visitor(staff_app, db):
    """A visitor of an app with one published collection (STATE) and one draft."""
    collections.create(db, STATE, STAFF_EMAIL, "created")
    draft = collections.State(title="Draft", slug="draft", search=collections.SavedSearch("wind"))
    collections.create(db, draft, STAFF_EMAIL, "created")
    return staff_app.test_client()


def hit_ids(page) -> list[str]:
    return [
        a.attrs["href"].removeprefix("/entries/")
        for a in page.find("ol", id="hits").find_all("a")
        if a.attrs["href"].startswith("/entries/")
    ]


def get_page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return parse(response.get_data(as_text=True))


# -- the page ------------------------------------------------------------------------------


def test_the_page_shows_pinned_first_and_never_the_hidden(visitor):
    response = visitor.get(BASE)
    html = response.get_data(as_text=True)
    page = parse(html)
    assert hit_ids(page) == SHOWN
    assert page.find("h1").text == "Energy co-ops"
    assert page.find("p", id="summary").text == "5 entries"
    assert HIDDEN_TITLE not in html and "pv-array-farm" not in html
    types = {i.attrs["value"] for i in page.find("fieldset", data_facet="types").find_all("input")}
    assert types == {"case study", "news", "article"}  # not "report", the hidden entry's type


def test_the_description_is_rendered_markdown_with_html_escaped(visitor):
    description = get_page(visitor, BASE).find("div", cls="collection-description")
    assert description.find("h2").text == "Why"
    assert description.find("strong").text == "and"
    assert description.find_all("script") == []
    assert "<script>alert(1)</script>" in description.text


def test_every_link_and_form_stays_within_the_collection(visitor):
    page = get_page(visitor, f"{BASE}?q=co-op&theme=energy&author=Tom+Okafor")
    for region in (page.find("div", id="results"), page.find("aside", id="filters-panel")):
        for path, _ in region.links():
            assert path in (BASE, "") or path.startswith("/entries/"), path  # "": #filters-panel
    assert page.find("form", id="searchform").attrs["action"] == BASE
    assert page.find("form", id="filters").attrs["action"] == BASE
    chips = [href_parts(a.attrs["href"]) for a in page.find_all("a", cls="chip")]
    assert chips == [
        (BASE, [("q", "co-op"), ("author", "Tom Okafor")]),
        (BASE, [("q", "co-op"), ("theme", "energy")]),
    ]


def test_the_search_box_and_filters_search_within_the_collection(visitor):
    # "solar" and "bakery" name the energy and food themes (issue 13): the collection's
    # entries of the theme, newest first as it is sorted, never the hidden pv-array-farm.
    assert hit_ids(get_page(visitor, f"{BASE}?q=solar")) == [
        "j-wind-turbine",
        "solar-coop-rooftops",
        "auto-themed-energy",
    ]
    assert hit_ids(get_page(visitor, f"{BASE}?q=bakery")) == ["bakery-worker-owners", "tricycle-delivery"]
    page = get_page(visitor, f"{BASE}?theme=food")
    assert hit_ids(page) == ["bakery-worker-owners", "tricycle-delivery"]
    counts = {i.attrs["value"]: i for i in page.find("fieldset", data_facet="themes").find_all("input")}
    assert set(counts) == {"energy", "food"} and "checked" in counts["food"].attrs
    assert get_page(visitor, f"{BASE}?q=mondragon").find("div", id="noresults")


def test_the_filters_keep_their_apply_button_with_javascript_on(visitor):
    # style.css hides `.js .apply` because app.js applies filters on the search page; it does
    # not enhance collection pages, so their button must stay visible.
    form = get_page(visitor, BASE).find("form", id="filters")
    assert [p.classes for p in form.find_all("p") if p.find_all("button")] == [{"collection-apply"}]


def test_without_sort_the_collections_order_applies_and_relevance_stays_choosable(visitor):
    page = get_page(visitor, BASE)
    sorts = {a.text: a for a in page.find("p", cls="sort").find_all("a")}
    assert sorts["newest first"].attrs.get("aria-current") == "true"
    assert href_parts(sorts["relevance"].attrs["href"]) == (BASE, [("sort", "relevance")])
    assert hit_ids(get_page(visitor, f"{BASE}?sort=oldest"))[2:] == [
        "auto-themed-energy",
        "solar-coop-rooftops",
        "j-wind-turbine",
    ]


def test_paging_continues_after_the_pinned_entries(visitor):
    assert hit_ids(get_page(visitor, f"{BASE}?per_page=2&page=2")) == [
        "j-wind-turbine",
        "solar-coop-rooftops",
    ]


@pytest.mark.parametrize("url", ["/collections/draft", "/collections/draft.atom", "/collections/nope"])
def test_drafts_and_unknown_collections_are_not_found(visitor, url):
    assert visitor.get(url).status_code == 404


def test_a_deleted_collection_is_gone(visitor, db):
    collections.delete(db, SLUG, STAFF_EMAIL)
    assert visitor.get(BASE).status_code == 404
    assert visitor.get(f"/api/v1/collections/{SLUG}").status_code == 404


def test_the_index_lists_published_collections_only(visitor):
    page = get_page(visitor, "/collections")
    items = page.find("ul", cls="collection-list").find_all("li")
    assert [(li.find("a").attrs["href"], li.find("p").text) for li in items] == [(BASE, "5 entries · Energy")]


# -- the feed ------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_feed_is_newest_first_with_pinned_entries_in_their_place(visitor):
    response = visitor.get(f"{BASE}.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.find(f"{ATOM}title").text == "Energy co-ops – Co-op Library Search"
    ids = [e.find(f"{ATOM}id").text.rsplit("/", 1)[-1] for e in feed.findall(f"{ATOM}entry")]
    assert ids == [
        "tricycle-delivery",
        "bakery-worker-owners",
        "j-wind-turbine",
        "solar-coop-rooftops",
        "auto-themed-energy",
    ]
    assert feed.find(f"{ATOM}link[@rel='alternate']").get("href") == f"http://localhost{BASE}"
    assert visitor.get(f"{BASE}.atom?per_page=2").data.count(b"<entry>") == 2


def test_the_page_links_its_feed(visitor):
    page = get_page(visitor, BASE)
    assert page.find("link", rel="alternate").attrs["href"] == f"{BASE}.atom"


# -- the JSON API ---------------------------------------------------------------------------

API = f"/api/v1/collections/{SLUG}"
DOCUMENTED = "/api/v1/collections/{slug}"


def test_the_json_has_the_collection_and_the_search_shape(visitor):
    response = visitor.get(API)
    assert response.status_code == 200
    check_response(response, DOCUMENTED)
    body = response.get_json()
    assert {k: body["collection"][k] for k in ("slug", "title", "themes", "version", "url", "feed_url")} == {
        "slug": SLUG,
        "title": "Energy co-ops",
        "themes": ["energy"],
        "version": 1,
        "url": BASE,
        "feed_url": f"{BASE}.atom",
    }
    assert "<h2>Why</h2>" in body["collection"]["description_html"]
    assert [h["id"] for h in body["results"]["hits"]] == SHOWN
    assert body["results"]["sort"] == "newest"
    assert {v["value"] for v in body["results"]["facets"]["types"]} == {"case study", "news", "article"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_json_takes_the_search_parameters(visitor):
    response = visitor.get(f"{API}?q=co-op&type=news&per_page=1&page=2&sort=oldest&facet_size=1")
    check_response(response, DOCUMENTED)
    results = response.get_json()["results"]
    # News about co-ops: the pinned tricycle-delivery first, then the oldest of the rest.
    assert (results["total"], results["page"], [h["id"] for h in results["hits"]]) == (
        3,
        2,
        ["solar-coop-rooftops"],
    )


@pytest.mark.parametrize(
    ("url", "status", "param"),
    [
        ("/api/v1/collections/draft", 404, None),
        ("/api/v1/collections/nope", 404, None),
        (f"{API}?sort=best", 400, "sort"),
        ("/api/v1/collections/nope?page=0", 400, "page"),
    ],
)
def test_json_errors_are_documented(visitor, url, status, param):
    response = visitor.get(url)
    assert response.status_code == status
    check_response(response, DOCUMENTED)
    assert response.get_json()["error"]["param"] == param


# -- caching ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [BASE, f"{BASE}.atom", API, "/collections"])
def test_a_change_to_the_collection_changes_the_etag(visitor, db, url):
    first = visitor.get(url)
    etag = first.headers["ETag"]
    assert visitor.get(url, headers={"If-None-Match": etag}).status_code == 304
    collections.change(db, SLUG, collections.hide("j-wind-turbine", "Wind"), STAFF_EMAIL, "hide")
    again = visitor.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    assert b"j-wind-turbine" not in again.data or url == "/collections"


def test_last_modified_is_the_collections_last_change(visitor, db):
    updated = collections.get(db, SLUG).updated_at
    response = visitor.get(BASE)
    assert response.last_modified.strftime("%Y-%m-%dT%H:%M:%SZ") == updated
    assert response.headers["Cache-Control"] == "public, max-age=60"


def _withdraw(db, how: str) -> None:
    if how == "unpublished":
        collections.change(db, SLUG, collections.publish(False), STAFF_EMAIL, "unpublish")
    else:
        collections.delete(db, SLUG, STAFF_EMAIL)


@pytest.mark.parametrize("how", ["unpublished", "deleted"])
@pytest.mark.parametrize("url", [BASE, f"{BASE}.atom", API])
def test_a_withdrawn_collection_is_404_whatever_the_validators(visitor, db, url, how):
    """A client (or cache) holding validators from when the collection was published must
    hear that it is gone: a 404 before any conditional check, never a 304."""
    first = visitor.get(url)
    assert first.status_code == 200
    _withdraw(db, how)
    for headers in (
        {"If-Modified-Since": first.headers["Last-Modified"]},
        {"If-None-Match": first.headers["ETag"]},
        {"If-None-Match": "*"},
        {"If-None-Match": "*", "If-Modified-Since": first.headers["Last-Modified"]},
    ):
        response = visitor.get(url, headers=headers)
        assert response.status_code == 404, (headers, response.status_code)
        assert "ETag" not in response.headers


def test_if_none_match_star_is_304_only_for_a_collection_that_exists(visitor):
    assert visitor.get(BASE, headers={"If-None-Match": "*"}).status_code == 304
    assert visitor.get("/collections/draft", headers={"If-None-Match": "*"}).status_code == 404


def test_the_page_says_what_the_search_did_with_the_words(visitor):
    page = get_page(visitor, f"{BASE}?q=turbine+bakery")
    notices = [p.text for p in page.find("div", id="notices").find_all("p")]
    assert notices == ["No entry has all of turbine, bakery; showing entries with turbine."]
    typo = get_page(visitor, f"{BASE}?q=turbnie")
    # The collection is the energy theme (and two pins): no filter on it is offered.
    assert [p.text for p in typo.find("div", id="notices").find_all("p")] == ["Including results for turbine"]
