"""webui/entries_api.py and webui/curation.py: entries pushed in with PUT and DELETE
/api/v1/entries/<id>, kept in the staff database, applied to the index at once, searchable on a
running server within two seconds, and kept by incremental runs and full rebuilds.

Everything is real: a private index copy, the app with a fresh staff database, API tokens made
by webui.accounts, `coopsearch index` through CliRunner, and `coopsearch serve` (gunicorn).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import STAFF_EMAIL, serve
from test_openapi import DOCUMENT, follow, pointer, schema_error
from testdata import ALL_IDS, THEMES

import indexer
import webui
from indexer.lock import WriteLock
from search import SearchEngine, SearchRequest
from webui import accounts
from webui.cli import main
from webui.db import open_db

ENTRY_PATH = "/api/v1/entries/{entry_id}"
ZEPPELIN = {
    "title": "A Zeppelin Co-op Takes Off",
    "date": "March 2, 2026",
    "authors": ["Ana Ruiz", "Tom Okafor"],
    "summary": "Members share one zeppelin.",
    "body": "The **zeppelin** is owned by its riders, who meet monthly.",
    "themes": ["Governance"],
    "type": "Case Study",
    "url": "https://example.org/zeppelin",
}


# -- fixtures and helpers -----------------------------------------------------------------------


@pytest.fixture
def push_settings(staff_settings: webui.Settings, index_copy: Path) -> webui.Settings:
    """The staff app's settings on a private index that the tests may write."""
    return replace(staff_settings, index_dir=index_copy)


@pytest.fixture
def push_app(push_settings):
    app = webui.create_app(push_settings)
    app.config["COOPSEARCH_WRITE_WAIT"] = 0.3  # a locked index answers 503 quickly in tests
    return app


@pytest.fixture
def client(push_app):
    return push_app.test_client()


def new_token(settings: webui.Settings) -> tuple[int, str]:
    conn = open_db(settings.staff_db)
    try:
        account = accounts.find_account(conn, STAFF_EMAIL)
        token, secret = accounts.create_token(conn, account.id, "CMS")
        return token.id, secret
    finally:
        conn.close()


@pytest.fixture
def token(push_settings) -> str:
    return new_token(push_settings)[1]


def put(client, token: str, entry_id: str, body: object, **kwargs):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return client.put(f"/api/v1/entries/{entry_id}", data=data, headers=headers, **kwargs)


def delete(client, token: str, entry_id: str):
    return client.delete(f"/api/v1/entries/{entry_id}", headers={"Authorization": f"Bearer {token}"})


def pushed_rows(settings: webui.Settings) -> dict[str, dict]:
    conn = open_db(settings.staff_db)
    try:
        rows = conn.execute("SELECT id, entry, updated_by FROM pushed_entries").fetchall()
        return {row["id"]: {**json.loads(row["entry"]), "_by": row["updated_by"]} for row in rows}
    finally:
        conn.close()


def audit_actions(settings: webui.Settings) -> list[tuple[str, str, str]]:
    conn = open_db(settings.staff_db)
    try:
        return [(r["actor"], r["action"], r["target"]) for r in reversed(accounts.audit_entries(conn))]
    finally:
        conn.close()


def indexed(index_dir: Path) -> dict[str, indexer.StoredEntry]:
    return {s.entry.id: s for s in indexer.stored_entries(index_dir)}


def index_version(index_dir: Path) -> str:
    """Changes with every commit to the index, even one that changes nothing."""
    engine = SearchEngine(index_dir, refresh_seconds=0)
    try:
        return engine.version
    finally:
        engine.close()


def found(index_dir: Path, query: str) -> list[str]:
    engine = SearchEngine(index_dir, refresh_seconds=0)
    try:
        return [hit.id for hit in engine.search(SearchRequest(query=query)).hits]
    finally:
        engine.close()


def check_documented(response, method: str) -> None:
    """The response's status, body and headers are as webui/openapi.json says for `method`."""
    status = str(response.status_code)
    responses = DOCUMENT["paths"][ENTRY_PATH][method]["responses"]
    assert status in responses, f"{status} is not documented for {method.upper()} {ENTRY_PATH}"
    response_ptr, documented = follow(pointer("paths", ENTRY_PATH, method, "responses", status))
    content = documented.get("content", {})
    if not content:
        assert response.data == b""
    else:
        assert response.mimetype in content
        error = schema_error(
            response.get_json(), f"{response_ptr}/content/{pointer(response.mimetype)[2:]}/schema"
        )
        assert error is None, f"{method.upper()} {status}: {error}"
    for name in documented.get("headers", {}):
        assert name in response.headers, f"documented header {name} is missing"


# -- PUT: create and replace ------------------------------------------------------------------


def test_put_creates_an_entry_in_the_database_and_the_index(client, token, push_settings, index_copy):
    response = put(client, token, "zeppelin-coop", ZEPPELIN)
    assert response.status_code == 201, response.get_data(as_text=True)
    check_documented(response, "put")
    assert response.headers["Location"] == "/api/v1/entries/zeppelin-coop"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["id"] == "zeppelin-coop" and body["updated_by"] == STAFF_EMAIL
    assert body["entry"] == {
        "id": "zeppelin-coop",
        "title": "A Zeppelin Co-op Takes Off",
        "date": "2026-03-02",
        "authors": ["Ana Ruiz", "Tom Okafor"],
        "summary": "Members share one zeppelin.",
        "body": "The **zeppelin** is owned by its riders, who meet monthly.",
        "themes": ["governance"],
        "type": "case study",
        "url": "https://example.org/zeppelin",
    }
    assert pushed_rows(push_settings)["zeppelin-coop"]["title"] == "A Zeppelin Co-op Takes Off"
    stored = indexed(index_copy)["zeppelin-coop"]
    assert (stored.source, stored.themes, stored.theme_source) == ("api", ("governance",), "curated")
    assert found(index_copy, "zeppelin") == ["zeppelin-coop"]
    assert audit_actions(push_settings)[-1] == (STAFF_EMAIL, "entry.create", "entry zeppelin-coop")


def test_put_again_replaces_the_entry(client, token, push_settings, index_copy):
    assert put(client, token, "zeppelin-coop", ZEPPELIN).status_code == 201
    changed = {
        **ZEPPELIN,
        "title": "The Zeppelin Co-op Lands",
        "themes": None,
        "body": "Wind energy, wind turbines.",
    }
    response = put(client, token, "zeppelin-coop", {"id": "zeppelin-coop", **changed})
    assert response.status_code == 200
    check_documented(response, "put")
    assert "Location" not in response.headers
    assert pushed_rows(push_settings)["zeppelin-coop"]["title"] == "The Zeppelin Co-op Lands"
    stored = indexed(index_copy)["zeppelin-coop"]
    assert stored.entry.title == "The Zeppelin Co-op Lands"
    assert stored.theme_source == "auto"  # no themes given: assigned from keywords
    assert len(indexed(index_copy)) == len(ALL_IDS) + 1
    assert [a for _, a, _ in audit_actions(push_settings)][-2:] == ["entry.create", "entry.replace"]


def test_the_url_id_is_the_entry_id(client, token, push_settings):
    assert "id" not in ZEPPELIN
    assert put(client, token, "from-the-url", ZEPPELIN).get_json()["entry"]["id"] == "from-the-url"
    assert set(pushed_rows(push_settings)) == {"from-the-url"}


def test_a_pushed_entry_takes_the_place_of_a_file_entry_with_its_id(client, token, index_copy):
    response = put(client, token, "esop-buyout", {"title": "ESOP Buyout, as the CMS Has It"})
    assert response.status_code == 201
    stored = indexed(index_copy)["esop-buyout"]
    assert (stored.entry.title, stored.source) == ("ESOP Buyout, as the CMS Has It", "api")
    assert len(indexed(index_copy)) == len(ALL_IDS)


# -- PUT: invalid entries ---------------------------------------------------------------------

INVALID = [
    ("missing-title", {"summary": "There is no title."}, "title"),
    ("blank-title", {"title": "   "}, "title"),
    ("title-list", {"title": ["A", "B"]}, "title"),
    ("bad-date", {"title": "T", "date": "someday"}, "date"),
    ("authors-object", {"title": "T", "authors": {"name": "Ana"}}, "authors"),
    ("authors-nested", {"title": "T", "authors": [["Ana"]]}, "authors"),
    ("unknown-theme", {"title": "T", "themes": ["astronomy"]}, "themes"),
    ("themes-object", {"title": "T", "themes": {"energy": True}}, "themes"),
    ("summary-object", {"title": "T", "summary": {"text": "x"}}, "summary"),
    ("body-list", {"title": "T", "body": ["x"]}, "body"),
    ("type-list", {"title": "T", "type": ["article"]}, "type"),
    ("script-url", {"title": "T", "url": "javascript:alert(1)"}, "url"),
    ("mixed-case-script-url", {"title": "T", "url": "JaVaScRiPt:alert(1)"}, "url"),
    ("tab-in-script-url", {"title": "T", "url": "java\tscript:alert(1)"}, "url"),
    ("vbscript-url", {"title": "T", "url": "vbscript:msgbox(1)"}, "url"),
    ("data-url", {"title": "T", "url": "data:text/html,<script>alert(1)</script>"}, "url"),
    ("long-title", {"title": "T" * 1001}, "title"),
    ("long-body", {"title": "T", "body": "b" * 200_001}, "body"),
    ("too-many-authors", {"title": "T", "authors": [f"A{i}" for i in range(101)]}, "authors"),
    ("lone-surrogate", '{"title": "T \\ud800"}', "title"),
    ("url-object", {"title": "T", "url": {"href": "x"}}, "url"),
    ("unknown-field", {"title": "T", "tittle": "typo"}, "tittle"),
    ("another-id", {"id": "someone-else", "title": "T"}, "id"),
    ("not-json", "{'title': 'T'}", "json"),
    ("not-an-object", ["title", "T"], "entry"),
    ("nested-too-deeply", '{"title": "T", "authors": ' + "[" * 100_000 + "]" * 100_000 + "}", "json"),
    ("array-nested-too-deeply", "[" * 5_000 + "]" * 5_000, "json"),
    ("lone-surrogate-title", {"title": "solar \ud800 power"}, "title"),
    ("lone-surrogate-author", {"title": "T", "authors": ["Ana", "\udc00"]}, "authors"),
    ("lone-surrogate-date", {"title": "T", "date": "\ud83d"}, "date"),
    ("lone-surrogate-field-name", {"title": "T", "x\ud800": "y"}, "x\\ud800"),
]


@pytest.mark.parametrize(("body", "field"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_an_invalid_entry_gets_422_naming_the_field_and_nothing_is_written(
    client, token, push_settings, index_copy, body, field
):
    before, version = indexed(index_copy), index_version(index_copy)
    response = put(client, token, "new-entry", body)
    assert response.status_code == 422, response.get_data(as_text=True)
    check_documented(response, "put")
    error = response.get_json()["error"]
    assert (error["code"], error["param"]) == ("invalid_entry", field)
    assert error["message"].startswith(f"{field}: ") and len(error["message"]) > len(field) + 10
    assert pushed_rows(push_settings) == {}
    assert indexed(index_copy) == before
    assert index_version(index_copy) == version
    assert "entry.create" not in [a for _, a, _ in audit_actions(push_settings)]


def test_control_characters_are_removed_before_the_entry_is_stored(client, token, push_settings, index_copy):
    entry = {"title": "Vertical\u000bTab\u0000 Co-op", "body": "One\r\n\tTwo\u0007", "themes": ["energy"]}
    response = put(client, token, "vertical-tab", entry)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert (response.get_json()["entry"]["title"], response.get_json()["entry"]["body"]) == (
        "Vertical Tab Co-op",
        "One\n\tTwo",
    )
    assert pushed_rows(push_settings)["vertical-tab"]["title"] == "Vertical Tab Co-op"
    assert indexed(index_copy)["vertical-tab"].entry.title == "Vertical Tab Co-op"


def test_an_id_that_is_not_url_safe_is_refused(client, token, push_settings):
    response = put(client, token, "-starts-with-a-dash", {"title": "T"})
    assert response.status_code == 422
    assert response.get_json()["error"]["param"] == "id"
    assert pushed_rows(push_settings) == {}


def test_the_messages_say_why(client, token):
    messages = {
        "date": put(client, token, "x", {"title": "T", "date": "someday"}),
        "themes": put(client, token, "x", {"title": "T", "themes": ["astronomy"]}),
        "id": put(client, token, "x", {"id": "y", "title": "T"}),
    }
    text = {k: r.get_json()["error"]["message"] for k, r in messages.items()}
    assert "'someday' is not a date" in text["date"]
    assert (
        "unknown theme 'astronomy'; the themes are health, energy, housing, food, governance"
        in text["themes"]
    )
    assert "differs from the URL's 'x'" in text["id"]


def test_an_invalid_replacement_leaves_the_stored_entry_as_it_was(client, token, push_settings, index_copy):
    assert put(client, token, "zeppelin-coop", ZEPPELIN).status_code == 201
    before, version, rows = indexed(index_copy), index_version(index_copy), pushed_rows(push_settings)
    response = put(client, token, "zeppelin-coop", {**ZEPPELIN, "date": "someday", "title": "Changed"})
    assert response.status_code == 422
    assert pushed_rows(push_settings) == rows
    assert indexed(index_copy) == before and index_version(index_copy) == version


def test_a_body_over_the_limit_is_refused(client, token, push_settings):
    response = put(client, token, "big", b" " * 4_000_001)
    assert response.status_code == 413
    check_documented(response, "put")
    assert pushed_rows(push_settings) == {}


# -- DELETE -----------------------------------------------------------------------------------


def test_delete_removes_the_entry_from_the_database_and_the_index(client, token, push_settings, index_copy):
    assert put(client, token, "zeppelin-coop", ZEPPELIN).status_code == 201
    response = delete(client, token, "zeppelin-coop")
    assert response.status_code == 204 and response.data == b""
    check_documented(response, "delete")
    assert pushed_rows(push_settings) == {}
    assert "zeppelin-coop" not in indexed(index_copy)
    assert found(index_copy, "zeppelin") == []
    assert audit_actions(push_settings)[-1] == (STAFF_EMAIL, "entry.delete", "entry zeppelin-coop")


def test_delete_of_an_unknown_or_file_entry_is_404_and_changes_nothing(client, token, index_copy):
    version = index_version(index_copy)
    for entry_id in ("never-pushed", "esop-buyout"):
        response = delete(client, token, entry_id)
        assert response.status_code == 404
        check_documented(response, "delete")
        assert "was pushed through the API" in response.get_json()["error"]["message"]
    assert "esop-buyout" in indexed(index_copy)
    assert index_version(index_copy) == version


# -- who may write ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer cs_not-a-real-token", "Basic bGlicmFyaWFuOnB3"],
    ids=["none", "empty", "unknown", "basic"],
)
def test_a_write_without_a_live_token_is_401_and_writes_nothing(client, push_settings, index_copy, header):
    version = index_version(index_copy)
    headers = {"Authorization": header} if header else {}
    for method, response in (
        ("put", client.put("/api/v1/entries/zeppelin-coop", json=ZEPPELIN, headers=headers)),
        ("delete", client.delete("/api/v1/entries/esop-buyout", headers=headers)),
    ):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="coopsearch"'
        check_documented(response, method)
    assert pushed_rows(push_settings) == {}
    assert index_version(index_copy) == version


def test_a_revoked_token_is_refused_at_once(client, push_settings, index_copy):
    token_id, secret = new_token(push_settings)
    assert put(client, secret, "first", {"title": "First"}).status_code == 201
    conn = open_db(push_settings.staff_db)
    accounts.revoke_token(conn, token_id)
    conn.close()
    assert put(client, secret, "second", {"title": "Second"}).status_code == 401
    assert delete(client, secret, "first").status_code == 401
    assert set(pushed_rows(push_settings)) == {"first"}
    assert "second" not in indexed(index_copy) and "first" in indexed(index_copy)


# -- a locked index ---------------------------------------------------------------------------


def test_a_locked_index_gets_503_with_retry_after_and_nothing_is_written(
    client, token, push_settings, index_copy
):
    assert put(client, token, "kept", {"title": "Kept"}).status_code == 201
    rows, version = pushed_rows(push_settings), index_version(index_copy)
    with WriteLock(index_copy):
        started = time.monotonic()
        response = put(client, token, "zeppelin-coop", ZEPPELIN)
        waited = time.monotonic() - started
        deleted = delete(client, token, "kept")
        replaced = put(client, token, "kept", {"title": "Kept, but changed"})
    assert response.status_code == 503 and deleted.status_code == 503 and replaced.status_code == 503
    assert waited >= 0.25  # it waited for the lock before giving up
    for r in (response, deleted):
        check_documented(r, "put" if r is response else "delete")
        assert r.get_json()["error"]["code"] == "index_locked"
        assert int(r.headers["Retry-After"]) > 0
    assert pushed_rows(push_settings) == rows
    assert index_version(index_copy) == version
    assert put(client, token, "zeppelin-coop", ZEPPELIN).status_code == 201  # free again


def test_a_locked_staff_database_gets_503_with_retry_after_not_500(push_settings, token):
    app = webui.create_app(push_settings)
    app.config["COOPSEARCH_DB_BUSY_MS"] = 300
    holder = open_db(push_settings.staff_db)
    holder.execute("BEGIN IMMEDIATE")  # another writer that does not let go
    try:
        response = put(app.test_client(), token, "zeppelin-coop", ZEPPELIN)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "database_busy"
    assert int(response.headers["Retry-After"]) > 0
    assert pushed_rows(push_settings) == {}


def test_a_write_waits_for_a_short_lock(push_settings, token, index_copy):
    app = webui.create_app(push_settings)  # the default wait of a few seconds
    held = WriteLock(index_copy).__enter__()
    letting_go = threading.Timer(0.5, held.__exit__)
    letting_go.start()
    try:
        started = time.monotonic()
        response = put(app.test_client(), token, "zeppelin-coop", ZEPPELIN)
    finally:
        letting_go.join()
    assert response.status_code == 201
    assert time.monotonic() - started >= 0.4
    assert "zeppelin-coop" in indexed(index_copy)


# -- kept across indexing runs ----------------------------------------------------------------


def run_index(runner, settings: webui.Settings, source: Path, *options: str):
    args = ["index", str(source), "--index", str(settings.index_dir), "--db", str(settings.staff_db)]
    result = runner.invoke(main, [*args, "--themes", str(THEMES), *options])
    assert result.exit_code == 0, result.output
    return result


def test_a_full_rebuild_includes_the_pushed_entries(
    client, token, push_settings, index_copy, library_copy, runner
):
    assert put(client, token, "zeppelin-coop", ZEPPELIN).status_code == 201
    assert put(client, token, "esop-buyout", {"title": "ESOP Buyout, as the CMS Has It"}).status_code == 201
    result = run_index(runner, push_settings, library_copy, "--rebuild")
    assert "added 19" in result.stdout  # 18 from the files, one of them replaced, plus one new
    assert "esop-buyout' is also an entry pushed through the API" in result.stderr
    entries = indexed(index_copy)
    assert set(entries) == ALL_IDS | {"zeppelin-coop"}
    assert entries["zeppelin-coop"].entry.title == "A Zeppelin Co-op Takes Off"
    assert (entries["esop-buyout"].entry.title, entries["esop-buyout"].source) == (
        "ESOP Buyout, as the CMS Has It",
        "api",
    )
    assert found(index_copy, "zeppelin") == ["zeppelin-coop"]


def test_a_pushed_entry_stored_before_todays_checks_is_reported_and_the_rest_indexed(
    client, token, push_settings, index_copy, library_copy, runner
):
    assert put(client, token, "zeppelin-coop", ZEPPELIN).status_code == 201
    # What an older version let into the staff database: a javascript: URL, a 300,000-character body.
    conn = open_db(push_settings.staff_db)
    stored = {"old-script": {"url": "JaVaScRiPt:alert(1)"}, "old-long": {"body": "b" * 300_000}}
    for entry_id, field in stored.items():
        old = indexer.Entry(id=entry_id, title="Pushed long ago", **field)
        conn.execute(
            "INSERT INTO pushed_entries (id, entry, updated_at, updated_by) VALUES (?, ?, '2020-01-01', ?)",
            (entry_id, json.dumps(old.to_dict()), "cms@example.org"),
        )
    conn.commit()
    conn.close()
    result = run_index(runner, push_settings, library_copy, "--rebuild")
    assert "skipped 2" in result.stdout
    assert "<staff database>:1: url: 'JaVaScRiPt:alert(1)' is not an http or https URL" in result.stderr
    assert "pushed entry 'old-script', stored before this check: push it again" in result.stderr
    assert "<staff database>:1: body: is 300000 characters; the limit is 200000" in result.stderr
    assert set(indexed(index_copy)) == ALL_IDS | {"zeppelin-coop"}


def test_an_incremental_run_leaves_the_pushed_entries_alone(
    client, token, push_settings, index_copy, library_copy, runner
):
    assert put(client, token, "zeppelin-coop", ZEPPELIN).status_code == 201
    assert put(client, token, "esop-buyout", {"title": "ESOP Buyout, as the CMS Has It"}).status_code == 201
    version = index_version(index_copy)
    result = run_index(runner, push_settings, library_copy)
    assert "added 0, updated 0, deleted 0, unchanged 19" in result.stdout
    entries = indexed(index_copy)
    assert set(entries) == ALL_IDS | {"zeppelin-coop"}
    assert entries["esop-buyout"].source == "api"
    assert index_version(index_copy) != version  # a commit happened, and it changed nothing
    (library_copy / "tricycle-delivery.md").unlink()
    result = run_index(runner, push_settings, library_copy)
    assert "deleted 1" in result.stdout
    assert set(indexed(index_copy)) == (ALL_IDS - {"tricycle-delivery"}) | {"zeppelin-coop"}


def test_a_pushed_entry_missing_from_the_index_comes_back_with_the_next_run(
    client, token, push_settings, index_copy, library_copy, runner
):
    assert put(client, token, "zeppelin-coop", ZEPPELIN).status_code == 201
    indexer.update(index_copy, [], deleted=["zeppelin-coop"])  # as if a crash lost it
    result = run_index(runner, push_settings, library_copy)
    assert "added 1" in result.stdout
    assert "zeppelin-coop" in indexed(index_copy)


# -- searchable on a running server within two seconds ----------------------------------------


@pytest.fixture
def live_server(push_settings, index_copy, tmp_path):
    """`coopsearch serve` on the private index and staff database; yields its base URL."""
    env = {"COOPSEARCH_DB": str(push_settings.staff_db), "COOPSEARCH_REFRESH_SECONDS": "1"}
    with serve(index_copy, tmp_path / "serve.log", workers=2, **env) as base:
        yield base


def http(method: str, url: str, token: str | None = None, body: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, method=method, data=json.dumps(body).encode() if body else None)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if body:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def seconds_until(check, limit: float = 2.0) -> float:
    """How long until `check()` holds, polling; fails past `limit` seconds."""
    started = time.monotonic()
    while not check():
        elapsed = time.monotonic() - started
        assert elapsed < limit, f"not done within {limit} s"
        time.sleep(0.05)
    return time.monotonic() - started


def test_a_pushed_entry_is_searchable_on_the_running_server_within_two_seconds(live_server, token):
    # Two workers, each refreshing on its own: the first answer that finds the entry may come
    # from either, and two seconds after the write every answer, from both, must find it.
    entry = f"{live_server}/api/v1/entries/zeppelin-coop"

    def hits() -> list[str]:
        status, body = http("GET", f"{live_server}/api/v1/search?q=zeppelin")
        assert status == 200
        return [hit["id"] for hit in json.loads(body)["hits"]]

    def everywhere_by(deadline: float, expected: list[str], entry_status: int) -> None:
        time.sleep(max(0.0, deadline - time.monotonic()))
        for _ in range(8):
            assert hits() == expected
            assert http("GET", entry)[0] == entry_status

    assert hits() == []
    status, _ = http("PUT", entry, token, ZEPPELIN)
    written = time.monotonic()
    assert status == 201
    assert seconds_until(lambda: hits() == ["zeppelin-coop"]) < 2.0
    everywhere_by(written + 2.0, ["zeppelin-coop"], 200)

    status, _ = http("DELETE", entry, token)
    written = time.monotonic()
    assert status == 204
    assert seconds_until(lambda: hits() == []) < 2.0
    everywhere_by(written + 2.0, [], 404)
