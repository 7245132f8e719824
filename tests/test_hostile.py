"""Hostile input: property-based tests (hypothesis) of query parsing, the engine and request
parameters, ids with path tricks, and oversized bodies.

Whatever a visitor sends, the answer is results (200) or a 400 in our error shape, within a
bounded time, never a 500. Examples are derandomized so a CI run is reproducible; the time
bound is our own assertion (`deadline=None`), generous enough for a shared CI machine.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import STAFF_EMAIL, csrf_token
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import search
import webui
from search.query import Group, parse_query
from webui import accounts
from webui.db import open_db

MAX_SECONDS = 2.0
CI = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# -- strategies -----------------------------------------------------------------------------

#: Any Unicode text a URL can carry: everything but lone surrogates (not encodable in UTF-8).
ANY_CHAR = st.characters(exclude_categories=("Cs",))
#: Pieces a naive engine or parser would choke on: operators, fields, wildcards that would
#: expand to thousands of terms, quotes, parentheses, control characters and RTL marks.
FRAGMENTS = st.sampled_from(
    [
        "co*",
        "*",
        "?",
        "c?op",
        "**",
        "a*b*c*",
        "~",
        "^2",
        "\\",
        "'",
        '"',
        '""',
        "(",
        ")",
        "()",
        "AND",
        "OR",
        "NOT",
        "+",
        "-",
        "+(",
        "-(",
        "title:",
        "theme:",
        "year:",
        "year:2019..2010",
        "year:>=9999",
        "year:<0000",
        "year:>9999",
        "date:",
        "by:",
        "type:*",
        "theme:*",
        ":",
        "::",
        "a:b:c",
        "\x00",
        "\x01",
        "\x1f",
        "\x7f",
        "\u200f",
        "\u202e",
        "\u2066",
        "\ufeff",
        "\u0301",
        "coöp",
        "кооператив",
        "協同組合",
        "تعاونية",
        "🧑‍🌾",
        "%00",
        "%2e%2e",
        "../",
        "<script>",
        "energy",
        "cooperative",
        "housing",
    ]  # fmt: skip
)
WORDS = st.lists(st.one_of(FRAGMENTS, st.text(ANY_CHAR, max_size=12)), max_size=30).map(" ".join)
NESTED = st.builds(
    lambda depth, inner, closed: "(" * depth + inner + ")" * (depth if closed else depth // 2),
    st.integers(0, 2000),
    WORDS,
    st.booleans(),
)
QUOTES = st.builds(
    lambda n, w: '"'.join([w] * n), st.integers(1, 500), st.sampled_from(["a", " co", "", "x y"])
)
LONG = st.builds(
    lambda n, w: (w + " ") * n, st.integers(100, 1500), st.sampled_from(["co*", "a", "(x", "OR", "-"])
)
QUERIES = st.one_of(st.text(ANY_CHAR, max_size=300), WORDS, NESTED, QUOTES, LONG)
#: Numbers and dates as a visitor (or a robot) might type them.
NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(["", " ", "1e3", "0x10", "1.5", "NaN", "inf", "-0", "٣", "１２", "1_000", "9" * 400]),
    st.text(ANY_CHAR, max_size=20),
)
DATES = st.one_of(
    st.sampled_from(["2020", "June 2023", "2023-06-16", "0000", "99999", "2023-02-30", "-1", "1e9"]),
    st.sampled_from(["yesterday", "2023-13-01", "31/31/2020", "２０２０", "2020\x00", "T", "9" * 300]),
    st.text(ANY_CHAR, max_size=30),
)
SEARCH_PARAMS = st.lists(
    st.tuples(
        st.sampled_from(
            ["q", "theme", "author", "type", "from", "to", "sort", "page", "per_page", "facet_size"]
        ),
        st.one_of(QUERIES, NUMBERS, DATES),
    ),
    max_size=8,
)

# -- helpers --------------------------------------------------------------------------------


def timed_get(client, path: str, params):
    start = time.perf_counter()
    response = client.get(path, query_string=params)
    took = time.perf_counter() - start
    assert took < MAX_SECONDS, f"{path} {params!r:.200} took {took:.2f}s"
    return response


def assert_api_answer(response, ok: tuple[int, ...] = (200,)) -> None:
    """200 (or another expected status) with JSON, or a 400 in the API's error shape."""
    assert response.status_code in (*ok, 400), (response.status_code, response.get_data(as_text=True)[:500])
    body = response.get_json()
    if response.status_code >= 400:
        assert set(body) == {"error"}
        assert set(body["error"]) == {"code", "message", "param"}
        assert isinstance(body["error"]["message"], str) and body["error"]["message"]


def assert_page_answer(response, ok: tuple[int, ...] = (200,)) -> None:
    assert response.status_code in (*ok, 400), (response.status_code, response.get_data(as_text=True)[:500])
    assert "Traceback" not in response.get_data(as_text=True)


# -- the parser and the engine --------------------------------------------------------------


@CI
@given(QUERIES)
def test_parse_query_never_raises_and_is_quick(text):
    start = time.perf_counter()
    tree = parse_query(text)
    assert time.perf_counter() - start < MAX_SECONDS
    assert isinstance(tree, Group)


def test_deep_parentheses_are_bounded():
    """Ten thousand levels neither recurse past Python's limit nor take long."""
    start = time.perf_counter()
    tree = parse_query("(" * 10_000 + "energy" + ")" * 10_000)
    assert time.perf_counter() - start < MAX_SECONDS
    assert isinstance(tree, Group)


@CI
@given(QUERIES)
def test_engine_answers_any_query(engine, text):
    start = time.perf_counter()
    try:
        results = engine.search(search.SearchRequest(query=text))
    except search.BadRequest as exc:
        assert exc.message
    else:
        assert 0 <= len(results.hits) <= results.total
    assert time.perf_counter() - start < MAX_SECONDS


@pytest.mark.parametrize("text", ["*", "?", "co*", "c*", "*o*", "a* b* c* d* e* f*", "* " * 200])
def test_wildcards_are_not_expanded(engine, text):
    """Wildcards are plain characters: they match nothing, they do not expand to every term."""
    start = time.perf_counter()
    results = engine.search(search.SearchRequest(query=text))
    assert time.perf_counter() - start < MAX_SECONDS
    assert results.total == 0


@CI
@given(st.one_of(QUERIES, st.text(ANY_CHAR, max_size=50)), st.integers(1, 20))
def test_engine_completes_any_text(engine, text, limit):
    start = time.perf_counter()
    completions = engine.complete(text, limit)
    assert time.perf_counter() - start < MAX_SECONDS
    assert len(completions) <= limit


# -- request parameters through the app ----------------------------------------------------


@CI
@given(SEARCH_PARAMS)
def test_api_search_answers_200_or_400(client, params):
    assert_api_answer(timed_get(client, "/api/v1/search", params))


@CI
@given(SEARCH_PARAMS)
def test_search_page_answers_200_or_400(client, params):
    assert_page_answer(timed_get(client, "/search", params))


@CI
@given(SEARCH_PARAMS)
def test_search_feed_answers_200_or_400(client, params):
    assert_page_answer(timed_get(client, "/search.atom", params))


@CI
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["q", "limit", "format"]), st.one_of(QUERIES, NUMBERS, st.just("opensearch"))
        ),
        max_size=5,
    )
)
def test_suggest_answers_200_or_400(client, params):
    response = timed_get(client, "/api/v1/suggest", params)
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:500]
    if response.mimetype == "application/json":
        assert_api_answer(response)
    else:
        assert response.mimetype == "application/x-suggestions+json"
        assert isinstance(json.loads(response.get_data(as_text=True)), list)


@CI
@given(SEARCH_PARAMS)
def test_unknown_collection_answers_404_or_400(client, params):
    assert_api_answer(timed_get(client, "/api/v1/collections/x", params), ok=(404,))


@pytest.mark.parametrize("name", ["q", "theme", "author", "type", "from", "page", "per_page", "sort"])
@pytest.mark.parametrize("path", ["/api/v1/search", "/search", "/search.atom"])
def test_repeated_parameters(client, path, name):
    """A parameter given hundreds of times: the first wins, or a 400 (at most 50 filter values)."""
    response = timed_get(client, path, [(name, str(i)) for i in range(500)])
    assert response.status_code in (200, 400)
    if name in ("theme", "author", "type"):
        assert response.status_code == 400


#: Year ranges that lie beyond the dates Python can hold (1-9999) at one end or the other.
YEARS_OUT_OF_RANGE = ["year:>9999", "year:<0001", "year:0000", "year:<0000", "year:0000..0000"]


@pytest.fixture
def collection_visitor(staff_app, staff_settings):
    """A visitor of an app with one published collection."""
    from webui import collections

    conn = open_db(staff_settings.staff_db)
    state = collections.State(title="Energy", slug="energy", published=True, themes=("energy",))
    collections.create(conn, state, STAFF_EMAIL, "created")
    conn.close()
    return staff_app.test_client()


@pytest.mark.parametrize("query", YEARS_OUT_OF_RANGE)
@pytest.mark.parametrize(
    "path",
    ["/api/v1/search", "/search", "/search.atom", "/api/v1/suggest", "/api/v1/collections/energy",
     "/collections/energy", "/collections/energy.atom"],
)  # fmt: skip
def test_years_past_what_a_date_holds_find_nothing(collection_visitor, path, query):
    """A year range beyond 1-9999 is a range no entry's date is in: no results, never a 500."""
    response = collection_visitor.get(path, query_string={"q": f"energy {query}"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    if path == "/api/v1/search":
        assert response.get_json()["total"] == 0


def test_nul_in_query_is_a_400_in_the_error_shape(client):
    response = client.get("/api/v1/search", query_string={"q": "energy\x00"})
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "q"


# -- ids with path tricks -------------------------------------------------------------------

TRICKY_IDS = [
    "..",
    "../../etc/passwd",
    "%2e%2e",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%2f..%2fstaff.sqlite3",
    "%2F",
    "a%2Fb",
    "..\\..\\windows",
    "%5c..%5c",
    "a%00b",
    "%00",
    "%c0%ae%c0%ae",
    "x" * 5000,
    "%252e%252e",
]


@pytest.mark.parametrize("entry_id", TRICKY_IDS)
@pytest.mark.parametrize("prefix", ["/api/v1/entries/", "/entries/"])
def test_tricky_ids_are_refused_on_get(client, prefix, entry_id):
    response = timed_get(client, prefix + entry_id, None)
    assert response.status_code in (400, 404, 422), response.status_code
    if prefix.startswith("/api/"):
        assert_api_answer(response, ok=(404, 422))


@pytest.fixture
def write_settings(staff_settings: webui.Settings, index_copy: Path) -> webui.Settings:
    return replace(staff_settings, index_dir=index_copy)


@pytest.fixture
def write_app(write_settings):
    app = webui.create_app(write_settings)
    app.config["COOPSEARCH_WRITE_WAIT"] = 0.3
    return app


@pytest.fixture
def token(write_settings) -> str:
    conn = open_db(write_settings.staff_db)
    try:
        account = accounts.find_account(conn, STAFF_EMAIL)
        return accounts.create_token(conn, account.id, "hostile")[1]
    finally:
        conn.close()


def _files(*roots: Path) -> dict[Path, float]:
    return {p: p.stat().st_mtime_ns for root in roots for p in root.rglob("*") if p.is_file()}


def test_tricky_ids_are_refused_on_put_and_touch_no_file(write_app, write_settings, token, tmp_path):
    """Every tricky id is refused (404: no such route, 422: not a valid id), and no file in the
    test's folder (library, index and all) changes but the staff database and its side files."""
    staff_db = Path(write_settings.staff_db)
    before = _files(tmp_path)
    client = write_app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for entry_id in TRICKY_IDS:
        for method in (client.put, client.delete):
            response = method(f"/api/v1/entries/{entry_id}", data=json.dumps({"title": "x"}), headers=headers)
            assert response.status_code in (404, 405, 422), (entry_id, response.status_code)
            assert_api_answer(response, ok=(404, 405, 422))
    after = _files(tmp_path)
    changed = {p for p in after if before.get(p) != after[p]} | (set(before) - set(after))
    assert {p for p in changed if not p.name.startswith(staff_db.name)} == set()


# -- oversized bodies -----------------------------------------------------------------------


def test_oversized_entry_is_a_413(write_app, token):
    from webui.entries_api import MAX_BODY

    body = json.dumps({"title": "big", "body": "x" * (MAX_BODY + 10)})
    response = write_app.test_client().put(
        "/api/v1/entries/big",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert_api_answer(response, ok=(413,))
    assert response.get_json()["error"]["code"] == "request_entity_too_large"


def test_huge_form_is_a_413(anonymous):
    """An anonymous login form of 10 MB, with a valid CSRF token so that the body is read:
    a 413 (MAX_CONTENT_LENGTH), not a form parsed into memory whatever its size."""
    data = {"email": "a@example.org", "password": "x" * 10_000_000, "csrf_token": csrf_token(anonymous)}
    response = anonymous.post("/staff/login", data=data)
    assert response.status_code == 413


@pytest.mark.parametrize("with_token, status", [(True, 413), (False, 401)])
def test_body_over_the_app_limit(write_app, token, with_token, status):
    """10 MB, over MAX_CONTENT_LENGTH: a 413 in the API's shape; without a token, a 401 before
    the body is read."""
    headers = {"Authorization": f"Bearer {token}"} if with_token else {}
    response = write_app.test_client().put(
        "/api/v1/entries/big", data=b"x" * 10_000_000, content_type="application/json", headers=headers
    )
    assert response.status_code == status
    assert set(response.get_json()["error"]) == {"code", "message", "param"}
