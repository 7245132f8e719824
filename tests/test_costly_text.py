"""Entries whose text would make a search or a page do quadratic work, against a real gunicorn.

A body can come from a partner feed, the write API or a file, so it can hold anything: a line
of 100,000 "[" made the snippet's Markdown stripping and markdown-it's link parsing quadratic
(the worker was killed at its timeout, a 500). Each request here is timed against an ordinary
one of the same kind in the same test: the bound is loose (10x plus a little), enough to tell
a denial of service from a slow machine, not a benchmark. The result cache is off, so every
request does the work.
"""

from __future__ import annotations

import shutil
import statistics
import time
import urllib.request

import pytest
from conftest import build_index, serve
from testdata import LIBRARY

#: Bodies of 100 KB that cost quadratic work before: brackets that never close, link
#: openers, brackets closed once at the very end, and one hyphenated word of 14,000 parts
#: that each match the search (the snippet walked back to the word's start from each).
COSTLY = {
    "bracket-flood": "[" * 100_000,
    "link-openers": "[a](" * 25_000,
    "late-close": "[" * 100_000 + "]",
    "hyphen-chain": "ledger-" * 14_300,
}
SLACK = 0.05  # seconds on top of the ratio, for a shared machine's noise on short requests


@pytest.fixture(scope="module")
def costly_server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("costly")
    library = root / "library"
    shutil.copytree(LIBRARY, library)
    for entry_id, body in COSTLY.items():
        front = f'---\nid: {entry_id}\ntitle: "Ledger {entry_id}"\ndate: "2021"\n---\n'
        (library / f"{entry_id}.md").write_text(front + body + "\n", encoding="utf-8")
    build_index(root / "index", [library], rebuild=True)
    with serve(root / "index", root / "serve.log", COOPSEARCH_CACHE_SIZE="0") as base:  # every request works
        yield base


def _seconds(url: str, runs: int = 3) -> float:
    """The median time of `runs` requests to `url` (after one to warm it), each answered 200."""
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        with urllib.request.urlopen(url, timeout=60) as response:
            assert response.status == 200, url
            response.read()
        times.append(time.perf_counter() - start)
    return statistics.median(times[1:])


def _assert_bounded(costly: float, ordinary: float, what: str) -> None:
    assert costly <= 10 * ordinary + SLACK, f"{what}: {costly:.3f}s, an ordinary one {ordinary:.3f}s"


@pytest.mark.parametrize("path", ["/search", "/api/v1/search"])
def test_a_search_finding_costly_bodies_costs_about_an_ordinary_one(costly_server, path):
    ordinary = _seconds(f"{costly_server}{path}?q=cooperative")
    costly = _seconds(f"{costly_server}{path}?q=ledger")
    _assert_bounded(costly, ordinary, f"{path}?q=ledger")


@pytest.mark.parametrize("entry_id", sorted(COSTLY))
def test_the_page_of_a_costly_body_costs_about_an_ordinary_one(costly_server, entry_id):
    ordinary = _seconds(f"{costly_server}/entries/pv-array-farm")
    costly = _seconds(f"{costly_server}/entries/{entry_id}")
    _assert_bounded(costly, ordinary, f"/entries/{entry_id}")


def test_the_served_index_holds_the_costly_entries(costly_server):
    with urllib.request.urlopen(f"{costly_server}/api/v1/search?q=ledger", timeout=60) as response:
        body = response.read().decode()
    assert all(entry_id in body for entry_id in COSTLY)

