"""search/cache.py: repeated identical searches are answered from memory, never with results
from another index version or other synonyms."""

from __future__ import annotations

import os
import shutil

from conftest import SYNONYMS, build_index
from test_indexing import write_entry

from search import SearchEngine, SearchRequest


def ids(engine: SearchEngine, query: str) -> list[str]:
    return [hit.id for hit in engine.search(SearchRequest(query=query, per_page=100)).hits]


def test_a_repeated_search_is_answered_from_the_cache_with_the_same_results(library_index):
    engine = SearchEngine(library_index, SYNONYMS, cache_size=8)
    try:
        request = SearchRequest(query="co-op", themes=("energy",), per_page=5)
        first = engine.search(request)
        again = engine.search(SearchRequest(query="co-op", themes=("energy",), per_page=5))
        assert (engine.cache.hits, engine.cache.misses) == (1, 1)
        assert again.hits == first.hits and again.facets == first.facets
        assert (again.total, again.suggestion, again.request) == (first.total, first.suggestion, request)
        engine.search(SearchRequest(query="co-op", themes=("energy",), per_page=5, page=2))
        assert (engine.cache.hits, engine.cache.misses) == (1, 2)
    finally:
        engine.close()


def test_without_a_cache_every_search_runs(library_index):
    engine = SearchEngine(library_index, SYNONYMS)
    try:
        engine.search(SearchRequest(query="solar"))
        engine.search(SearchRequest(query="solar"))
        assert (engine.cache.hits, len(engine.cache)) == (0, 0)
    finally:
        engine.close()


def test_the_cache_keeps_only_the_most_recently_used_results(library_index):
    engine = SearchEngine(library_index, SYNONYMS, cache_size=2)
    try:
        for query in ("solar", "wind", "solar", "nurses"):
            engine.search(SearchRequest(query=query))
        assert len(engine.cache) == 2
        engine.search(SearchRequest(query="solar"))  # used recently: kept
        engine.search(SearchRequest(query="wind"))  # least recently used: gone
        assert (engine.cache.hits, engine.cache.misses) == (2, 4)
    finally:
        engine.close()


def test_a_new_index_version_is_never_answered_with_older_results(index_copy, library_copy):
    engine = SearchEngine(index_copy, SYNONYMS, refresh_seconds=0, cache_size=64)
    try:
        before = ids(engine, "tricycle")
        assert before == ids(engine, "tricycle") and engine.cache.hits == 1
        write_entry(library_copy, "second-trike", "A Second Tricycle Co-op", "Tricycle deliveries.")
        build_index(index_copy, [library_copy])
        after = ids(engine, "tricycle")
        assert "second-trike" in after and set(before) < set(after)
    finally:
        engine.close()


def test_changed_synonyms_are_never_answered_with_older_results(library_index, tmp_path):
    rules = tmp_path / "synonyms.txt"
    shutil.copyfile(SYNONYMS, rules)
    engine = SearchEngine(library_index, rules, refresh_seconds=0, cache_size=64)
    try:
        assert ids(engine, "trike") == ids(engine, "trike") == []
        rules.write_text(rules.read_text() + "trike, tricycle\n", encoding="utf-8")
        later = rules.stat().st_mtime_ns + 2_000_000_000
        os.utime(rules, ns=(later, later))
        assert ids(engine, "trike") == ["tricycle-delivery"]
    finally:
        engine.close()


def test_autocomplete_is_cached_too_and_follows_the_index(index_copy, library_copy):
    engine = SearchEngine(index_copy, SYNONYMS, refresh_seconds=0, cache_size=64)
    try:
        first = engine.complete("tricy", 8)
        hits = engine.cache.hits
        assert engine.complete("tricy", 8) == first and engine.cache.hits == hits + 1
        write_entry(library_copy, "tricyclists", "Tricyclists Unite", "Tricycles.")
        build_index(index_copy, [library_copy])
        assert "tricyclists" in {c.id for c in engine.complete("tricy", 8)}
        assert "tricyclists" not in {c.id for c in first}
    finally:
        engine.close()


def test_a_background_engine_keeps_up_with_the_index_without_being_asked(index_copy, library_copy):
    """As served: a thread opens new versions while searches go on with the one they have,
    so a worker with no requests is current when the next one comes."""
    import time

    engine = SearchEngine(index_copy, SYNONYMS, refresh_seconds=0.1, background_refresh=True)
    try:
        before = engine.version
        write_entry(library_copy, "quiet-trike", "A Quiet Tricycle Co-op", "Tricycles.")
        build_index(index_copy, [library_copy])
        deadline = time.monotonic() + 10
        while engine.version == before:  # `version` itself never opens anything here
            assert time.monotonic() < deadline, "the engine did not pick up the new version"
            time.sleep(0.05)
        assert "quiet-trike" in ids(engine, "tricycle")
    finally:
        engine.close()


def test_a_background_engine_opens_a_new_version_at_once_when_asked_to_wait(index_copy, library_copy):
    """After this process changed the index itself (staff fixing themes), it must not show
    the old version until the next round of the thread."""
    engine = SearchEngine(index_copy, SYNONYMS, refresh_seconds=3600, background_refresh=True)
    try:
        before = ids(engine, "tricycle")
        write_entry(library_copy, "loud-trike", "A Loud Tricycle Co-op", "Tricycles.")
        build_index(index_copy, [library_copy])
        assert ids(engine, "tricycle") == before  # the thread sleeps for an hour
        engine.snapshot(wait=True)
        assert "loud-trike" in ids(engine, "tricycle")
    finally:
        engine.close()
