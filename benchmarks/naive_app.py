"""The naive web baseline for the load run: Flask + Whoosh as the tutorials show it.

    NAIVE_INDEX=DIR gunicorn -w 2 "benchmarks.naive_app:create_app()"

`GET /search?q=&theme=&type=&from=&to=&page=&per_page=` answers JSON: the total, the page's
hits (id, title, summary) and facet counts on themes, authors, year and type. The index is
the one `benchmarks.naive` builds (StemmingAnalyzer fields, one default writer); each
request opens a new searcher, parses with the stock `MultifieldParser` (AND between words)
and counts facets through `groupedby=`. `build_index` builds it once per entry set.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request
from whoosh import index
from whoosh.qparser import MultifieldParser

from benchmarks.common import BenchQuery, Entry, fresh_dir
from benchmarks.naive import SEARCH_FIELDS, NaiveWhoosh, facets, filter_query


def build_index(folder: Path, entries: Sequence[Entry]) -> Path:
    """The naive index of `entries` in `folder`/index, built once (a marker says it is done)."""
    index_dir, marker = folder / "index", folder / "built.json"
    if marker.exists():
        return index_dir
    fresh_dir(folder)
    index_dir.mkdir()
    NaiveWhoosh(index_dir).build(entries)
    marker.write_text(json.dumps({"entries": len(entries)}) + "\n")
    return index_dir


def _int(name: str, default: int | None = None) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else default


def _query() -> BenchQuery:
    year_from = _int("from")
    return BenchQuery(
        request.args.get("q", ""),
        theme=request.args.get("theme") or None,
        type=request.args.get("type") or None,
        year_from=year_from,
        year_to=_int("to", year_from),
    )


def _groups(found: Any) -> dict[str, list[list[Any]]]:
    """Facet counts as [value, count] pairs, most frequent first (None: entries without one)."""
    groups = {name: found.results.groups(name) for name in ("themes", "authors", "year", "type")}
    return {name: sorted(([k, n] for k, n in g.items()), key=lambda kn: -kn[1]) for name, g in groups.items()}


def create_app(index_dir: str | None = None) -> Flask:
    """The app on the index in `index_dir` (default: the NAIVE_INDEX environment variable)."""
    app = Flask(__name__)
    ix = index.open_dir(index_dir or os.environ["NAIVE_INDEX"])
    parser = MultifieldParser(SEARCH_FIELDS, ix.schema)

    @app.get("/search")
    def search() -> Any:
        query = _query()
        page, per_page = _int("page", 1) or 1, _int("per_page", 10) or 10
        with ix.searcher() as searcher:
            found = searcher.search_page(
                parser.parse(query.text),
                page,
                pagelen=per_page,
                filter=filter_query(query),
                groupedby=facets(),
            )
            hits = [{"id": h["id"], "title": h["title"], "summary": h.get("summary", "")} for h in found]
            return jsonify(total=len(found.results), page=page, hits=hits, facets=_groups(found))

    return app
