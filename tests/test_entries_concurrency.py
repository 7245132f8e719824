"""Parallel pushes of large entries against a real gunicorn: no database transaction is held
while the index is written, so a push that finds another one writing gets 503 with
Retry-After after a short wait (never a 500 "database is locked"), and a staff login does not
wait for the index work. With gunicorn's sync workers a login can still queue for a worker
behind pushes that are waiting their second for the lock: four workers keep that short."""

from __future__ import annotations

import http.cookiejar
import json
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import STAFF_EMAIL, STAFF_PASSWORD, serve

import indexer
import webui
from indexer.lock import WriteLock
from indexer.records import LIMITS
from webui import accounts
from webui.db import open_db

PUSHES = 6
#: About 190 KB of text, just under the body limit: the largest entry there can be.
WORDS = 27_000
LOGIN_SECONDS = 3.0
SMALL = json.dumps({"title": "A small entry"}).encode()


@pytest.fixture
def push_settings(staff_settings: webui.Settings, index_copy: Path) -> webui.Settings:
    return replace(staff_settings, index_dir=index_copy)


@pytest.fixture
def token(push_settings) -> str:
    conn = open_db(push_settings.staff_db)
    account = accounts.find_account(conn, STAFF_EMAIL)
    secret = accounts.create_token(conn, account.id, "CMS")[1]
    conn.close()
    return secret


def large_entry(n: int) -> bytes:
    rng = random.Random(n)
    body = " ".join(f"w{rng.randrange(50_000)}" for _ in range(WORDS))
    assert len(body) < LIMITS["body"]
    return json.dumps({"title": f"Large report {n}", "body": body}).encode()


def push(base: str, token: str, entry_id: str, body: bytes) -> tuple[int, dict, dict]:
    request = urllib.request.Request(f"{base}/api/v1/entries/{entry_id}", data=body, method="PUT")
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read() or b"{}")


class Browser:
    """A staff member's browser: cookies kept, the login form's CSRF token read from the page."""

    def __init__(self, base: str) -> None:
        self.base = base
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(cookies)

    def login_form(self) -> str:
        with self.opener.open(f"{self.base}/staff/login", timeout=30) as response:
            return re.search(r'name="csrf_token" value="([^"]+)"', response.read().decode()).group(1)

    def log_in(self, csrf: str) -> int:
        form = {"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "csrf_token": csrf, "next": "/staff/tokens"}
        data = urllib.parse.urlencode(form).encode()
        try:
            with self.opener.open(f"{self.base}/staff/login", data=data, timeout=60) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code


def test_parallel_large_pushes_get_503_not_500_and_login_does_not_wait(push_settings, token, tmp_path):
    bodies = {f"large-{n}": large_entry(n) for n in range(PUSHES)}
    env = {"COOPSEARCH_DB": str(push_settings.staff_db)}
    with serve(push_settings.index_dir, tmp_path / "serve.log", workers=4, **env) as base:
        browser = Browser(base)
        csrf = browser.login_form()
        results: dict[str, tuple[int, dict, dict]] = {}
        threads = [
            threading.Thread(target=lambda i=i, b=b: results.__setitem__(i, push(base, token, i, b)))
            for i, b in bodies.items()
        ]
        for thread in threads:
            thread.start()
        time.sleep(0.5)  # the pushes are in the workers now
        started = time.monotonic()
        login = browser.log_in(csrf)
        login_seconds = time.monotonic() - started
        for thread in threads:
            thread.join()
    statuses = {entry_id: status for entry_id, (status, _, _) in results.items()}
    assert login == 200 and login_seconds < LOGIN_SECONDS, (login, login_seconds, statuses)
    assert set(statuses.values()) <= {201, 503}, statuses
    assert 201 in statuses.values()
    for status, headers, body in results.values():
        if status == 503:
            assert int(headers["Retry-After"]) > 0
            assert body["error"]["code"] in ("busy", "index_locked")
    # What was acknowledged is stored and indexed; what was refused is in neither.
    written = {entry_id for entry_id, status in statuses.items() if status == 201}
    conn = open_db(push_settings.staff_db)
    stored = {row[0] for row in conn.execute("SELECT id FROM pushed_entries")}
    conn.close()
    indexed = {s.entry.id for s in indexer.stored_entries(push_settings.index_dir, list(bodies))}
    assert stored == written == indexed


def test_a_push_waiting_for_the_index_never_holds_up_a_login(push_settings, token, tmp_path):
    """While another indexing run holds the index, a push waits for it (then 503): a staff
    login meanwhile answers at once, since the push holds no database transaction."""
    env = {"COOPSEARCH_DB": str(push_settings.staff_db)}
    with serve(push_settings.index_dir, tmp_path / "serve.log", workers=2, **env) as base:
        browser = Browser(base)
        csrf = browser.login_form()
        outcome: list[tuple[int, dict, dict]] = []
        with WriteLock(push_settings.index_dir):
            pusher = threading.Thread(target=lambda: outcome.append(push(base, token, "small", SMALL)))
            pusher.start()
            time.sleep(0.5)  # the push is waiting for the index now
            started = time.monotonic()
            login = browser.log_in(csrf)
            login_seconds = time.monotonic() - started
            pusher.join()
    assert login == 200 and login_seconds < 1.5, (login, login_seconds)
    status, headers, body = outcome[0]
    assert status == 503 and body["error"]["code"] == "index_locked" and int(headers["Retry-After"]) > 0
