"""Adapter for coopsearch itself, written to the contract the engine promises.

Imports are lazy: the engine is written alongside the benchmark, and the runner must still
measure the baselines when `indexer` or `search` cannot be imported yet (see `unavailable`).
Entries go through `Entry.from_mapping`, the same validation as real files, inside the timed
build, just as the baselines convert entries to documents inside theirs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import BenchQuery, Entry, Outcome


def unavailable() -> str | None:
    """Why coopsearch cannot be benchmarked here, or None when both packages import."""
    for module in ("indexer", "search", "search.evaluation"):
        try:
            importlib.import_module(module)
        except Exception as exc:  # any failure means "skip"; the message says why
            return f"cannot import {module}: {type(exc).__name__}: {exc}"
    return None


def records(entries: Sequence[Entry]) -> Iterator[Any]:
    """Entry records, numbered from 1 like lines of a file, so errors name the entry."""
    from indexer import Entry as Record

    for line, entry in enumerate(entries, start=1):
        yield Record.from_mapping(dict(entry), source="bench", line=line)


def _date_argument(field_type: Any, day: dt.date) -> Any:
    """A date, or its ISO text if SearchRequest declares its date filters as strings."""
    return day.isoformat() if "str" in str(field_type) and "date" not in str(field_type) else day


class OursEngine:
    """Adapter for coopsearch: `indexer.rebuild`/`update` and `search.SearchEngine`."""

    name = "ours"

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self.engine: Any = None
        self._field_types: dict[str, Any] = {}

    def build(self, entries: Sequence[Entry]) -> None:
        from indexer import rebuild

        # Two processes: the build setting `coopsearch index` uses on this 2-core machine.
        rebuild(self.index_dir, records(entries), procs=2)

    def open(self) -> None:
        from search import SearchEngine, SearchRequest

        self.engine = SearchEngine(self.index_dir)
        self._field_types = {f.name: f.type for f in dataclasses.fields(SearchRequest)}

    def request(self, query: BenchQuery, limit: int) -> Any:
        """The SearchRequest that the search form would send for this query."""
        from search import SearchRequest

        kinds = self._field_types
        date_from = date_to = None
        if query.year_from is not None:
            date_from = _date_argument(kinds.get("date_from"), dt.date(query.year_from, 1, 1))
            date_to = _date_argument(kinds.get("date_to"), dt.date(query.year_to, 12, 31))
        return SearchRequest(
            query=query.text,
            themes=(query.theme,) if query.theme else (),
            authors=(),
            types=(query.type,) if query.type else (),
            date_from=date_from,
            date_to=date_to,
            sort="relevance",
            page=1,
            per_page=limit,
        )

    def search(self, query: BenchQuery, limit: int) -> Outcome:
        results = self.engine.search(self.request(query, limit))
        return Outcome(results.total, [hit.id for hit in results.hits], results.facets)

    def update(self, entries: Sequence[Entry]) -> None:
        from indexer import update

        update(self.index_dir, records(entries))

    def close(self) -> None:
        if self.engine is not None:
            self.engine.close()
        self.engine = None

    def evaluate(self, queries_path: Path, qrels_path: Path, depth: int) -> dict[str, float]:
        """Relevance through coopsearch's own evaluation module; needs open()."""
        from search.evaluation import evaluate, load_qrels, load_queries

        queries, qrels = load_queries(queries_path), load_qrels(qrels_path)
        return dict(evaluate(self.engine, queries, qrels, depth=depth))
