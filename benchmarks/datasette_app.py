"""The Datasette baseline for the load run: the entries in SQLite with FTS5, served as is.

One table `entries` (id, title, summary, body, authors_text, authors and themes as JSON
arrays, type, year) and an external-content FTS5 table `entries_fts` over title, summary,
body and authors_text (`porter unicode61`, as `benchmarks.fts5`), named the way Datasette
detects it, so `/load/entries.json?_search=...` searches it. Facets come from Datasette's
own `_facet_array=themes`, `_facet_array=authors` and `_facet=year`; filters from its
column filters (`themes__arraycontains=`, `type=`, `year__gte=`/`year__lte=`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.common import BenchQuery, Entry, fresh_dir, year_of

DB_NAME = "load"
TABLE = "entries"
SCHEMA = """
CREATE TABLE entries (
    id TEXT PRIMARY KEY, title TEXT, summary TEXT, body TEXT, authors_text TEXT,
    authors TEXT, themes TEXT, type TEXT, year INTEGER
);
CREATE INDEX entries_year ON entries(year);
CREATE INDEX entries_type ON entries(type);
CREATE VIRTUAL TABLE entries_fts USING fts5(
    title, summary, body, authors_text,
    content="entries", tokenize="porter unicode61"
);
"""
FACETS = [("_facet_array", "themes"), ("_facet_array", "authors"), ("_facet", "year")]


def _row(entry: Entry) -> tuple:
    authors = list(entry.get("authors") or [])
    return (
        entry["id"],
        entry.get("title", ""),
        entry.get("summary", ""),
        entry.get("body", ""),
        ", ".join(authors),
        json.dumps(authors),
        json.dumps(list(entry.get("themes") or [])),
        entry.get("type"),
        year_of(entry),
    )


def build_db(folder: Path, entries: Sequence[Entry]) -> Path:
    """`folder`/load.db with every entry and its full-text index, built once."""
    path, marker = folder / f"{DB_NAME}.db", folder / "built.json"
    if marker.exists():
        return path
    fresh_dir(folder)
    conn = sqlite3.connect(path)
    with conn:
        conn.executescript(SCHEMA)
        conn.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", map(_row, entries))
        conn.execute(
            "INSERT INTO entries_fts(rowid, title, summary, body, authors_text) "
            "SELECT rowid, title, summary, body, authors_text FROM entries"
        )
    conn.close()
    marker.write_text(json.dumps({"entries": len(entries)}) + "\n")
    return path


def search_path(query: BenchQuery, per_page: int) -> str:
    """The table URL for one search with facets and at most one filter."""
    args = [("_search", query.text), *FACETS, ("_size", str(per_page))]
    if query.theme:
        args.append(("themes__arraycontains", query.theme))
    if query.type:
        args.append(("type", query.type))
    if query.year_from is not None:
        args += [("year__gte", str(query.year_from)), ("year__lte", str(query.year_to))]
    return f"/{DB_NAME}/{TABLE}.json?{urlencode(args)}"


def command(db: Path, port: int) -> list[str]:
    """Arguments after `datasette`: the time limits are raised so that facets are counted
    (by default Datasette gives up on a facet after 200 ms and on a query after 1 s, and would
    then answer less than the other servers), and facet suggestions are off (no other server
    computes them)."""
    settings = [("sql_time_limit_ms", "60000"), ("facet_time_limit_ms", "60000")]
    settings += [("suggest_facets", "off"), ("max_returned_rows", "1000")]
    args = ["serve", str(db), "--host", "127.0.0.1", "--port", str(port)]
    for name, value in settings:
        args += ["--setting", name, value]
    return args
