"""Several instances, one index: two `coopsearch serve` (two gunicorn workers each) share one
index folder while visitors search and the index is rebuilt, then updated incrementally.

Nothing is mocked: real gunicorn processes on 127.0.0.1, `coopsearch index` as a subprocess,
client threads over TCP. What a visitor must never see: a failed request (no answer, or a 5xx)
or a page that contradicts itself. What the library must see: every worker of every instance
serving the new version without a restart. Which version a worker serves is read from the
ETag (it starts with the index version, `gen-NNNNNN.C`) and, to be sure no worker was left
behind, from the index files each worker process has open (/proc).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import loadkit
import pytest
from conftest import COOPSEARCH, build_index, serve
from testdata import LIBRARY, SYNONYMS, THEMES

import webui
from search import SearchEngine

REFRESH = "0.2"
NEW_WORD = "quokkaberry"
CHANGED_WORD = "walrusfrond"
QUERIES = ("coop", NEW_WORD, CHANGED_WORD, "energy", "")
NEW_ENTRY = f"""---
id: quokka-ferry
title: "The {NEW_WORD.title()} Ferry Co-op"
date: "2025-05-05"
authors: ["Ana Ruiz"]
themes: [governance]
type: news
summary: >-
  Islanders own the {NEW_WORD} ferry together.
---
The ferry is run by its riders.
"""
VERSION = re.compile(r'^W/"(gen-\d+\.\d+)-')


def run_index(library: Path, index_dir: Path, *options: str) -> str:
    """`coopsearch index` as an operator runs it, beside the running servers."""
    command = [str(COOPSEARCH), "index", str(library), "--index", str(index_dir), "--themes", str(THEMES)]
    done = subprocess.run(
        [*command, "--wait", "30", *options], capture_output=True, text=True, timeout=90, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def version(reply: loadkit.Reply) -> str:
    match = VERSION.match(reply.headers.get("etag", ""))
    assert match, f"no index version in the ETag of {reply.url}: {reply.headers}"
    return match.group(1)


def search(base: str, query: str) -> loadkit.Reply:
    return loadkit.fetch(base, f"/api/v1/search?q={quote(query)}&per_page=50")


def found(reply: loadkit.Reply) -> bool:
    return reply.status == 200 and reply.json()["total"] > 0


def incoherent(reply: loadkit.Reply) -> str | None:
    """Why a 200 search page contradicts itself (total, hits and facet counts), if it does."""
    data = reply.json()
    ids = [hit["id"] for hit in data["hits"]]
    facets = data["facets"]
    counts = {name: sum(v["count"] for v in facets.get(name, [])) for name in ("types", "years")}
    if len(ids) != len(set(ids)) or len(ids) != min(data["total"], data["per_page"]):
        return f"{reply.url}: total {data['total']} with hits {ids}"
    if set(counts.values()) != {data["total"]}:  # every entry has one type and one year
        return f"{reply.url}: total {data['total']} but the facets count {counts}"
    return None


def wait_until(condition, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout}s: {what}"
        time.sleep(0.1)


def everyone_finds(bases: list[str], query: str, requests: int = 48) -> list[loadkit.Reply]:
    """A burst of concurrent searches at every instance (so every worker takes some)."""
    load = loadkit.Load(lambda t, n: search(bases[t % len(bases)], query), threads=8)
    load.limit = requests // 8
    return load.start().join()


def segments(index_dir: Path) -> set[Path]:
    gen = index_dir / (index_dir / "CURRENT").read_text().strip()
    return set(gen.glob("*.seg"))


def workers_holding(bases: list[str], wanted: set[Path]) -> dict[int, bool]:
    """For every worker of every instance: whether it has one of the `wanted` files open."""
    names = {str(path) for path in wanted}
    held = {}
    for base in bases:
        _, workers = loadkit.server_pids(base)
        for pid in workers:
            held[pid] = bool(loadkit.files_open(pid) & names)
    return held


def every_worker_switches(bases: list[str], query: str, new_files: set[Path]) -> None:
    """Every worker process of every instance ends up with the new version open; searches keep
    coming so that a worker refreshes (it checks the index when it answers a request)."""
    deadline = time.monotonic() + 15
    while True:
        replies = everyone_finds(bases, query)
        assert not loadkit.failures(replies), loadkit.failures(replies)
        # A worker opens a new version in a thread while it answers from the old one, so the
        # first searches after an update may not find the change yet; they must soon.
        missed = sum(not found(r) for r in replies)
        held = workers_holding(bases, new_files)
        if all(held.values()) and not missed:
            return
        assert time.monotonic() < deadline, f"old version still served: {missed} misses, {held}"


@dataclass
class Swap:
    """What the visitors got while the index was rebuilt and then updated, and the versions."""

    bases: list[str]
    replies: list[loadkit.Reply]
    rebuilt: str  # the index version the rebuild published
    updated: str  # the version the incremental update committed


def index_version(index_dir: Path) -> str:
    engine = SearchEngine(index_dir, refresh_seconds=0)
    try:
        return engine.version
    finally:
        engine.close()


@pytest.fixture(scope="module")
def swap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Swap]:
    """Two instances (two workers each) of one index folder and staff database, searched by six
    client threads while `coopsearch index --rebuild` adds an entry and then an incremental run
    changes one; it waits until every worker process has the new version open each time."""
    root = tmp_path_factory.mktemp("instances")
    library, index_dir = root / "library", root / "index"
    shutil.copytree(LIBRARY, library)
    build_index(index_dir, [library])
    env = {"COOPSEARCH_REFRESH_SECONDS": REFRESH, "COOPSEARCH_DB": str(root / "staff.sqlite3")}
    with (
        serve(index_dir, root / "a.log", workers=2, **env) as a,
        serve(index_dir, root / "b.log", workers=2, **env) as b,
    ):
        bases = [a, b]
        assert not any(found(search(base, NEW_WORD)) for base in bases)

        def visitor(thread: int, n: int) -> loadkit.Reply:
            return search(bases[(thread + n) % 2], QUERIES[(thread + n) % len(QUERIES)])

        with loadkit.running(visitor, threads=6) as load:
            time.sleep(0.5)
            (library / "quokka-ferry.md").write_text(NEW_ENTRY, encoding="utf-8")
            assert "rebuilt" in run_index(library, index_dir, "--rebuild")
            rebuilt, rebuilt_files = index_version(index_dir), segments(index_dir)
            every_worker_switches(bases, NEW_WORD, rebuilt_files)

            esop = library / "esop-buyout.md"
            esop.write_text(esop.read_text().replace("Buys a Print Shop", f"Buys the {CHANGED_WORD} Shop"))
            assert "updated 1" in run_index(library, index_dir)
            updated_files = segments(index_dir) - rebuilt_files
            assert updated_files, "an incremental update wrote no new segment"
            every_worker_switches(bases, CHANGED_WORD, updated_files)
            time.sleep(0.3)
        yield Swap(bases, load.replies, rebuilt, index_version(index_dir))


def test_no_visitor_gets_a_failed_request_during_a_rebuild_and_an_update(swap: Swap):
    replies = swap.replies
    assert len(replies) > 100 and {r.url.split("/api")[0] for r in replies} == set(swap.bases)
    assert not loadkit.failures(replies), loadkit.failures(replies)[:10]
    assert {r.status for r in replies} == {200}
    versions = {version(r) for r in replies}
    assert {swap.rebuilt, swap.updated} <= versions, f"the load did not span both changes: {versions}"


def test_every_page_agrees_with_itself_during_the_swaps(swap: Swap):
    problems = [p for p in map(incoherent, swap.replies) if p]
    assert not problems, problems[:5]


def test_both_instances_serve_the_new_version_without_a_restart(swap: Swap):
    # every_worker_switches (in the fixture) already saw every worker open the new files.
    for base in swap.bases:
        assert found(search(base, NEW_WORD)) and found(search(base, CHANGED_WORD))
        title = loadkit.fetch(base, "/api/v1/entries/esop-buyout").json()["title"]
        assert title == f"An ESOP Buys the {CHANGED_WORD} Shop"
        assert version(search(base, "coop")) == swap.updated


def _key(version: str) -> tuple[int, int]:
    gen, commit = version.removeprefix("gen-").split(".")
    return int(gen), int(commit)


def test_an_etag_never_names_a_newer_version_than_the_page(swap: Swap):
    """A page computed from the old index under the new version's ETag is kept by browsers and
    caches, and revalidated (304) as current until the index changes again: the visitor would
    not see the new entry. A tag older than the page is harmless (the next request gets 200)."""
    stale = []
    for reply in swap.replies:
        query = reply.json()["query"]
        change = {NEW_WORD: swap.rebuilt, CHANGED_WORD: swap.updated}.get(query)
        if change and _key(version(reply)) >= _key(change) and not found(reply):
            stale.append(f"{reply.url} under {reply.headers['etag']}")
    assert not stale, f"pages from the old index under the new version's ETag: {stale}"


def test_a_page_from_the_old_index_is_never_revalidated_as_current(index_copy, library_copy, tmp_path):
    """The same hazard made certain: the index changes after the search ran but before the
    response is finished (a worker checks at every call here: refresh 0). The page must not
    carry the new version's ETag, or a browser revalidating it would get 304 and keep a page
    without the new entry."""
    settings = webui.Settings(
        index_dir=index_copy,
        synonyms_file=SYNONYMS,
        themes_file=THEMES,
        db_file=tmp_path / "staff.sqlite3",
        refresh_seconds=0,
        rate_limit="off",
    )
    app = webui.create_app(settings)

    @app.after_request  # runs before the app's own after_request hooks (Flask runs them last first)
    def index_changes_now(response):
        if not (library_copy / "quokka-ferry.md").exists():
            (library_copy / "quokka-ferry.md").write_text(NEW_ENTRY, encoding="utf-8")
            build_index(index_copy, [library_copy])
        return response

    client = app.test_client()
    first = client.get(f"/api/v1/search?q={NEW_WORD}")
    assert first.status_code == 200 and first.get_json()["total"] == 0
    again = client.get(f"/api/v1/search?q={NEW_WORD}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200, (
        f"the page without the new entry was confirmed as current ({again.status})"
    )
    assert again.get_json()["total"] == 1


def test_every_worker_opens_the_index_when_it_starts(index_copy: Path, tmp_path: Path):
    """The readiness probe reaches one worker; the others must not leave opening the index
    (seconds at 100,000 entries) to their first visitor."""
    with serve(index_copy, tmp_path / "serve.log", workers=3) as base:
        wait_until(
            lambda: all(workers_holding([base], segments(index_copy)).values()),
            "every worker has the index open without a request",
        )
        assert len(workers_holding([base], segments(index_copy))) == 3
