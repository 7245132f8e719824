"""Searches and iframe views per embedding site and scope (webui/analytics.py, the dashboard's
"Searches from other sites" and the CSV export).

Real requests carry Origin and Referer headers as browsers send them; seeded rows are written
with the module's own insert functions at fixed times, so the dashboard's figures are exact.
Iframe views are counted after a load of the endpoint `embed.frame`: the real one when
webui/embed.py provides it, else a stand-in registered here under the same name.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import sqlite3
from urllib.parse import parse_qsl

import pytest
from conftest import STAFF_EMAIL, log_in
from flask import Blueprint, request, url_for
from pagehtml import parse
from test_analytics import at, rows, table, this_hour
from test_openapi import check_response
from werkzeug.datastructures import MultiDict

import webui
from search import SearchRequest
from webui import analytics, collections
from webui.db import connect, open_db

UTC = dt.UTC
PARTNER = "https://partner.example"
SLUG = "energy-co-ops"
COLLECTION = collections.State(
    title="Energy co-ops",
    slug=SLUG,
    themes=("energy",),
    published=True,
    search=collections.SavedSearch(themes=("energy",)),
)


def frame_app(settings):
    """The app with an `embed.frame` endpoint: the real one, or a stand-in when there is none."""
    app = webui.create_app(settings)
    if analytics.EMBED_FRAME not in app.view_functions:
        stand_in = Blueprint("embed", __name__)
        stand_in.add_url_rule("/embed", "frame", _stand_in_frame)
        app.register_blueprint(stand_in)
    return app


def _stand_in_frame() -> tuple[str, int]:
    missing = request.args.get("collection", SLUG) != SLUG  # as the real one: 404 if unpublished
    return "<!doctype html><title>Search</title>", 404 if missing else 200


@pytest.fixture
def app(staff_settings):
    conn = open_db(staff_settings.staff_db)
    collections.create(conn, COLLECTION, STAFF_EMAIL, "created")
    conn.close()
    return frame_app(staff_settings)


@pytest.fixture
def visitor(app):
    return app.test_client()


@pytest.fixture
def frame_path(app) -> str:
    with app.test_request_context():
        return url_for(analytics.EMBED_FRAME)


def views(settings) -> list[tuple]:
    return [(r["at"], r["site"], r["scope"], r["views"]) for r in rows(settings, "SELECT * FROM embed_views")]


def sources(settings) -> list[tuple]:
    return [(r["site"], r["scope"], r["via"]) for r in rows(settings)]


# -- where a search comes from -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "site"),
    [
        ({"Origin": PARTNER}, "partner.example"),
        ({"Origin": "HTTPS://Partner.Example:8443"}, "partner.example:8443"),
        ({"Referer": "https://blog.example:8443/news/co-ops?utm_source=x#top"}, "blog.example:8443"),
        ({"Origin": PARTNER, "Referer": "https://other.example/page"}, "partner.example"),
        ({"Origin": "null", "Referer": "https://other.example/page"}, "other.example"),
        ({"Origin": "http://localhost"}, ""),  # the library itself (the test client's host)
        ({"Referer": "http://localhost/search?q=solar"}, ""),
        ({"Origin": "http://localhost", "Referer": "https://other.example/"}, ""),
        ({"Referer": "https://user:secret@other.example/"}, "other.example"),
        ({"Referer": "not a url"}, ""),
        ({"Referer": "http://[broken/"}, ""),
        ({}, ""),
    ],
)
def test_an_api_search_records_the_host_it_came_from(staff_settings, visitor, headers, site):
    response = visitor.get("/api/v1/search?q=solar&theme=energy&analytics=1", headers=headers)
    assert response.status_code == 200
    assert sources(staff_settings) == [(site, "theme:energy", "api")]


def test_only_the_host_is_kept_never_the_page(staff_settings, visitor):
    visitor.get(
        "/api/v1/search?q=solar&analytics=1", headers={"Referer": "https://blog.example/private/page-42"}
    )
    dump = "\n".join(sqlite3.connect(staff_settings.staff_db).iterdump())
    assert "blog.example" in dump and "page-42" not in dump and "private" not in dump


def test_a_page_search_reached_from_another_site_counts_for_it(staff_settings, visitor):
    # "See all results in the library" from a widget: the search page, referred by the partner.
    response = visitor.get(
        "/search?q=solar&theme=energy&theme=food", headers={"Referer": f"{PARTNER}/co-ops"}
    )
    assert response.status_code == 200
    visitor.get("/search?q=solar")
    assert sources(staff_settings) == [("partner.example", "theme:energy,food", "page"), ("", "", "page")]


def test_a_search_inside_the_embedded_page_is_counted_as_in_the_iframe(staff_settings, visitor, frame_path):
    headers = {"Referer": f"http://localhost{frame_path}?theme=energy"}
    assert visitor.get("/api/v1/search?q=wind&theme=energy&analytics=1", headers=headers).status_code == 200
    assert sources(staff_settings) == [(analytics.FRAME_SITE, "theme:energy", "api")]


def test_a_collection_search_records_the_collection_as_its_scope(staff_settings, visitor):
    url = f"/api/v1/collections/{SLUG}?q=wind&theme=energy&analytics=1"
    response = visitor.get(url, headers={"Origin": PARTNER})
    assert response.status_code == 200
    [row] = rows(staff_settings)
    assert (row["site"], row["scope"], row["via"], row["query"]) == (
        "partner.example",
        f"collection:{SLUG} theme:energy",
        "api",
        "wind",
    )
    body = response.get_json()
    assert body["results"]["search_id"] == row["id"]
    assert row["results"] == body["results"]["total"]
    # A recorded answer is private: no shared cache may replay it, and no 304 may skip it.
    assert response.headers["Cache-Control"] == "private, no-store" and "ETag" not in response.headers
    check_response(response, "/api/v1/collections/{slug}")


def test_a_collection_search_is_recorded_only_when_asked(staff_settings, visitor):
    quiet = visitor.get(f"/api/v1/collections/{SLUG}?q=wind")
    assert quiet.status_code == 200 and "search_id" not in quiet.get_json()["results"]
    assert quiet.headers["Cache-Control"] == "public, max-age=60"
    assert visitor.get(f"/api/v1/collections/{SLUG}?q=wind&analytics=yes").status_code == 400
    assert rows(staff_settings) == []


# -- iframe views --------------------------------------------------------------------------


def test_loads_of_the_embedded_page_count_per_site_and_scope(staff_settings, visitor, frame_path):
    partner = {"Referer": f"{PARTNER}/energy/page"}
    for _ in range(2):
        assert visitor.get(f"{frame_path}?theme=energy", headers=partner).status_code == 200
    visitor.get(f"{frame_path}?collection={SLUG}&theme=energy", headers={"Referer": "https://blog.example/"})
    visitor.get(frame_path)  # no Referer (the host page's policy withholds it): site unknown
    [hour] = {v[0] for v in views(staff_settings)}
    assert hour in this_hour()
    assert sorted(v[1:] for v in views(staff_settings)) == [
        ("", "", 1),
        ("blog.example", f"collection:{SLUG} theme:energy", 1),
        ("partner.example", "theme:energy", 2),
    ]


def test_navigation_inside_the_frame_is_not_a_new_view(staff_settings, visitor, frame_path):
    inside = {"Referer": f"http://localhost{frame_path}?theme=energy"}
    assert visitor.get(f"{frame_path}?theme=energy&q=wind", headers=inside).status_code == 200
    assert views(staff_settings) == []


@pytest.mark.parametrize(
    ("query", "scope"),
    [
        ("theme=energy", "theme:energy"),
        (f"collection={SLUG}&theme=energy&placeholder=Search", f"collection:{SLUG} theme:energy"),
        ("theme=<script>&theme=energy&collection=../../etc", "theme:energy"),
        (f"theme={'x' * 200}", ""),
        ("&".join(f"theme=t{n}" for n in range(20)), "theme:" + ",".join(f"t{n}" for n in range(10))),
    ],
)
def test_the_scope_of_a_frame_keeps_only_well_formed_ids(query, scope):
    assert analytics.frame_scope(MultiDict(parse_qsl(query))) == scope


def test_a_frame_that_could_not_be_shown_is_not_a_view(staff_settings, visitor, frame_path):
    response = visitor.get(f"{frame_path}?collection=no-such-collection", headers={"Referer": PARTNER})
    assert response.status_code == 404
    assert views(staff_settings) == []


def test_staff_loads_and_other_pages_are_not_views(staff_settings, app, frame_path):
    staff = app.test_client()
    assert log_in(staff).status_code == 302
    staff.get(f"{frame_path}?theme=energy", headers={"Referer": PARTNER})
    app.test_client().get("/search?q=solar", headers={"Referer": PARTNER})
    assert views(staff_settings) == []


def test_old_iframe_views_are_deleted_with_old_searches(staff_settings):
    conn = connect(staff_settings.staff_db)
    now = dt.datetime.now(UTC)
    analytics.insert_view(conn, "partner.example", "", now=now - dt.timedelta(days=31))
    analytics.insert_view(conn, "partner.example", "", now=now - dt.timedelta(days=29))
    conn.close()
    webui.create_app(dataclasses.replace(staff_settings, analytics_days=30))
    assert [v[3] for v in views(staff_settings)] == [1]


# -- the dashboard and the export --------------------------------------------------------------

PERIOD = "from=2026-01-05&to=2026-01-25"
#: (when, query, results, site, scope)
SEEDED = [
    (at(5), "solar", 2, "partner.example", "theme:energy"),
    (at(6), "wind", 0, "partner.example", "theme:energy"),
    (at(7), "solar", 3, "partner.example", f"collection:{SLUG}"),
    (at(8), "bakery", 1, "blog.example:8443", ""),
    (at(9), "nothing here", 0, "", ""),  # the library's own page
    (at(10), "nothing", 0, analytics.FRAME_SITE, "theme:food"),
    (at(10, month=2), "solar", 1, "partner.example", "theme:energy"),  # after the period
]
#: (when, site, scope, loads)
SEEDED_VIEWS = [
    (at(5), "partner.example", "theme:energy", 3),
    (at(12), "partner.example", "theme:energy", 1),
    (at(13), "elsewhere.example", f"collection:{SLUG}", 2),
    (at(13), "", "", 5),  # no Referer, or the library's own preview
    (at(1, month=2), "partner.example", "theme:energy", 7),  # after the period
]


@pytest.fixture
def seeded(staff_settings):
    conn = connect(staff_settings.staff_db)
    try:
        for when, query, results, site, scope in SEEDED:
            req = SearchRequest(query=query)
            analytics.insert_search(conn, req, results, "api", now=when, site=site, scope=scope)
        for when, site, scope, loads in SEEDED_VIEWS:
            for _ in range(loads):
                analytics.insert_view(conn, site, scope, now=when)
    finally:
        conn.close()


@pytest.fixture
def staff(app):
    client = app.test_client()
    assert log_in(client).status_code == 302
    return client


def dashboard(staff, query: str = PERIOD):
    response = staff.get(f"/staff/analytics?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    return parse(response.get_data(as_text=True))


def test_searches_and_views_per_site(staff, seeded):
    doc = dashboard(staff)
    heading = doc.find("section", aria_labelledby="sites-title").find("h2")
    assert heading.text == "Searches from other sites"
    assert table(doc, "other-sites") == [
        ["partner.example", "3", "33%", "4"],
        [analytics.FRAME_SITE, "1", "100%", "0"],
        ["blog.example:8443", "1", "0%", "0"],
        ["elsewhere.example", "0", "–", "2"],
    ]


def test_searches_and_views_per_site_and_scope(staff, seeded):
    assert table(dashboard(staff), "site-scopes") == [
        ["partner.example", "theme energy", "2", "50%", "4"],
        [analytics.FRAME_SITE, "theme food", "1", "100%", "0"],
        ["blog.example:8443", "whole library", "1", "0%", "0"],
        ["partner.example", f"collection {SLUG}", "1", "0%", "0"],
        ["elsewhere.example", f"collection {SLUG}", "0", "–", "2"],
    ]


def test_a_period_without_other_sites_says_so(staff, seeded):
    doc = dashboard(staff, "from=2025-06-01&to=2025-06-30")
    assert table(doc, "other-sites") == [["No searches or iframe views from other sites in this period."]]
    assert doc.find_all("table", cls="site-scopes") == []


def test_the_export_has_the_site_and_scope_of_each_search(staff, seeded):
    text = staff.get(f"/staff/analytics.csv?{PERIOD}").get_data(as_text=True)
    table = list(csv.reader(io.StringIO(text)))
    assert table[0][-2:] == ["site", "scope"]
    assert [(r[1], r[-2], r[-1]) for r in table[1:]] == [
        ("solar", "partner.example", "theme:energy"),
        ("wind", "partner.example", "theme:energy"),
        ("solar", "partner.example", f"collection:{SLUG}"),
        ("bakery", "blog.example:8443", ""),
        ("nothing here", "", ""),
        ("nothing", analytics.FRAME_SITE, "theme:food"),
    ]


def test_real_requests_reach_the_dashboard(app, staff, frame_path):
    visitor = app.test_client()
    partner, blog = {"Origin": PARTNER}, {"Origin": "https://blog.example"}
    visitor.get(f"{frame_path}?theme=energy", headers={"Referer": f"{PARTNER}/a"})
    visitor.get("/api/v1/search?q=solar&theme=energy&analytics=1", headers=partner)
    visitor.get("/api/v1/search?q=zzzz&theme=energy&analytics=1", headers=partner)
    visitor.get("/api/v1/search?q=zzzz&theme=energy", headers=partner)  # live typing: not counted
    visitor.get(f"/api/v1/collections/{SLUG}?q=wind&analytics=1", headers=blog)
    visitor.get("/search?q=solar")  # the library's own page: not another site
    doc = dashboard(staff, "")
    assert table(doc, "other-sites") == [
        ["partner.example", "2", "50%", "1"],
        ["blog.example", "1", "0%", "0"],
    ]
    assert table(doc, "site-scopes") == [
        ["partner.example", "theme energy", "2", "50%", "1"],
        ["blog.example", f"collection {SLUG}", "1", "0%", "0"],
    ]


@pytest.mark.parametrize(
    ("scope", "label"),
    [
        ("", "whole library"),
        ("theme:energy", "theme energy"),
        ("theme:energy,food", "theme energy, food"),
        (f"collection:{SLUG} theme:energy", f"collection {SLUG}; theme energy"),
    ],
)
def test_scope_labels(scope, label):
    assert analytics.scope_label(scope) == label
    assert analytics.scope_of(*_parts(scope)) == scope


def _parts(scope: str) -> tuple[list[str], str | None]:
    found = dict(part.split(":", 1) for part in scope.split(" ") if part)
    return found.get("theme", "").split(",") if "theme" in found else [], found.get("collection")
