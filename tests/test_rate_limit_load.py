"""Rate limits hold under load: 16 client threads at a real gunicorn with a low limit.

The counters live in each worker's memory (COOPSEARCH_RATE_LIMIT_STORAGE=memory://; the
`limits` package offers no shared storage without a server such as Redis), so with W workers
one client gets at most W times the limit. Everything over it must be a clean 429 with
Retry-After and the API's JSON error, never a 5xx or a dropped connection; and another client
(behind the same proxy: COOPSEARCH_PROXIES=1 and X-Forwarded-For) keeps its own budget.
"""

from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
from urllib.parse import urlencode, urlsplit

import loadkit
import pytest
from conftest import serve

LIMIT = 40
LOAD = 240  # requests from the busy client: six times the limit
PATHS = ("/api/v1/search?q=coop", "/api/v1/themes", "/api/v1/suggest?q=co", "/api/v1/entries/esop-buyout")
BUSY = "203.0.113.7"
OTHER = "198.51.100.9"


def from_client(base: str, path: str, address: str, chain: str = "") -> loadkit.Reply:
    """A request that the proxy in front says comes from `address` (after a `chain` of
    addresses the client itself put in the header, which must not count)."""
    forwarded = f"{chain}, {address}" if chain else address
    return loadkit.fetch(base, path, headers={"X-Forwarded-For": forwarded})


def check_refusal(reply: loadkit.Reply) -> None:
    assert 1 <= int(reply.headers["retry-after"]) <= 60, reply.headers
    assert reply.headers["content-type"].startswith("application/json")
    error = reply.json()["error"]
    assert error["code"] == "rate_limited" and f"at most {LIMIT}" in error["message"], error
    assert set(error) == {"code", "message", "param"}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_busy_client_gets_its_limit_per_worker_and_clean_429s(library_index, tmp_path, workers):
    env = {"COOPSEARCH_RATE_LIMIT": f"{LIMIT}/minute", "COOPSEARCH_PROXIES": "1"}
    with serve(library_index, tmp_path / "serve.log", workers=workers, **env) as base:

        def busy(thread: int, n: int) -> loadkit.Reply:
            # Half the requests also claim other addresses in front: only the proxy's counts.
            chain = f"10.0.{thread}.{n}" if n % 2 else ""
            return from_client(base, PATHS[(thread + n) % len(PATHS)], BUSY, chain)

        load = loadkit.Load(busy, threads=16)
        load.limit = LOAD // 16
        replies = load.start().join()
        other = [from_client(base, PATHS[n % len(PATHS)], OTHER) for n in range(10)]
        still_busy = from_client(base, "/api/v1/themes", BUSY)

    assert len(replies) == LOAD
    assert not loadkit.failures(replies), loadkit.failures(replies)[:5]
    statuses = [r.status for r in replies]
    assert set(statuses) <= {200, 429}
    # Each worker lets LIMIT through, and with this many requests every worker that took any
    # share of them (at least LIMIT) ran out; with two workers the split is up to the kernel.
    assert LIMIT <= statuses.count(200) <= LIMIT * workers, statuses.count(200)
    if workers == 1:
        assert statuses.count(200) == LIMIT
    for reply in replies:
        if reply.status == 429:
            check_refusal(reply)
    assert [r.status for r in other] == [200] * len(other), "another client was refused"
    if statuses.count(200) == LIMIT * workers:  # every worker's budget is spent
        assert still_busy.status == 429
        check_refusal(still_busy)


# -- logging in is not a CPU sink ---------------------------------------------------------------

HAMMERS = 4
HAMMER_SECONDS = 6.0


def login_form(base: str) -> tuple[str, str]:
    """A browser's session cookie and the login form's CSRF token."""
    reply = loadkit.fetch(base, "/staff/login")
    cookie = reply.headers["set-cookie"].split(";")[0]
    return cookie, re.search(r'name="csrf_token" value="([^"]+)"', reply.body.decode()).group(1)


def wrong_login(base: str, cookie: str, csrf: str, n: int) -> int | None:
    parts = urlsplit(base)
    form = urlencode({"email": f"guess{n}@example.org", "password": "wrong guess", "csrf_token": csrf})
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(
            "POST",
            "/staff/login",
            body=form,
            headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
        )
        return conn.getresponse().status
    except OSError:
        return None
    finally:
        conn.close()


def search_seconds(base: str, count: int) -> list[float]:
    replies = [loadkit.fetch(base, f"/api/v1/search?q=coop&page={1 + n % 2}") for n in range(count)]
    assert all(r.status == 200 for r in replies), [r.status for r in replies]
    return [r.ended - r.started for r in replies]


def test_a_client_hammering_login_does_not_slow_search(staff_settings, tmp_path):
    """One client posting wrong passwords as fast as it can (guessing across emails, so no
    per-account rule helps): its posts are refused before any password hash is computed, so
    a visitor's search stays fast. Run with -s to see the figures."""
    env = {"COOPSEARCH_DB": str(staff_settings.staff_db)}
    with serve(staff_settings.index_dir, tmp_path / "serve.log", workers=2, **env) as base:
        quiet = statistics.median(search_seconds(base, 30))
        cookie, csrf = login_form(base)
        statuses: list[int | None] = []
        stop = time.monotonic() + HAMMER_SECONDS

        def hammer(thread: int) -> None:
            n = 0
            while time.monotonic() < stop:
                statuses.append(wrong_login(base, cookie, csrf, thread * 100_000 + n))
                n += 1

        threads = [threading.Thread(target=hammer, args=(t,)) for t in range(HAMMERS)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)  # the hammering is under way
        busy = search_seconds(base, 30)
        for thread in threads:
            thread.join()
    checked = statuses.count(401)
    print(
        f"\nsearch median {quiet * 1000:.1f} ms quiet, {statistics.median(busy) * 1000:.1f} ms "
        f"(max {max(busy) * 1000:.0f} ms) while login was hammered: {len(statuses)} posts, "
        f"{checked} password checks, {statuses.count(429)} refused with 429"
    )
    assert None not in statuses and set(statuses) <= {401, 429}
    assert checked <= 2 * 10  # the login budget of each of the two workers
    assert statistics.median(busy) < max(0.1, 5 * quiet)
