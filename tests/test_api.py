"""webui (api.py, pages.py, params.py, errors.py): the HTTP contract, through Flask's test client
and through a real gunicorn started by `coopsearch serve`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

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

RESULT_KEYS = [
    "query",
    "total",
    "page",
    "per_page",
    "pages",
    "sort",
    "filters",
    "hits",
    "facets",
    "suggestion",
    "relaxations",
    "approximate",
    "relaxed",
    "themes_named",
    "query_cut",
    "took_ms",
]
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
    "body_html",
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
    # Two edits in 8 letters: beyond the typos matched (issue 13), so nothing is found.
    body = client.get("/api/v1/search?q=bakkerry").get_json()
    assert (body["total"], body["suggestion"]) == (0, "bakery")


def test_a_typo_is_matched_and_the_api_says_so(client):
    """One edit from "bakery" (issue 13): its entries, the food theme's that it names, and
    what was matched for what was typed; the spelling is still offered."""
    body = client.get("/api/v1/search?q=bakkery").get_json()
    assert body["hits"][0]["id"] == "bakery-worker-owners" and body["total"] == THEME_COUNTS["food"]
    assert body["approximate"] == [{"word": "bakkery", "kind": "typo", "matches": ["bakery"]}]
    assert body["themes_named"] == [{"id": "food", "label": "Food", "count": 4}]
    assert (body["suggestion"], body["relaxed"], body["query_cut"]) == ("bakery", None, None)


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
        ("q=solar%00wind", "q"),
        ("theme=" + "&theme=".join(f"t{i}" for i in range(51)), "theme"),
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(client, query, param):
    error = assert_error(client.get(f"/api/v1/search?{query}"), 400, "bad_parameter", param)
    assert "Traceback" not in error["message"]


def test_a_too_long_query_is_cut_and_answered(client):
    """Over 1,000 characters: cut at a word boundary and answered, no longer a 400 (issue 13);
    the response echoes the query as given and says where it was cut."""
    query = " ".join(["bakery"] * 300)
    response = client.get("/api/v1/search", query_string={"q": query})
    assert response.status_code == 200
    body = response.get_json()
    assert body["query"] == query and body["total"] == 1
    assert len(body["query_cut"]) <= 1000 and query.startswith(body["query_cut"])
    assert body["query_cut"].endswith(" bakery")


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


# -- GET /api/v1/suggest, /api/v1/themes, and the rest of search ----------------------------


def test_suggest_offers_words_then_titles(client):
    body = client.get("/api/v1/suggest?q=turb").get_json()
    assert body["query"] == "turb"
    assert body["suggestions"][0] == {"kind": "term", "text": "turbine"}
    titles = [s for s in body["suggestions"] if s["kind"] == "title"]
    assert titles[0] == {
        "kind": "title",
        "text": "Wind Turbine Cooperative Pays Members",
        "id": "j-wind-turbine",
        "url": "/entries/j-wind-turbine",
    }


def test_suggest_limit_and_text_are_returned_as_given(client):
    body = client.get("/api/v1/suggest?q=co&limit=2").get_json()
    assert len(body["suggestions"]) == 2
    body = client.get("/api/v1/suggest?q=%3Cscript%3E").get_json()
    # JSON carries text as it is; the page's script inserts it as text, never as HTML.
    assert body["query"] == "<script>"
    assert [s["text"] for s in body["suggestions"]] == ["Minutes Markup: <script> Tags in Board Minutes"]


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/suggest?q=co&limit=0", "limit"),
        ("/api/v1/suggest?q=co&limit=x", "limit"),
        ("/api/v1/suggest?q=co&format=xml", "format"),
        ("/api/v1/search?facet_size=0", "facet_size"),
    ],
)
def test_suggest_and_facet_size_bad_values(client, url, param):
    assert_error(client.get(url), 400, "bad_parameter", param)


def test_themes_list_ids_labels_descriptions_and_counts(client):
    themes = client.get("/api/v1/themes").get_json()["themes"]
    assert [t["id"] for t in themes] == list(THEME_LABELS)
    health = themes[0]
    assert health == {
        "id": "health",
        "label": "Health and care",
        "description": "Care co-ops, clinics and nursing.",
        "count": 3,
    }


def test_search_echoes_the_request_and_counts_pages(client):
    body = client.get(
        "/api/v1/search?q=co-op&theme=energy&from=2016&to=June+2021&per_page=3&sort=newest"
    ).get_json()
    assert body["query"] == "co-op" and body["sort"] == "newest"
    assert body["filters"] == {
        "theme": ["energy"],
        "author": [],
        "type": [],
        "from": "2016-01-01",
        "to": "2021-06-30",
    }
    assert (body["total"], body["pages"]) == (3, 1)
    assert client.get("/api/v1/search?per_page=5").get_json()["pages"] == 4  # 18 entries


def test_author_facet_size(client):
    assert len(client.get("/api/v1/search?facet_size=2").get_json()["facets"]["authors"]) == 2
    assert len(client.get("/api/v1/search").get_json()["facets"]["authors"]) == 6


def test_entry_body_html_is_rendered_and_escaped(client):
    body = client.get("/api/v1/entries/script-escape-entry").get_json()
    assert body["body_html"].startswith("<p>Never paste raw HTML such as &lt;script&gt;")
    assert "<script>" not in body["body_html"]


# -- HTML error pages (the pages themselves: test_pages.py) ------------------------------


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


@pytest.mark.parametrize(
    ("query", "field", "expected"),
    [
        ("gobernance", "approximate", [{"word": "gobernance", "kind": "typo", "matches": ["governance"]}]),
        ("mondr", "approximate", [{"word": "mondr", "kind": "prefix", "matches": ["mondragon"]}]),
        ("turbine bakery", "relaxed", {"wanted": ["turbine", "bakery"], "kept": ["turbine"]}),
        ("cooperative qqqzz", "relaxed", {"wanted": ["qqqzz"], "kept": []}),
        ("board", "themes_named", [{"id": "governance", "label": "Governance", "count": 7}]),
        ("tricycle", "query_cut", None),
    ],
)
def test_what_the_search_did_with_the_words(client, query, field, expected):
    body = client.get("/api/v1/search", query_string={"q": query}).get_json()
    assert body[field] == expected
    if field == "themes_named":  # the count is of the hits in the theme
        themed = client.get("/api/v1/search", query_string={"q": query, "theme": "governance"}).get_json()
        assert themed["total"] == expected[0]["count"] < body["total"]


def test_the_collection_json_carries_the_notices_too(staff_app, staff_settings):
    from conftest import STAFF_EMAIL

    from webui import collections
    from webui.db import open_db

    conn = open_db(staff_settings.staff_db)
    state = collections.State(
        title="Energy", slug="energy", published=True, search=collections.SavedSearch(themes=("energy",))
    )
    collections.create(conn, state, STAFF_EMAIL, "created")
    conn.close()
    results = staff_app.test_client().get("/api/v1/collections/energy?q=turbnie").get_json()["results"]
    assert results["approximate"] == [{"word": "turbnie", "kind": "typo", "matches": ["turbine"]}]
    assert results["themes_named"] == [{"id": "energy", "label": "Energy", "count": 4}]
    assert (results["relaxed"], results["query_cut"]) == (None, None)
