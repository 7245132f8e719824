"""webui/analytics.py and the dashboard: searches and opened results recorded with nothing that
identifies a person, retention, the dashboard's numbers, the CSV export and adding a synonym.

Everything goes through the real app and a real staff database; seeded rows are written with
the module's own insert functions at fixed times, so the dashboard's figures are exact.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import re
import shutil
import sqlite3
import time

import pytest
from conftest import csrf_token, log_in
from pagehtml import parse
from testdata import SYNONYMS

import webui
from search import SearchRequest
from webui import analytics
from webui.db import connect

UTC = dt.UTC


def rows(settings, sql: str = "SELECT * FROM searches ORDER BY id") -> list[dict]:
    conn = connect(settings.staff_db)
    try:
        return [dict(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def this_hour() -> set[str]:
    """The stamp of now, or of the next hour if the clock turns during the test."""
    now = dt.datetime.now(UTC)
    return {analytics.stamp(now), analytics.stamp(now + dt.timedelta(minutes=1))}


# -- recording ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("  Solar   CO-OP ", "solar co-op"),
        ("Mondragón\tBank\n", "mondragón bank"),
        ("", ""),
        ("   ", ""),
        ('"Worker Cooperative" AND Wind', '"worker cooperative" and wind'),
    ],
)
def test_queries_are_normalized(raw, normal):
    assert analytics.normalize(raw) == normal


def test_a_page_search_is_recorded_with_nothing_that_identifies_anyone(staff_settings, anonymous):
    response = anonymous.get(
        "/search?q=++Solar+++CO-OP+&theme=energy&from=2020&sort=newest&page=1",
        headers={"User-Agent": "Tracker/9.9", "X-Forwarded-For": "203.0.113.9", "Cookie": "id=visitor-42"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    total = anonymous.get("/api/v1/search?q=solar+co-op&theme=energy&from=2020").get_json()["total"]
    [row] = rows(staff_settings)
    assert set(row) == {"id", "at", "query", "filters", "results", "via", "site", "scope"}
    assert (row["site"], row["scope"]) == ("", "theme:energy")  # the library's own page
    assert row["at"] in this_hour() and row["at"].endswith(":00:00Z")
    assert (row["query"], row["filters"], row["results"], row["via"]) == (
        "solar co-op",
        '{"theme":["energy"],"from":"2020-01-01"}',
        total,
        "page",
    )
    dump = "\n".join(sqlite3.connect(staff_settings.staff_db).iterdump())
    for secret in ("203.0.113.9", "198.51.100.7", "Tracker", "visitor-42"):
        assert secret not in dump


def test_every_filter_is_recorded_under_its_parameter_name(staff_settings, anonymous):
    url = "/search?q=co-op&theme=energy&theme=food&type=News&author=Maya+Chen&from=June+2020&to=2024"
    assert anonymous.get(url).status_code == 200
    [row] = rows(staff_settings)
    assert row["filters"] == (
        '{"theme":["energy","food"],"type":["news"],"author":["Maya Chen"],'
        '"from":"2020-06-01","to":"2024-12-31"}'
    )


def test_a_search_that_fails_is_not_recorded(staff_settings, anonymous):
    assert anonymous.get("/search?q=solar&sort=sideways").status_code == 400
    assert anonymous.get("/api/v1/search?q=solar&analytics=1&page=0").status_code == 400
    assert rows(staff_settings) == []


def test_every_load_of_the_search_page_is_a_search(staff_settings, anonymous):
    """The page is never stored nor answered 304 (caching.private), so no load goes unrecorded."""
    first = anonymous.get("/search?q=solar")
    assert "ETag" not in first.headers
    again = anonymous.get("/search?q=solar", headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"})
    assert again.status_code == 200
    assert len(rows(staff_settings)) == 2


def test_searches_by_staff_are_not_recorded(staff_settings, staff):
    assert staff.get("/search?q=solar").status_code == 200
    assert staff.get("/api/v1/search?q=solar&analytics=1").status_code == 200
    assert rows(staff_settings) == []


def test_a_database_that_cannot_record_never_fails_the_search(staff_settings, anonymous):
    anonymous.get("/search?q=first")
    blocker = connect(staff_settings.staff_db)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        started = time.perf_counter()
        response = anonymous.get("/search?q=solar")
        assert time.perf_counter() - started < 2
        assert response.status_code == 200
        assert all("?" not in link for link in result_links(anonymous, "/search?q=solar"))
        assert anonymous.get("/entries/pv-array-farm?ref=1.1").status_code == 200
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert [r["query"] for r in rows(staff_settings)] == ["first"]
    assert rows(staff_settings, "SELECT * FROM clicks") == []


def test_the_api_records_only_when_asked(staff_settings, anonymous):
    quiet = anonymous.get("/api/v1/search?q=tricycle")
    assert "search_id" not in quiet.get_json()
    assert quiet.headers["Cache-Control"] == "public, max-age=60"
    assert rows(staff_settings) == []

    asked = anonymous.get("/api/v1/search?q=Tricycle&analytics=1")
    assert asked.status_code == 200
    [row] = rows(staff_settings)
    assert asked.get_json()["search_id"] == row["id"]
    assert (row["query"], row["results"], row["via"]) == ("tricycle", 1, "api")
    # A recorded answer is private: no shared cache may replay it, and no 304 may skip it.
    assert asked.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in asked.headers and "Last-Modified" not in asked.headers

    off = anonymous.get("/api/v1/search?q=tricycle&analytics=0")
    assert "search_id" not in off.get_json() and len(rows(staff_settings)) == 1


def test_a_bad_analytics_value_is_a_400(anonymous):
    response = anonymous.get("/api/v1/search?q=solar&analytics=yes")
    assert response.status_code == 400
    assert response.get_json()["error"]["param"] == "analytics"


def test_a_recorded_api_answer_matches_the_openapi_document(anonymous):
    from test_openapi import SEARCH, check_response

    response = anonymous.get("/api/v1/search?q=solar&analytics=1")
    assert response.get_json()["search_id"] >= 1
    check_response(response, SEARCH)


# -- opened results -------------------------------------------------------------------------


def result_links(client, url: str) -> list[str]:
    doc = parse(client.get(url).get_data(as_text=True))
    return [
        li.find("h2").find("a").attrs["href"] for li in doc.find("ol", id_="hits").find_all("li", cls="hit")
    ]


def test_result_links_carry_the_search_and_the_position(staff_settings, anonymous):
    links = result_links(anonymous, "/search?q=co-op&per_page=2&page=2")
    search_id = rows(staff_settings)[-1]["id"]
    assert len(links) == 2
    assert [link.split("?", 1)[1] for link in links] == [f"ref={search_id}.3", f"ref={search_id}.4"]


def test_staff_result_links_carry_no_ref(staff):
    assert all("?" not in link for link in result_links(staff, "/search?q=co-op"))


def test_opening_a_result_records_its_position(staff_settings, anonymous):
    links = result_links(anonymous, "/search?q=solar")
    assert links[1].startswith("/entries/solar-coop-rooftops?ref=")
    opened = anonymous.get(links[1])
    assert opened.status_code == 200
    assert opened.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in opened.headers and "Last-Modified" not in opened.headers
    anonymous.get(links[1])  # opened twice: one click
    search_id = rows(staff_settings)[0]["id"]
    clicks = rows(staff_settings, "SELECT * FROM clicks")
    assert [(c["search_id"], c["position"], c["entry_id"]) for c in clicks] == [
        (search_id, 2, "solar-coop-rooftops")
    ]
    assert set(clicks[0]) == {"search_id", "position", "entry_id", "at"}
    assert clicks[0]["at"] in this_hour()


@pytest.mark.parametrize("ref", ["", "abc", "1", "1.", ".1", "1.0", "1.3", "99.1", "1.1.1", "-1.1", "1e3.1"])
def test_an_invalid_ref_records_nothing_and_still_shows_the_entry(staff_settings, anonymous, ref):
    anonymous.get("/search?q=%22solar%22")  # search 1, two results (quoted: not the energy theme)
    response = anonymous.get(f"/entries/pv-array-farm?ref={ref}")
    assert response.status_code == 200
    assert rows(staff_settings, "SELECT * FROM clicks") == []


def test_an_entry_page_without_ref_stays_public(anonymous):
    response = anonymous.get("/entries/pv-array-farm")
    assert response.headers["Cache-Control"] == "public, max-age=60" and "ETag" in response.headers


# -- retention ------------------------------------------------------------------------------


def seed(settings, searches: list[tuple], clicks: list[tuple] = ()) -> list[int]:
    """Searches as (when, query, results, via, filters dict) and clicks as (search index, position)."""
    conn = connect(settings.staff_db)
    ids = []
    try:
        for when, query, results, via, filters in searches:
            req = SearchRequest(query=query, **filters)
            ids.append(analytics.insert_search(conn, req, results, via, now=when))
        for index, position in clicks:
            assert analytics.insert_click(conn, ids[index], position, "some-entry", now=searches[index][0])
    finally:
        conn.close()
    return ids


def test_old_searches_are_deleted_at_start_up(staff_settings):
    now = dt.datetime.now(UTC)
    seed(
        staff_settings,
        [
            (now - dt.timedelta(days=31), "old", 1, "page", {}),
            (now - dt.timedelta(days=29), "recent", 1, "page", {}),
        ],
        clicks=[(0, 1), (1, 1)],
    )
    webui.create_app(dataclasses.replace(staff_settings, analytics_days=30))
    assert [r["query"] for r in rows(staff_settings)] == ["recent"]
    assert len(rows(staff_settings, "SELECT * FROM clicks")) == 1  # its click went with it


def test_old_searches_are_deleted_while_recording_at_most_hourly(staff_settings):
    app = webui.create_app(dataclasses.replace(staff_settings, analytics_days=30))
    client = app.test_client()
    client.get("/search?q=first")
    seed(staff_settings, [(dt.datetime.now(UTC) - dt.timedelta(days=40), "old", 1, "page", {})])
    client.get("/search?q=second")
    assert "old" in [r["query"] for r in rows(staff_settings)]  # pruned less than an hour ago
    app.extensions["coopsearch.analytics"].pruned = time.monotonic() - analytics.PRUNE_EVERY
    client.get("/search?q=third")
    assert [r["query"] for r in rows(staff_settings)] == ["first", "second", "third"]


# -- the dashboard --------------------------------------------------------------------------


def at(day: int, hour: int = 10, month: int = 1) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, 37, tzinfo=UTC)


#: Three weeks, Monday 5 to Sunday 25 January 2026, and two searches outside them.
SEEDED = [
    (at(5), "Solar", 2, "page", {}),  # 0, opened
    (at(6), "solar", 2, "api", {}),  # 1
    (at(7), "bicycle", 0, "page", {}),  # 2
    (at(12), "solar", 5, "page", {"themes": ("energy",)}),  # 3
    (at(13), "tricycle", 1, "page", {}),  # 4, opened
    (at(14, 16), "bicycle", 0, "page", {"themes": ("food",)}),  # 5
    (at(20), "tricycle", 1, "api", {}),  # 6, opened
    (at(21), "mondragon", 1, "page", {}),  # 7
    (at(22), "", 18, "page", {}),  # 8: browsing, no words
    (at(10, month=2), "solar", 2, "page", {}),  # 9: after the period, opened
    (dt.datetime(2025, 12, 31, 23, tzinfo=UTC), "gardening", 0, "page", {}),  # 10: before it
]
SEEDED_CLICKS = [(0, 1), (4, 1), (6, 1), (9, 2)]
PERIOD = "from=2026-01-05&to=2026-01-25"


@pytest.fixture
def seeded(staff_settings):
    return seed(staff_settings, SEEDED, SEEDED_CLICKS)


def table(doc, cls: str) -> list[list[str]]:
    return [
        [cell.text for cell in tr.find_all() if cell.tag in ("th", "td")]
        for tr in doc.find("table", cls).find("tbody").find_all("tr")
    ]


def dashboard(staff, query: str = PERIOD):
    response = staff.get(f"/staff/analytics?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    assert response.headers["Cache-Control"] == "no-store"
    return parse(response.get_data(as_text=True))


def test_the_dashboard_counts_exactly(staff, seeded):
    doc = dashboard(staff)
    assert doc.find("h1").text == "What visitors search for"
    assert doc.find("p", cls="totals").text.startswith(
        "From 5 January 2026 to 25 January 2026 (UTC): 9 searches of 4 distinct queries; "
        "3 with a result opened; 2 found nothing."
    )
    assert table(doc, "top-queries") == [
        ["solar", "3", "3.0", "33%"],
        ["bicycle", "2", "0.0", "0%"],
        ["tricycle", "2", "1.0", "100%"],
        ["mondragon", "1", "1.0", "0%"],
    ]


def test_the_zero_result_list(staff, seeded):
    [row] = table(dashboard(staff), "zero-results")
    assert row[:5] == ["bicycle", "2", "1", "2026-01-14T16:00:00Z", "0"]
    doc = dashboard(staff, "from=2025-12-01&to=2026-02-28")
    assert [r[0] for r in table(doc, "zero-results")] == ["bicycle", "gardening"]


def test_the_list_of_queries_whose_results_nobody_opened(staff, seeded):
    assert table(dashboard(staff), "unopened") == [["mondragon", "1", "1.0", "2026-01-21T10:00:00Z"]]


def test_searches_per_week_as_a_chart_and_a_table(staff, seeded):
    doc = dashboard(staff)
    svg = doc.find("svg", cls="weekly-bars")
    assert svg.attrs["role"] == "img" and svg.attrs["aria-labelledby"] == "weekly-caption"
    bars = svg.find_all("rect")
    assert [b.find("title").text for b in bars] == [
        "Week of 5 January 2026: 3 searches",
        "Week of 12 January 2026: 3 searches",
        "Week of 19 January 2026: 3 searches",
    ]
    assert {b.attrs["height"] for b in bars} == {"80.0"}
    weekly = doc.find("details", cls="weekly-table").find("table")
    assert [
        [c.text for c in tr.find_all() if c.tag in ("th", "td")] for tr in weekly.find("tbody").find_all("tr")
    ] == [
        ["5 January 2026", "3"],
        ["12 January 2026", "3"],
        ["19 January 2026", "3"],
    ]


def test_a_period_with_empty_weeks_draws_them_empty(staff, seeded):
    doc = dashboard(staff, "from=2026-01-19&to=2026-02-15")
    weekly = doc.find("details", cls="weekly-table").find("table")
    counts = [tr.find("td").text for tr in weekly.find("tbody").find_all("tr")]
    assert counts == ["3", "0", "0", "1"]
    assert len(doc.find("svg", cls="weekly-bars").find_all("rect")) == 2


@pytest.mark.parametrize(
    "query",
    [
        "from=2026-13-01",
        "to=yesterday",
        "from=2026-02-01&to=2026-01-01",
        "from=2000-01-01&to=2026-01-01",
        "to=9999-12-31",
        "to=0001-01-01",
        "from=0001-01-01&to=0001-01-02",
        "from=9999-12-25&to=9999-12-31",
    ],
)
@pytest.mark.parametrize("page", ["/staff/analytics", "/staff/analytics.csv"])
def test_a_bad_period_is_a_400(staff, query, page):
    response = staff.get(f"{page}?{query}")
    assert response.status_code == 400
    assert "Something went wrong" not in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["from=1970-01-01&to=1970-01-02", "to=9998-12-31", "to=1970-01-05"])
@pytest.mark.parametrize("page", ["/staff/analytics", "/staff/analytics.csv"])
def test_the_first_and_last_dates_allowed_work(staff, query, page):
    assert staff.get(f"{page}?{query}").status_code == 200


def test_the_csv_export_has_every_search_of_the_period(staff, seeded):
    response = staff.get(f"/staff/analytics.csv?{PERIOD}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="searches-2026-01-05-2026-01-25.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert list(csv.reader(io.StringIO(response.get_data(as_text=True)))) == [
        ["time", "query", "filters", "results", "via", "opened", "site", "scope"],
        ["2026-01-05T10:00:00Z", "solar", "{}", "2", "page", "1", "", ""],
        ["2026-01-06T10:00:00Z", "solar", "{}", "2", "api", "", "", ""],
        ["2026-01-07T10:00:00Z", "bicycle", "{}", "0", "page", "", "", ""],
        ["2026-01-12T10:00:00Z", "solar", '{"theme":["energy"]}', "5", "page", "", "", ""],
        ["2026-01-13T10:00:00Z", "tricycle", "{}", "1", "page", "1", "", ""],
        ["2026-01-14T16:00:00Z", "bicycle", '{"theme":["food"]}', "0", "page", "", "", ""],
        ["2026-01-20T10:00:00Z", "tricycle", "{}", "1", "api", "1", "", ""],
        ["2026-01-21T10:00:00Z", "mondragon", "{}", "1", "page", "", "", ""],
        ["2026-01-22T10:00:00Z", "", "{}", "18", "page", "", "", ""],
    ]


def test_csv_cells_never_start_a_spreadsheet_formula(staff, staff_settings):
    seed(staff_settings, [(at(5), "=HYPERLINK(1)", 0, "api", {}), (at(5), "-health", 3, "api", {})])
    text = staff.get(f"/staff/analytics.csv?{PERIOD}").get_data(as_text=True)
    queries = [row[1] for row in csv.reader(io.StringIO(text))][1:]
    assert queries == ["'=hyperlink(1)", "'-health"]


def test_the_dashboard_and_export_are_for_staff_only(anonymous, seeded):
    for url in ("/staff/analytics", f"/staff/analytics.csv?{PERIOD}"):
        response = anonymous.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


def test_the_dashboard_links_a_zero_result_query_to_a_new_collection(staff, seeded):
    doc = dashboard(staff)
    link = doc.find("a", cls="start-collection")
    assert link.attrs["href"] == "/staff/collections/new?q=bicycle"


# -- adding a synonym for a query that found nothing ----------------------------------------


@pytest.fixture
def synonyms_copy(tmp_path):
    path = tmp_path / "synonyms.txt"
    shutil.copy(SYNONYMS, path)
    return path


@pytest.fixture
def editable(staff_settings, synonyms_copy):
    """A logged-in staff client of an app whose synonyms file is a private copy."""
    app = webui.create_app(dataclasses.replace(staff_settings, synonyms_file=synonyms_copy))
    client = app.test_client()
    assert log_in(client).status_code == 302
    return client


def add_synonym(client, query: str, words: str, **extra: str):
    data = {"csrf_token": csrf_token(client, "/staff/analytics"), "query": query, "words": words}
    return client.post("/staff/analytics/synonyms", data={**data, **extra})


def total(client, query: str) -> int:
    return client.get(f"/api/v1/search?q={query}").get_json()["total"]


def test_a_synonym_added_from_the_dashboard_reaches_the_engine(editable, staff_settings, synonyms_copy):
    seed(staff_settings, [(dt.datetime.now(UTC), "sunshine", 0, "page", {})])
    doc = dashboard(editable, "")
    assert table(doc, "zero-results")[0][:5][4] == "0"
    assert doc.find("form", cls="add-synonym").find("input", name="query").attrs["value"] == "sunshine"
    assert total(editable, "sunshine") == 0

    response = add_synonym(editable, "sunshine", "solar", **{"from": "2026-01-01", "to": "2026-12-31"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/analytics?from=2026-01-01&to=2026-12-31"
    assert synonyms_copy.read_text(encoding="utf-8").endswith("\nsunshine => solar\n")
    found = editable.get("/api/v1/search?q=sunshine").get_json()["hits"]
    assert [hit["id"] for hit in found] == ["solar-coop-rooftops"]  # the entry that says "solar"

    page = editable.get(response.headers["Location"]).get_data(as_text=True)
    assert "Added “sunshine =&gt; solar” to synonyms.txt" in page
    assert table(dashboard(editable, ""), "zero-results")[0][4] == "1"  # results now
    audit = rows(
        staff_settings, "SELECT actor, action, target, detail FROM audit_log WHERE action = 'synonym.add'"
    )
    assert audit == [
        {
            "actor": "librarian@example.org",
            "action": "synonym.add",
            "target": "synonyms.txt",
            "detail": "sunshine => solar",
        }
    ]


def test_a_synonym_both_ways(editable, synonyms_copy):
    assert add_synonym(editable, "bicycle", "tricycle, cargo bike", both="1").status_code == 302
    assert synonyms_copy.read_text(encoding="utf-8").endswith("\nbicycle, tricycle, cargo bike\n")
    assert total(editable, "bicycle") == 1


@pytest.mark.parametrize(
    ("query", "words", "reason"),
    [
        ("sunshine", "", "the synonym words are empty"),
        ("", "solar", "the query is empty"),
        ("sun # shine", "solar", "the query may not contain # or =&gt;"),
        ("sun, shine", "solar", "the query may not contain a comma"),
        ("sunshine", "solar => wind", "the synonym words may not contain # or =&gt;"),
        ("the", "solar", "the engine cannot read this rule"),
        ("photovoltaic", "solar", "this rule adds nothing"),
    ],
)
def test_a_rule_that_cannot_work_is_refused_and_the_file_kept(editable, synonyms_copy, query, words, reason):
    before = synonyms_copy.read_text(encoding="utf-8")
    response = add_synonym(editable, query, words)
    assert response.status_code == 302
    page = editable.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Synonym not added: {reason}" in page
    assert synonyms_copy.read_text(encoding="utf-8") == before


def test_adding_a_synonym_needs_a_csrf_token(editable, synonyms_copy):
    before = synonyms_copy.read_text(encoding="utf-8")
    response = editable.post("/staff/analytics/synonyms", data={"query": "sunshine", "words": "solar"})
    assert response.status_code == 400
    assert synonyms_copy.read_text(encoding="utf-8") == before


def test_without_a_synonyms_file_the_form_is_not_offered(staff_settings):
    app = webui.create_app(dataclasses.replace(staff_settings, synonyms_file=None))
    client = app.test_client()
    log_in(client)
    seed(staff_settings, [(dt.datetime.now(UTC), "sunshine", 0, "page", {})])
    page = client.get("/staff/analytics").get_data(as_text=True)
    assert 'class="add-synonym"' not in page and "COOPSEARCH_SYNONYMS" in page
    token = csrf_token(client, "/staff/tokens")
    response = client.post(
        "/staff/analytics/synonyms", data={"csrf_token": token, "query": "a", "words": "b"}
    )
    assert response.status_code == 400


def test_the_menu_links_the_dashboard_and_judgments(staff):
    nav = parse(staff.get("/staff/").get_data(as_text=True)).find("nav", cls="staff-nav")
    hrefs = [a.attrs["href"] for a in nav.find_all("a")]
    assert "/staff/analytics" in hrefs and "/staff/judgments" in hrefs


def test_ids_in_links_are_numbers_only(staff_settings, anonymous):
    html = anonymous.get("/search?q=co-op").get_data(as_text=True)
    refs = re.findall(r"\?ref=([^\"]+)\"", html)
    assert refs and all(re.fullmatch(r"\d+\.\d+", r) for r in refs)
