"""webui (api.py, pages.py, params.py, errors.py): the HTTP contract, through Flask's test client
and through a real gunicorn started by `coopsearch serve`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

import pytest
from testdata import (
    ALL_IDS,
    AUTHOR_COUNTS,
    SYNONYMS,
    THEME_COUNTS,
    THEME_LABELS,
    THEMES,
    TYPE_COUNTS,
    YEAR_COUNTS,
    facet_counts,
)

import webui

RESULT_KEYS = ["total", "page", "per_page", "hits", "facets", "suggestion", "took_ms"]
HIT_KEYS = [
    "id",
    "title",
    "url",
    "date",
    "authors",
    "themes",
    "theme_source",
    "type",
    "summary",
    "snippet",
    "score",
    "title_html",
]
ENTRY_KEYS = [
    "id",
    "title",
    "url",
    "date",
    "authors",
    "themes",
    "theme_source",
    "type",
    "summary",
    "body",
    "related",
]


def assert_error(response, status: int, code: str, param: str | None):
    assert response.status_code == status
    assert response.is_json
    body = response.get_json()
    assert list(body) == ["error"]
    assert list(body["error"]) == ["code", "message", "param"]
    assert body["error"]["code"] == code
    assert body["error"]["param"] == param
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


# -- GET /api/v1/search ---------------------------------------------------------------------


def test_search_response_has_exactly_the_documented_keys(client):
    response = client.get("/api/v1/search?q=tricycle")
    assert response.status_code == 200
    assert response.content_type == "application/json"
    body = response.get_json()
    assert list(body) == RESULT_KEYS
    assert (body["total"], body["page"], body["per_page"], body["suggestion"]) == (1, 1, 10, None)
    assert isinstance(body["took_ms"], float | int)
    assert list(body["hits"][0]) == HIT_KEYS
    assert list(body["facets"]) == ["themes", "authors", "types", "years"]


def test_search_hit_values(client):
    hit = client.get("/api/v1/search?q=tricycle").get_json()["hits"][0]
    assert hit == {
        "id": "tricycle-delivery",
        "title": "Cargo Tricycle Delivery for a Food Co-op",
        "url": None,
        "date": "2024-02-01",
        "authors": ["Maya Chen"],
        "themes": ["food"],
        "theme_source": "curated",
        "type": "news",
        "summary": "A food co-op delivers orders by cargo tricycle across the old town.",
        "snippet": hit["snippet"],
        "score": hit["score"],
        "title_html": "Cargo <mark>Tricycle</mark> Delivery for a Food Co-op",
    }
    assert hit["score"] > 0
    assert hit["snippet"].startswith(
        "Two riders deliver up to forty orders a day by cargo <mark>tricycle</mark>"
    )


def test_facet_values_have_value_count_selected_and_theme_labels(client):
    body = client.get("/api/v1/search?theme=energy").get_json()
    for name, values in body["facets"].items():
        for value in values:
            expected = ["value", "count", "selected"] + (["label"] if name == "themes" else [])
            assert list(value) == expected
    themes = {v["value"]: v for v in body["facets"]["themes"]}
    assert themes["energy"] == {"value": "energy", "count": 4, "selected": True, "label": "Energy"}
    assert {v: t["label"] for v, t in themes.items()} == THEME_LABELS


def test_search_without_parameters_counts_the_whole_library(client):
    body = client.get("/api/v1/search").get_json()
    assert body["total"] == 18
    assert facet_counts(body, "themes") == THEME_COUNTS
    assert facet_counts(body, "authors") == AUTHOR_COUNTS
    assert facet_counts(body, "types") == TYPE_COUNTS
    assert facet_counts(body, "years") == YEAR_COUNTS


def test_repeated_parameters_mean_any_of(client):
    body = client.get("/api/v1/search?theme=housing&theme=health&per_page=100").get_json()
    assert body["total"] == 5
    assert {v["value"] for v in body["facets"]["themes"] if v["selected"]} == {"housing", "health"}
    body = client.get("/api/v1/search?author=Maya+Chen&author=Sam+Patel&per_page=100").get_json()
    assert body["total"] == 6
    body = client.get("/api/v1/search?type=guide&type=Interview&per_page=100").get_json()
    assert {h["id"] for h in body["hits"]} == {"script-escape-entry", "j-nurse-training", "j-cafe-sociocracy"}


def test_query_dates_sort_and_paging_parameters(client):
    body = client.get(
        "/api/v1/search?q=co-op&from=June+2023&to=2024&sort=oldest&per_page=1&page=2"
    ).get_json()
    assert (body["total"], body["page"], body["per_page"]) == (2, 2, 1)
    assert [h["id"] for h in body["hits"]] == ["tricycle-delivery"]


def test_theme_parameter_is_case_insensitive(client):
    assert client.get("/api/v1/search?theme=Energy").get_json()["total"] == 4


def test_non_ascii_is_sent_as_is(client):
    response = client.get("/api/v1/search?q=Mondragon")
    assert "Mondragón".encode() in response.data
    assert response.get_json()["hits"][0]["id"] == "mondragon-bank-history"


def test_suggestion_in_the_api(client):
    body = client.get("/api/v1/search?q=bakkery").get_json()
    assert (body["total"], body["suggestion"]) == (0, "bakery")


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=-1", "page"),
        ("page=1001", "page"),
        ("per_page=101", "per_page"),
        ("per_page=0", "per_page"),
        ("per_page=ten", "per_page"),
        ("sort=bogus", "sort"),
        ("from=garbage", "from"),
        ("to=the+day+after+tomorrow", "to"),
        ("from=June", "from"),
        ("from=2021&to=2020", "from"),
        ("theme=unknown", "theme"),
        ("theme=energy&theme=unknown", "theme"),
        ("q=" + "a" * 1001, "q"),
        ("q=solar%00wind", "q"),
        ("theme=" + "&theme=".join(f"t{i}" for i in range(51)), "theme"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, query, param):
    error = assert_error(client.get(f"/api/v1/search?{query}"), 400, "bad_parameter", param)
    assert "Traceback" not in error["message"]


def test_bad_date_message_says_what_would_work(client):
    error = assert_error(client.get("/api/v1/search?from=garbage"), 400, "bad_parameter", "from")
    assert "'garbage'" in error["message"]
    assert "2023-06-16" in error["message"]


def test_unknown_theme_message_lists_the_themes(client):
    error = assert_error(client.get("/api/v1/search?theme=unknown"), 400, "bad_parameter", "theme")
    assert "energy, food, governance, health, housing" in error["message"]


def test_deeply_nested_query_is_not_a_server_error(client):
    response = client.get("/api/v1/search", query_string={"q": "(" * 1000})
    assert response.status_code == 200, response.get_json()


def test_unknown_api_route_and_wrong_method_use_the_error_shape(client):
    assert_error(client.get("/api/v1/nothing-here"), 404, "not_found", None)
    assert_error(client.post("/api/v1/search"), 405, "method_not_allowed", None)


# -- GET /api/v1/entries/<id> ---------------------------------------------------------------


def test_entry_with_related_entries(client):
    response = client.get("/api/v1/entries/j-wind-turbine")
    assert response.status_code == 200
    body = response.get_json()
    assert list(body) == ENTRY_KEYS
    assert (body["id"], body["title"], body["date"]) == (
        "j-wind-turbine",
        "Wind Turbine Cooperative Pays Members",
        "2021-07-04",
    )
    assert (
        body["body"] == "Members of the wind cooperative received a dividend from the turbine's first year."
    )
    related = [hit["id"] for hit in body["related"]]
    assert 0 < len(related) <= 5
    assert "j-wind-turbine" not in related
    assert set(related) <= ALL_IDS
    assert all(list(hit) == HIT_KEYS for hit in body["related"])


def test_auto_themed_entry_says_so(client):
    body = client.get("/api/v1/entries/auto-themed-energy").get_json()
    assert (body["themes"], body["theme_source"]) == (["energy"], "auto")


def test_unknown_entry_is_404_in_the_error_shape(client):
    error = assert_error(client.get("/api/v1/entries/no-such-entry"), 404, "not_found", None)
    assert "no-such-entry" in error["message"]


# -- HTML pages -----------------------------------------------------------------------------


class Links(HTMLParser):
    """The links of a page as (href, text)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._href, self._text = dict(attrs).get("href"), []

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._text).strip()))
            self._href = None


def links_of(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    parser = Links()
    parser.feed(html)
    return [(urlsplit(href).path, parse_qsl(urlsplit(href).query)) for href, _ in parser.links]


def test_home_page_lists_newest_entries_and_themes_without_javascript(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script" not in html
    assert '<form class="searchbox" role="search" action="/search" method="get">' in html
    links = links_of(html)
    assert ("/entries/tricycle-delivery", []) in links
    for theme in THEME_LABELS:
        assert ("/search", [("theme", theme)]) in links
    assert "Health and care</a> (3)" in html


def test_search_page_shows_results_and_facet_links(client):
    response = client.get("/search?q=co-op&theme=energy")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "4 results for <strong>co-op</strong>" in html
    links = links_of(html)
    # A facet link adds its value to the current filters; a selected one removes it.
    assert ("/search", [("q", "co-op"), ("theme", "energy"), ("theme", "food")]) in links
    assert ("/search", [("q", "co-op")]) in links
    assert ("/search", [("q", "co-op"), ("theme", "energy"), ("author", "Tom Okafor")]) in links
    assert ("/search", [("q", "co-op"), ("theme", "energy"), ("from", "2021"), ("to", "2021")]) in links
    assert ("/entries/j-wind-turbine", []) in links
    assert "Wind Turbine <mark>Cooperative</mark> Pays Members" in html


def test_search_page_paging_links(client):
    html = client.get("/search?q=co-op&per_page=2").get_data(as_text=True)
    assert ("/search", [("q", "co-op"), ("per_page", "2"), ("page", "2")]) in links_of(html)


def test_search_page_escapes_the_query_and_the_entries(client):
    html = client.get("/search?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Minutes Markup: &lt;<mark>script</mark>&gt; Tags" in html


def test_search_page_suggestion_link(client):
    html = client.get("/search?q=bakkery").get_data(as_text=True)
    assert ("/search", [("q", "bakery")]) in links_of(html)


def test_entry_page_escapes_the_entry(client):
    response = client.get("/entries/script-escape-entry")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<script" not in html
    assert "&lt;script&gt;alert(" in html
    assert "<h2>Related entries</h2>" in html


def test_html_errors_are_pages_not_json(client):
    response = client.get("/search?page=abc")
    assert response.status_code == 400
    assert response.content_type.startswith("text/html")
    assert "page must be a whole number" in response.get_data(as_text=True)
    response = client.get("/entries/no-such-entry")
    assert response.status_code == 404
    assert response.content_type.startswith("text/html")


# -- no index -------------------------------------------------------------------------------


@pytest.fixture
def client_without_index(tmp_path):
    settings = webui.Settings(
        index_dir=tmp_path / "no-index-here", synonyms_file=SYNONYMS, themes_file=THEMES
    )
    return webui.create_app(settings).test_client()


@pytest.mark.parametrize(
    "path", ["/api/v1/search", "/api/v1/search?q=co-op", "/api/v1/entries/j-rent-strike"]
)
def test_missing_index_is_503_in_the_error_shape(client_without_index, path):
    response = client_without_index.get(path)
    error = assert_error(response, 503, "index_unavailable", None)
    assert "no-index-here" not in error["message"]  # no server paths in public messages
    assert response.headers["Retry-After"] == "30"


def test_missing_index_is_a_503_page(client_without_index):
    response = client_without_index.get("/")
    assert response.status_code == 503
    assert response.content_type.startswith("text/html")


# -- through a real gunicorn ----------------------------------------------------------------


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read())


def without_timing(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "took_ms"}


def test_the_same_search_through_gunicorn(server, client):
    path = "/api/v1/search?q=nurses+home+care&theme=health&theme=housing&sort=relevance"
    status, body = get_json(server + path)
    assert status == 200
    assert without_timing(body) == without_timing(client.get(path).get_json())
    assert [h["id"] for h in body["hits"]] == ["nurses-home-care-coop", "j-nurse-training"]


def test_synonyms_and_entries_through_gunicorn(server):
    status, body = get_json(server + "/api/v1/search?q=photovoltaic")
    assert status == 200
    assert {h["id"] for h in body["hits"]} == {"pv-array-farm", "solar-coop-rooftops"}
    status, body = get_json(server + "/api/v1/entries/esop-buyout")
    assert (status, body["title"]) == (200, "An ESOP Buys a Print Shop")


def test_errors_through_gunicorn(server):
    status, body = get_json(server + "/api/v1/search?per_page=101")
    assert status == 400
    assert body["error"]["param"] == "per_page"
    status, body = get_json(server + "/api/v1/entries/no-such-entry")
    assert (status, body["error"]["code"]) == (404, "not_found")


def test_html_through_gunicorn(server):
    with urllib.request.urlopen(server + "/search?q=tricycle", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/html")
        assert "Cargo <mark>Tricycle</mark> Delivery" in response.read().decode("utf-8")
