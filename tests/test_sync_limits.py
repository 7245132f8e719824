"""The sync's time limits against real local servers that are slow on purpose.

A response must end within `timeout` however its server drips it (tests/syncsite.py's
/dyn/drip* routes), a host whose robots.txt asks for a Crawl-delay over `max_crawl_delay` is
skipped, and a source that runs out of its `source_budget` stops so that the sources after it
still sync. What could hang runs in a subprocess with a timeout, so that a broken limit fails
the test instead of hanging it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import COOPSEARCH
from syncsite import Site, start_site
from testdata import SYNONYMS, THEMES

import indexer
from indexer.fetch import Fetcher, FetchError, FetchPolicy
from indexer.ids import stable_id
from indexer.sources import parse_sources

ENV = {"COOPSEARCH_SYNONYMS": str(SYNONYMS), "COOPSEARCH_THEMES": str(THEMES)}
HANG = 45  # seconds after which a run that should take a few is taken to hang


@pytest.fixture
def site(tmp_path: Path):
    site = start_site(tmp_path)
    yield site
    site.stop()


@pytest.fixture
def other_site(tmp_path: Path):
    """A second host (its own server and robots.txt)."""
    site = start_site(tmp_path / "other")
    yield site
    site.stop()


def run_bounded(command: list[str]) -> tuple[subprocess.CompletedProcess, float]:
    """Run `command`; fail the test if it has not ended after HANG seconds."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=HANG, env={**os.environ, **ENV}
        )
    except subprocess.TimeoutExpired as exc:
        hung = exc
    else:
        return done, time.monotonic() - started
    pytest.fail(f"still running after {HANG} s (killed): {command[-3:]}\nstdout so far: {hung.stdout!r}")


# -- one response: a wall-clock deadline ---------------------------------------------------

FETCH_ONE = """
import json, sys, time
from indexer.fetch import Fetcher, FetchError, FetchPolicy
fetcher = Fetcher(FetchPolicy(delay=0, robots=False, timeout=float(sys.argv[2])))
started = time.monotonic()
try:
    fetcher.get(sys.argv[1])
    reason = None
except FetchError as exc:
    reason = exc.reason
print(json.dumps({"seconds": time.monotonic() - started, "reason": reason}))
"""


@pytest.mark.parametrize("path", ["/dyn/drip", "/dyn/drip-headers", "/dyn/drip-chunked"])
def test_a_server_that_drips_is_cut_at_the_timeout(site: Site, path):
    done, _ = run_bounded([sys.executable, "-c", FETCH_ONE, site.url(path), "1"])
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["reason"] == "timed out after 1 s"
    assert 0.9 < result["seconds"] < 1.8  # the timeout, not the next 64 KB or the end of a line


# -- Crawl-delay: honoured up to max_crawl_delay, the host skipped beyond it ----------------


class Sleeps(list):
    """Records the pauses asked for, without waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_a_crawl_delay_over_max_crawl_delay_skips_the_host(site: Site):
    (site.root / "robots.txt").write_text("User-agent: *\nCrawl-delay: 86400\n", encoding="utf-8")
    sleeps = Sleeps()
    fetcher = Fetcher(FetchPolicy(delay=0.5), sleep=sleeps)
    url = site.url("/pages/food-hub.html")
    with pytest.raises(FetchError) as caught:
        fetcher.get(url)
    assert (caught.value.url, caught.value.reason) == (
        url,
        "the site's robots.txt asks for a Crawl-delay of 86400 s, over max_crawl_delay (30 s); "
        "the host is skipped for this run",
    )
    with pytest.raises(FetchError, match="the host is skipped for this run"):
        fetcher.get(site.url("/pages/board-meetings.html"))
    assert sleeps == []  # not a second waited
    assert [r.path for r in site.requests] == ["/robots.txt"]  # and nothing but robots.txt asked


def test_a_crawl_delay_up_to_max_crawl_delay_is_honoured(site: Site):
    (site.root / "robots.txt").write_text("User-agent: *\nCrawl-delay: 40\n", encoding="utf-8")
    sleeps = Sleeps()
    fetcher = Fetcher(FetchPolicy(delay=0.5, max_crawl_delay=60), sleep=sleeps)
    assert fetcher.get(site.url("/pages/food-hub.html")).status == 200
    assert len(sleeps) == 1 and 35 < sleeps[0] <= 40


# -- a time budget per source ------------------------------------------------------------------


class Clock:
    """A monotonic clock that only sleeping moves on: the budget counts the delays, exactly."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


PAGES = ("food-hub", "board-meetings", "care-collective", "housing-union", "solar-rooftops", "moved-target")


def test_a_source_out_of_budget_stops_and_the_next_run_goes_on_from_there(site: Site, tmp_path):
    urls = [site.url(f"/pages/{name}.html") for name in PAGES]
    config = parse_sources(
        {
            "fetch": {"delay": 10, "source_budget": 25},
            "pages": {"many": {"urls": urls}},
            "feeds": {"news": {"url": site.url("/feeds/news.rss")}},
        },
        tmp_path,
        "sources",
    )
    index_dir, runs = tmp_path / "index", []
    for _ in range(3):
        clock = Clock()
        fetcher = Fetcher(config.fetch, clock=clock, sleep=clock.sleep)
        runs.append(indexer.sync_sources(index_dir, config, themes_file=THEMES, fetcher=fetcher))
    # robots.txt at 0 s, pages at 10 and 20 s; the next would start at 30 s, past the budget.
    many = [reports[0] for reports in runs]
    assert [(r.added, r.deleted, r.failed) for r in many] == [(2, 0, 1), (2, 0, 1), (2, 0, 1)]
    assert many[0].problems == [
        "6 URLs: the source's time budget (source_budget = 25 s) is spent: "
        "2 of 6 pages read; the next run starts with the 4 others"
    ]
    fetched = [r.path for r in site.requests if r.path.startswith("/pages/")]
    assert fetched == [f"/pages/{name}.html" for name in PAGES]  # each page once, in turn
    stored = {s.entry.id for s in indexer.stored_entries(index_dir) if s.source == "pages:many"}
    assert stored == {stable_id(url) for url in urls}
    # The source after it had a budget of its own each time.
    news = [reports[1] for reports in runs]
    assert [(r.name, r.error, r.added, r.unchanged) for r in news] == [("news", None, 4, 0)] + [
        ("news", None, 0, 4)
    ] * 2


def test_no_slow_or_hostile_host_holds_up_the_sources_after_it(site: Site, other_site: Site, tmp_path):
    (other_site.root / "robots.txt").write_text("User-agent: *\nCrawl-delay: 86400\n", encoding="utf-8")
    patient = [other_site.url("/pages/food-hub.html"), other_site.url("/pages/board-meetings.html")]
    dripping = [site.url(f"/dyn/drip-chunked?page={n}") for n in range(20)]
    sources = tmp_path / "sources.toml"
    sources.write_text(
        "[fetch]\ndelay = 0\ntimeout = 1\nsource_budget = 3\n"
        f'[feeds.drip]\nurl = "{site.url("/dyn/drip")}"\n'
        f'[feeds.drip-headers]\nurl = "{site.url("/dyn/drip-headers")}"\n'
        f'[feeds.patient-feed]\nurl = "{other_site.url("/feeds/news.rss")}"\n'
        f"[pages.patient]\nurls = {json.dumps(patient)}\n"
        f'[feeds.news]\nurl = "{site.url("/feeds/news.rss")}"\n'
        f"[pages.dripping]\nurls = {json.dumps(dripping)}\n"
        f'[pages.good]\nurls = ["{site.url("/pages/food-hub.html")}"]\n',
        encoding="utf-8",
    )
    command = [str(COOPSEARCH), "sync", "--sources", str(sources), "--index", str(tmp_path / "index")]
    done, seconds = run_bounded(command)
    assert done.returncode == 1, done.stderr  # sources were not synced
    kept = "(what the index had from it is kept)"
    lines = done.stdout.splitlines()
    skipped = (
        "the site's robots.txt asks for a Crawl-delay of 86400 s, over max_crawl_delay (30 s); "
        "the host is skipped for this run"
    )
    assert lines[:5] == [
        f"feed drip: not synced: {site.url('/dyn/drip')}: timed out after 1 s {kept}",
        f"feed drip-headers: not synced: {site.url('/dyn/drip-headers')}: timed out after 1 s {kept}",
        f"feed patient-feed: not synced: {other_site.url('/feeds/news.rss')}: {skipped} {kept}",
        "feed news: added 4, updated 0, deleted 0, unchanged 0, failed 0",
        "pages patient: added 0, updated 0, deleted 0, unchanged 0, failed 2",
    ]
    assert lines[5].startswith("pages dripping: added 0, updated 0, deleted 0, unchanged 0, failed ")
    assert lines[6:] == ["pages good: added 1, updated 0, deleted 0, unchanged 0, failed 0"]
    assert f"patient: {patient[0]}: listed at urls[0]: {skipped}" in done.stderr.splitlines()
    assert f"patient: {patient[1]}: listed at urls[1]: {skipped}" in done.stderr.splitlines()
    budget = [line for line in done.stderr.splitlines() if "source_budget" in line]
    assert len(budget) == 1 and budget[0].startswith(
        "dripping: 20 URLs: the source's time budget (source_budget = 3 s) is spent: "
    )
    # Two drips of 1 s and a budget of 3 s (plus at most one timeout), and the start-up.
    assert seconds < 15, seconds
