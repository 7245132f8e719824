"""Rate limits hold under load: 16 client threads at a real gunicorn with a low limit.

The counters live in each worker's memory (COOPSEARCH_RATE_LIMIT_STORAGE=memory://; the
`limits` package offers no shared storage without a server such as Redis), so with W workers
one client gets at most W times the limit. Everything over it must be a clean 429 with
Retry-After and the API's JSON error, never a 5xx or a dropped connection; and another client
(behind the same proxy: COOPSEARCH_PROXIES=1 and X-Forwarded-For) keeps its own budget.
"""

from __future__ import annotations

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
