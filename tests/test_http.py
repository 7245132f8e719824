"""HTTP behaviour around the content: conditional requests, cache and security headers."""

from __future__ import annotations

import time

import pytest
from conftest import build_index
from testdata import SYNONYMS, THEMES

import webui
from webui.security import CSP

PUBLIC = [
    "/",
    "/entries/esop-buyout",
    "/search.atom?q=co-op",
    "/opensearch.xml",
    "/api/v1/search?q=co-op",
    "/api/v1/entries/esop-buyout",
    "/api/v1/suggest?q=turb",
    "/api/v1/themes",
]


@pytest.mark.parametrize("url", PUBLIC)
def test_public_responses_are_cacheable_and_conditional(client, url):
    response = client.get(url)
    assert response.status_code == 200
    etag = response.headers["ETag"]
    assert etag.startswith('W/"')
    assert response.headers["Cache-Control"] == "public, max-age=60"
    assert response.last_modified is not None
    again = client.get(url, headers={"If-None-Match": etag})
    assert (again.status_code, again.data) == (304, b"")
    assert again.headers["ETag"] == etag
    since = client.get(url, headers={"If-Modified-Since": response.headers["Last-Modified"]})
    assert since.status_code == 304
    stale = client.get(url, headers={"If-None-Match": 'W/"something-else"'})
    assert stale.status_code == 200


@pytest.mark.parametrize("url", ["/entries/nope", "/api/v1/entries/nope"])
def test_if_none_match_star_never_hides_a_missing_entry(client, url):
    """`If-None-Match: *` asks "only if it does not exist": the 404 must come through."""
    response = client.get(url, headers={"If-None-Match": "*"})
    assert response.status_code == 404
    assert client.get("/entries/esop-buyout", headers={"If-None-Match": "*"}).status_code == 304


def test_the_search_page_is_private_never_stored_and_never_304(client):
    """Every load of the search page is a recorded search whose result links carry its id
    (`ref=`): a shared cache would give one visitor's id to others, and a 304 or a cached
    copy would go unrecorded."""
    response = client.get("/search?q=co-op")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers and "Last-Modified" not in response.headers
    for headers in ({"If-None-Match": "*"}, {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}):
        again = client.get("/search?q=co-op", headers=headers)
        assert again.status_code == 200 and again.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("url", [*PUBLIC, "/search?q=co-op"])
def test_public_pages_seen_by_staff_are_private_and_never_stored(staff, url):
    """Staff see controls and a CSRF token that visitors do not: no cache may keep them."""
    response = staff.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers


def test_errors_are_not_cached(client):
    for url in ("/api/v1/search?sort=sideways", "/entries/nope", "/api/v1/entries/nope"):
        response = client.get(url)
        assert response.status_code in (400, 404)
        assert "ETag" not in response.headers
        assert "public" not in response.headers.get("Cache-Control", "")


def test_etag_and_last_modified_follow_the_index(tmp_path, library_copy):
    index_dir = tmp_path / "index"
    build_index(index_dir, [library_copy])
    settings = webui.Settings(
        index_dir=index_dir, synonyms_file=SYNONYMS, themes_file=THEMES, refresh_seconds=0.01
    )
    client = webui.create_app(settings).test_client()
    before = client.get("/api/v1/search?q=tricycle")
    time.sleep(1.1)  # Last-Modified has whole seconds
    entry = library_copy / "tricycle-delivery.md"
    entry.write_text(entry.read_text(encoding="utf-8").replace("Tricycle", "Cargo Bike"), encoding="utf-8")
    assert build_index(index_dir, [library_copy]).updated == 1
    time.sleep(0.05)
    after = client.get("/api/v1/search?q=tricycle", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert after.headers["ETag"] != before.headers["ETag"]
    assert after.last_modified > before.last_modified


@pytest.mark.parametrize(
    "url", ["/", "/search?q=x", "/entries/nope", "/api/v1/search", "/api/v1/search?page=0"]
)
def test_every_response_has_a_strict_content_security_policy(client, url):
    headers = client.get(url).headers
    assert headers["Content-Security-Policy"] == CSP
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    assert "script-src 'self'" in CSP and "style-src 'self'" in CSP
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_the_api_can_be_called_from_other_sites_and_pages_cannot_be_framed_by_them(client):
    assert client.get("/api/v1/themes").headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/search").headers
    assert "frame-ancestors 'self'" in client.get("/search").headers["Content-Security-Policy"]


def test_server_timing_reports_engine_and_app_time(client):
    timing = client.get("/api/v1/search?q=co-op").headers["Server-Timing"]
    parts = dict(p.strip().split(";dur=") for p in timing.split(","))
    assert set(parts) == {"engine", "app"}
    assert 0 <= float(parts["engine"]) <= float(parts["app"])


def test_static_files_carry_the_fingerprint_and_are_cached(client, app):
    html = client.get("/").get_data(as_text=True)
    fingerprint = app.config["COOPSEARCH_FINGERPRINT"]
    assert f"/static/app.js?v={fingerprint}" in html
    with client.get(f"/static/style.css?v={fingerprint}") as response:
        assert response.status_code == 200
        assert response.cache_control.max_age == 86400


def test_favicon_for_documents_without_an_icon_link(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.content_type == "image/svg+xml; charset=utf-8"


# -- absolute URLs: COOPSEARCH_BASE_URL -------------------------------------------------------

BASE_URL = "https://library.example"
#: Cacheable responses that hold absolute URLs.
ABSOLUTE = [
    "/opensearch.xml",
    "/search.atom?q=co-op",
    "/api/v1/suggest?q=turb&format=opensearch",
    "/embed/builder?theme=energy",
    "/api",
    "/api/v1/openapi.json",
]
HOSTILE = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}


@pytest.fixture(scope="module")
def pinned(settings):
    """The app with a base URL, behind one (trusted) proxy that passes whatever it is sent;
    configured through the environment, as an operator would."""
    environ = {"COOPSEARCH_BASE_URL": BASE_URL, "COOPSEARCH_PROXIES": "1"}
    keep = ("index_dir", "synonyms_file", "themes_file", "rate_limit")
    pinned = webui.Settings.from_env(environ, **{name: getattr(settings, name) for name in keep})
    return webui.create_app(pinned).test_client()


@pytest.mark.parametrize("url", ABSOLUTE)
def test_no_header_changes_an_absolute_url_when_the_base_url_is_set(pinned, url):
    """A shared cache keeps these for everyone: `Host: evil.example` must not get into them."""
    plain = pinned.get(url)
    hostile = pinned.get(url, headers=HOSTILE)
    assert plain.status_code == hostile.status_code == 200
    assert b"evil.example" not in hostile.data
    assert hostile.data == plain.data
    assert BASE_URL.encode() in plain.data and b"localhost" not in plain.data
    assert hostile.headers.get("ETag") == plain.headers.get("ETag")


def test_the_base_url_must_be_an_address_without_a_path():
    with pytest.raises(webui.config.SettingsError, match="COOPSEARCH_BASE_URL='library.example'"):
        webui.Settings.from_env({"COOPSEARCH_BASE_URL": "library.example"})
    with pytest.raises(webui.config.SettingsError, match="no path"):
        webui.Settings.from_env({"COOPSEARCH_BASE_URL": "https://coop.example/library"})
    settings = webui.Settings.from_env({"COOPSEARCH_BASE_URL": "https://Library.Example:8443/"})
    assert settings.base_url == "https://library.example:8443"
