"""webui/security.py (CORS) and webui/limits.py (rate limits): public data answers other sites'
pages, public views are limited per client address; staff pages, the login form, the write
API and static files do neither.

Which views are public comes from tests/test_access.py's PUBLIC set; which of them other
sites may read is CROSS_ORIGIN below (a decision, like PUBLIC). The CORS check walks the whole
URL map, every method and a preflight for each, anonymous and logged in, so a new view cannot
slip through. Limits are tested on real apps with a low limit; one test runs
`coopsearch serve` to see the headers through gunicorn.
"""

from __future__ import annotations

import dataclasses
import re
import time
import urllib.error
import urllib.request

import pytest
from conftest import log_in, serve
from test_access import PUBLIC, every_request
from test_openapi import SEARCH, check_response
from werkzeug.exceptions import HTTPException

import webui
from webui.config import Settings, SettingsError

PARTNER = "https://partner.example"
#: Public views whose answers other sites' scripts may read: data, not pages. Adding one is a
#: decision: HTML pages are for people (linked, or framed in the case of /embed), the login
#: form is a staff page and static files are the site's own.
CROSS_ORIGIN = {
    "api.search",
    "api.entry",
    "api.suggest",
    "api.themes",
    "apidocs.openapi_document",
    "collections_public.api",
    "collections_public.feed",
    "feeds.search_feed",
    "feeds.opensearch",
    "embed.script",
}
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH")


def cors_headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


def make_app(settings: Settings, **changes):
    return webui.create_app(dataclasses.replace(settings, **changes))


# -- CORS: the walk ---------------------------------------------------------------------------


def walk(client) -> list[tuple[str | None, str, str, dict]]:
    """Every URL of the map with every method, and a preflight asking for each method: (the
    endpoint that the method reaches at that URL, what was sent, the URL, the CORS headers of
    the answer)."""
    app = client.application
    adapter = app.url_map.bind("localhost")
    seen = []
    for url in sorted({url for _, _, url in every_request(app)}):
        for method in METHODS:
            try:
                endpoint = adapter.match(url, method=method)[0]
            except HTTPException:
                endpoint = None  # 405: no view for this method here
            with client.open(url, method=method, headers={"Origin": PARTNER}) as response:
                seen.append((endpoint, method, url, cors_headers(response)))
            preflight = {"Origin": PARTNER, "Access-Control-Request-Method": method}
            with client.open(url, method="OPTIONS", headers=preflight) as response:
                seen.append((endpoint, f"OPTIONS for {method}", url, cors_headers(response)))
    return seen


@pytest.fixture
def staff_client(staff_app):
    client = staff_app.test_client()
    assert log_in(client).status_code == 302
    return client


@pytest.mark.parametrize("who", ["anonymous", "staff_client"])
def test_only_reads_of_public_views_answer_other_sites(request, who):
    client = request.getfixturevalue(who)
    allowed, refused = set(), set()
    for endpoint, sent, url, cors in walk(client):
        read = sent in ("GET", "HEAD", "OPTIONS for GET", "OPTIONS for HEAD")
        assert "Access-Control-Allow-Credentials" not in cors, (sent, url)
        if read and endpoint in CROSS_ORIGIN:
            assert cors.get("Access-Control-Allow-Origin") == "*", f"{sent} {url} ({endpoint}): {cors}"
            allowed.add(endpoint)
        else:
            assert cors == {}, f"{sent} {url} ({endpoint}) sent CORS headers: {cors}"
            refused.add(endpoint)
    assert allowed == CROSS_ORIGIN & {e for e, _, _ in every_request(client.application)}
    assert CROSS_ORIGIN <= PUBLIC
    must_refuse = {"staff.dashboard", "staff.tokens", "entries_api.put_entry", "entries_api.delete_entry"}
    assert must_refuse | {"static", "auth.login", "pages.search_page", "embed.frame"} <= refused
    assert {"api.search", "api.entry", "collections_public.api"} <= allowed


def test_the_write_api_never_answers_other_sites_even_with_a_token(staff_client):
    # The same URL as GET /api/v1/entries/<id>: only the GET side is public.
    preflight = {"Origin": PARTNER, "Access-Control-Request-Method": "PUT"}
    response = staff_client.options("/api/v1/entries/solar-coop-rooftops", headers=preflight)
    assert cors_headers(response) == {}
    put = staff_client.put("/api/v1/entries/x", json={}, headers={"Origin": PARTNER})
    assert put.status_code == 401 and cors_headers(put) == {}
    got = staff_client.get("/api/v1/entries/solar-coop-rooftops", headers={"Origin": PARTNER})
    assert got.status_code == 200 and got.headers["Access-Control-Allow-Origin"] == "*"


# -- CORS: what a public response says --------------------------------------------------------


def test_any_origin_by_default_with_the_useful_headers_exposed(client):
    response = client.get("/api/v1/search?q=solar", headers={"Origin": PARTNER})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {"ETag", "Retry-After"}
    assert "Origin" not in response.headers.get("Vary", "")  # the same answer for everyone
    # No Origin header (a server, curl): the same answer, so a cache may share it.
    assert client.get("/api/v1/search?q=solar").headers["Access-Control-Allow-Origin"] == "*"


def test_a_304_answers_other_sites_too(client):
    first = client.get("/api/v1/themes", headers={"Origin": PARTNER})
    again = client.get("/api/v1/themes", headers={"Origin": PARTNER, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.headers["Access-Control-Allow-Origin"] == "*"


def test_errors_of_public_views_are_readable_by_other_sites(client):
    for url in ("/api/v1/search?sort=sideways", "/api/v1/entries/nope"):
        response = client.get(url, headers={"Origin": PARTNER})
        assert response.status_code in (400, 404)
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_for_a_read_is_answered(client):
    headers = {
        "Origin": PARTNER,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match",
    }
    response = client.options("/api/v1/search", headers=headers)
    assert response.status_code == 200
    assert cors_headers(response) == {
        "Access-Control-Allow-Origin": "*",
        "Access-Control-Allow-Methods": "GET, HEAD",
        "Access-Control-Allow-Headers": "*",
        "Access-Control-Max-Age": "86400",
    }


@pytest.fixture(scope="module")
def listed(settings):
    """An app that allows two origins only."""
    return make_app(settings, cors_origins=f"{PARTNER}, http://127.0.0.1:5001").test_client()


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (PARTNER, PARTNER),
        ("HTTPS://Partner.Example", "HTTPS://Partner.Example"),
        ("http://127.0.0.1:5001", "http://127.0.0.1:5001"),
        ("http://127.0.0.1:5002", None),
        ("https://partner.example.evil.example", None),
        ("http://partner.example", None),
        ("null", None),
        (None, None),
    ],
)
def test_listed_origins_get_their_own_origin_back_and_others_nothing(listed, origin, allowed):
    response = listed.get("/api/v1/search?q=solar", headers={"Origin": origin} if origin else {})
    assert response.status_code == 200
    assert response.headers.get("Access-Control-Allow-Origin") == allowed
    assert "Origin" in response.headers["Vary"]  # every answer: caches must keep them apart
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_no_origin_at_all_when_the_setting_is_empty(settings):
    client = make_app(settings, cors_origins="").test_client()
    assert cors_headers(client.get("/api/v1/search", headers={"Origin": PARTNER})) == {}


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("https://partner.example/path", "is not an origin"),
        ("partner.example", "is not an origin"),
        ("https://a.example, ftp://b.example", "'ftp://b.example' is not an origin"),
        ("*, https://a.example", "'*' is not an origin"),
    ],
)
def test_a_bad_origin_list_fails_at_start_up(value, words):
    with pytest.raises(
        SettingsError, match=re.escape(f"COOPSEARCH_CORS_ORIGINS={value!r}") + ".*" + re.escape(words)
    ):
        Settings.from_env({"COOPSEARCH_CORS_ORIGINS": value})


def test_origins_are_read_from_the_environment():
    env = {"COOPSEARCH_CORS_ORIGINS": " https://a.example , http://[::1]:8080 "}
    assert Settings.from_env(env).cors_origins == "https://a.example , http://[::1]:8080"
    assert Settings.from_env({}).cors_origins == "*"


# -- rate limits --------------------------------------------------------------------------


@pytest.fixture
def limited(staff_settings):
    """A staff-enabled app allowing 3 public requests a minute per address."""
    return make_app(staff_settings, rate_limit="3/minute")


def retry_after(response) -> int:
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 60
    return seconds


def test_the_fourth_api_request_in_a_minute_is_a_429_in_the_error_shape(limited):
    client = limited.test_client()
    for _ in range(3):
        assert client.get("/api/v1/search?q=solar").status_code == 200
    response = client.get("/api/v1/search?q=solar", headers={"Origin": PARTNER})
    assert response.status_code == 429
    seconds = retry_after(response)
    error = response.get_json()["error"]
    assert (error["code"], error["param"]) == ("rate_limited", None)
    assert "at most 3 per 1 minute" in error["message"] and f"in {seconds} seconds" in error["message"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # the widget can read it
    check_response(response, SEARCH)


def test_pages_over_the_limit_get_the_html_error_page(limited):
    client = limited.test_client()
    for url in ("/", "/search?q=solar", "/search.atom?q=solar"):
        assert client.get(url).status_code == 200
    response = client.get("/entries/solar-coop-rooftops")
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    retry_after(response)
    html = response.get_data(as_text=True)
    assert "Too many requests from your address" in html and "<h1" in html


def test_one_budget_per_address_across_public_views(limited):
    client = limited.test_client()
    for url in ("/api/v1/themes", "/search?q=solar", "/api/v1/suggest?q=sol"):
        assert client.get(url).status_code == 200
    assert client.get("/api/v1/entries/solar-coop-rooftops").status_code == 429
    other = {"REMOTE_ADDR": "198.51.100.7"}
    assert client.get("/api/v1/themes", environ_base=other).status_code == 200


def test_conditional_requests_count_too(limited):
    client = limited.test_client()
    first = client.get("/api/v1/themes")
    for _ in range(2):
        assert (
            client.get("/api/v1/themes", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
        )
    assert client.get("/api/v1/themes", headers={"If-None-Match": first.headers["ETag"]}).status_code == 429


def test_staff_pages_login_write_api_and_static_files_are_not_in_the_public_budget(limited):
    client = limited.test_client()
    for _ in range(3):
        client.get("/api/v1/themes")
    assert client.get("/api/v1/themes").status_code == 429  # this address is over the limit
    assert client.get("/staff/login").status_code == 200
    assert log_in(client).status_code == 302
    for _ in range(5):
        assert client.get("/staff/").status_code == 200
        assert client.get("/staff/analytics").status_code == 200
        with client.get("/static/style.css") as response:
            assert response.status_code == 200
        assert client.put("/api/v1/entries/x", json={}).status_code == 401  # no token, not 429


def test_off_turns_the_limit_off(staff_settings):
    app = make_app(staff_settings, rate_limit="off")
    client = app.test_client()
    assert all(client.get("/api/v1/themes").status_code == 200 for _ in range(30))
    unlimited = make_app(staff_settings, rate_limit="off", login_rate_limit="off")
    assert "limiter" not in unlimited.extensions


def test_several_limits_apply_together(staff_settings):
    client = make_app(staff_settings, rate_limit="100/hour;2/minute").test_client()
    assert [client.get("/api/v1/themes").status_code for _ in range(3)] == [200, 200, 429]


def test_behind_a_proxy_the_forwarded_address_is_the_client(staff_settings):
    forwarded = [{"X-Forwarded-For": f"203.0.113.{n}"} for n in (1, 2)]
    trusting = make_app(staff_settings, rate_limit="1/minute", proxies=1).test_client()
    assert [trusting.get("/api/v1/themes", headers=h).status_code for h in forwarded] == [200, 200]
    assert trusting.get("/api/v1/themes", headers=forwarded[0]).status_code == 429
    # Without COOPSEARCH_PROXIES the header is the client's word, not trusted: one budget.
    direct = make_app(staff_settings, rate_limit="1/minute").test_client()
    assert [direct.get("/api/v1/themes", headers=h).status_code for h in forwarded] == [200, 429]


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"COOPSEARCH_RATE_LIMIT": "lots"}, "COOPSEARCH_RATE_LIMIT='lots': expected off or limits"),
        ({"COOPSEARCH_RATE_LIMIT": "0/minute"}, "COOPSEARCH_RATE_LIMIT='0/minute'"),
        ({"COOPSEARCH_RATE_LIMIT_STORAGE": "redis"}, "expected a storage URI"),
        ({"COOPSEARCH_PROXIES": "-1"}, "COOPSEARCH_PROXIES='-1'"),
    ],
)
def test_bad_limit_settings_fail_at_start_up(env, words):
    with pytest.raises(SettingsError, match=words):
        Settings.from_env(env)


def test_limit_settings_from_the_environment():
    env = {"COOPSEARCH_RATE_LIMIT": " OFF ", "COOPSEARCH_PROXIES": "0"}
    assert (Settings.from_env(env).rate_limit, Settings.from_env(env).proxies) == ("off", 0)
    assert Settings.from_env({"COOPSEARCH_RATE_LIMIT": "5/second"}).rate_limit == "5/second"


def test_an_unknown_storage_fails_at_start_up(staff_settings):
    with pytest.raises(SettingsError, match="COOPSEARCH_RATE_LIMIT_STORAGE='nosuch://here'"):
        make_app(staff_settings, rate_limit_storage="nosuch://here")


# -- through gunicorn ------------------------------------------------------------------------


@pytest.fixture
def strict_server(library_index, tmp_path):
    """`coopsearch serve` with one worker, 4 requests a minute and one allowed origin."""
    env = {
        "COOPSEARCH_RATE_LIMIT": "4/minute",
        "COOPSEARCH_CORS_ORIGINS": PARTNER,
        "COOPSEARCH_DB": str(tmp_path / "staff.sqlite3"),
    }
    # Waiting for it to answer takes one request of the budget.
    with serve(library_index, tmp_path / "serve.log", **env) as base:
        yield base


def fetch(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers)


def test_a_real_server_limits_and_answers_the_listed_origin(strict_server):
    url = strict_server + "/api/v1/search?q=solar"
    started = time.monotonic()
    answers = [fetch(url, {"Origin": PARTNER}) for _ in range(4)]
    assert time.monotonic() - started < 30  # all within the minute
    assert [status for status, _ in answers] == [200, 200, 200, 429]
    assert all(h["Access-Control-Allow-Origin"] == PARTNER and "Origin" in h["Vary"] for _, h in answers)
    assert 1 <= int(answers[-1][1]["Retry-After"]) <= 60
    status, headers = fetch(url, {"Origin": "https://elsewhere.example"})
    assert status == 429 and "Access-Control-Allow-Origin" not in headers
    assert fetch(strict_server + "/staff/login", {})[0] == 200
