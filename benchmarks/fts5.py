"""Baseline (b): SQLite FTS5 from the standard library, written as a careful developer would.

Text lives in an FTS5 table (porter stemming over unicode61); themes, authors, type and year
live in ordinary indexed tables keyed by the FTS rowid. One statement per search: the
matching rowids and their bm25() scores are materialized once, and the top hits, the total
and every facet's counts are read from that. Words are OR-ed, so FTS5 answers every query
that shares a word with some entry, as a search box should.

The SQL is built by pure functions and run separately, so it can be read and tested as text.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import BenchQuery, Entry, Outcome, year_of

DB_NAME = "fts5.sqlite"
WORD = re.compile(r"[^\W_]+")
FACET_NAMES = ("themes", "authors", "year", "type")

SCHEMA = """
CREATE VIRTUAL TABLE docs USING fts5(
    id UNINDEXED, title, summary, body, authors, tokenize = "porter unicode61"
);
CREATE TABLE meta (doc INTEGER PRIMARY KEY, id TEXT NOT NULL, year INTEGER, type TEXT);
CREATE TABLE doc_themes (doc INTEGER NOT NULL, theme TEXT NOT NULL);
CREATE TABLE doc_authors (doc INTEGER NOT NULL, author TEXT NOT NULL);
"""

INDEXES = """
CREATE UNIQUE INDEX meta_id ON meta (id);
CREATE INDEX meta_year ON meta (year);
CREATE INDEX meta_type ON meta (type);
CREATE INDEX doc_themes_theme ON doc_themes (theme, doc);
CREATE INDEX doc_themes_doc ON doc_themes (doc);
CREATE INDEX doc_authors_doc ON doc_authors (doc);
"""

FACETS_SQL = """
SELECT 'hit', id, score FROM (SELECT meta.id, m.score FROM m JOIN meta USING (doc)
                              ORDER BY m.score LIMIT :limit)
UNION ALL SELECT 'total', NULL, count(*) FROM m
UNION ALL SELECT 'themes', theme, count(*) FROM m JOIN doc_themes USING (doc) GROUP BY theme
UNION ALL SELECT 'authors', author, count(*) FROM m JOIN doc_authors USING (doc) GROUP BY author
UNION ALL SELECT 'year', year, count(*) FROM m JOIN meta USING (doc)
          WHERE year IS NOT NULL GROUP BY year
UNION ALL SELECT 'type', type, count(*) FROM m JOIN meta USING (doc) GROUP BY type
"""


def match_expression(text: str) -> str:
    """The query's words, each quoted (so FTS5 syntax in them is inert), OR-ed."""
    return " OR ".join(f'"{word}"' for word in WORD.findall(text.lower()))


def search_sql(query: BenchQuery, limit: int) -> tuple[str, dict[str, Any]]:
    """One statement returning (kind, value, number) rows for hits, total and facets."""
    conditions = ["docs MATCH :match"]
    params: dict[str, Any] = {"match": match_expression(query.text), "limit": limit}
    # "+rowid", not "rowid": a plain rowid IN (...) is handed to FTS5, which then evaluates
    # the whole MATCH once per listed rowid (2.5 s instead of 14 ms at 10,000 entries).
    if query.theme is not None:
        conditions.append("+rowid IN (SELECT doc FROM doc_themes WHERE theme = :theme)")
        params["theme"] = query.theme
    if query.type is not None:
        conditions.append("+rowid IN (SELECT doc FROM meta WHERE type = :type)")
        params["type"] = query.type
    if query.year_from is not None:
        conditions.append("+rowid IN (SELECT doc FROM meta WHERE year BETWEEN :y0 AND :y1)")
        params.update(y0=query.year_from, y1=query.year_to)
    matches = (
        "WITH m AS MATERIALIZED (SELECT rowid AS doc, bm25(docs) AS score FROM docs WHERE "
        + " AND ".join(conditions)
        + ")"
    )
    return matches + FACETS_SQL, params


def outcome_of(rows: list[tuple[str, Any, Any]]) -> Outcome:
    """Fold result rows into an Outcome; hits are sorted here, UNION ALL keeps no order."""
    hits = sorted((score, doc_id) for kind, doc_id, score in rows if kind == "hit")
    facets: dict[str, dict[Any, int]] = {name: {} for name in FACET_NAMES}
    total = 0
    for kind, value, number in rows:
        if kind == "total":
            total = number
        elif kind in facets:
            facets[kind][value] = number
    return Outcome(total, [doc_id for _, doc_id in hits], facets)


def rows_for(doc: int, entry: Entry) -> dict[str, list[tuple]]:
    """Rows of each table for one entry stored under FTS rowid `doc`."""
    authors = entry.get("authors", [])
    return {
        "docs": [
            (
                doc,
                entry["id"],
                entry.get("title", ""),
                entry.get("summary", ""),
                entry.get("body", ""),
                ", ".join(authors),
            )
        ],
        "meta": [(doc, entry["id"], year_of(entry), entry.get("type"))],
        "doc_themes": [(doc, theme) for theme in entry.get("themes") or []],
        "doc_authors": [(doc, author) for author in authors],
    }


INSERTS = {
    "docs": "INSERT INTO docs (rowid, id, title, summary, body, authors) VALUES (?, ?, ?, ?, ?, ?)",
    "meta": "INSERT INTO meta (doc, id, year, type) VALUES (?, ?, ?, ?)",
    "doc_themes": "INSERT INTO doc_themes (doc, theme) VALUES (?, ?)",
    "doc_authors": "INSERT INTO doc_authors (doc, author) VALUES (?, ?)",
}


def insert(conn: sqlite3.Connection, numbered: Iterator[tuple[int, Entry]]) -> None:
    """Insert entries table by table, in batches, inside the caller's transaction."""
    batch: dict[str, list[tuple]] = {table: [] for table in INSERTS}
    for doc, entry in numbered:
        for table, rows in rows_for(doc, entry).items():
            batch[table] += rows
        if len(batch["docs"]) >= 1000:
            _flush(conn, batch)
    _flush(conn, batch)


def _flush(conn: sqlite3.Connection, batch: dict[str, list[tuple]]) -> None:
    for table, rows in batch.items():
        conn.executemany(INSERTS[table], rows)
        rows.clear()


class Fts5Engine:
    """Adapter for baseline (b)."""

    name = "fts5"

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._conn: sqlite3.Connection | None = None

    @property
    def path(self) -> Path:
        return self.index_dir / DB_NAME

    def build(self, entries: Sequence[Entry]) -> None:
        conn = sqlite3.connect(self.path)
        conn.executescript(SCHEMA)
        with conn:
            insert(conn, enumerate(entries, start=1))
        conn.executescript(INDEXES)
        conn.close()

    def open(self) -> None:
        self._conn = sqlite3.connect(self.path)

    def search(self, query: BenchQuery, limit: int) -> Outcome:
        assert self._conn is not None, "open() first"
        sql, params = search_sql(query, limit)
        if not params["match"]:
            return Outcome(0, [], {name: {} for name in FACET_NAMES})
        return outcome_of(self._conn.execute(sql, params).fetchall())

    def update(self, entries: Sequence[Entry]) -> None:
        """Delete and re-insert each entry under its old rowid (or a new one if unknown)."""
        conn = sqlite3.connect(self.path)
        with conn:
            for entry in entries:  # one at a time: a new id's rowid depends on the last insert
                insert(conn, iter([(self._take_rowid(conn, entry["id"]), entry)]))
        conn.close()

    @staticmethod
    def _take_rowid(conn: sqlite3.Connection, entry_id: str) -> int:
        row = conn.execute("SELECT doc FROM meta WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            return conn.execute("SELECT coalesce(max(doc), 0) + 1 FROM meta").fetchone()[0]
        for table in ("doc_themes", "doc_authors", "meta"):
            conn.execute(f"DELETE FROM {table} WHERE doc = ?", row)
        conn.execute("DELETE FROM docs WHERE rowid = ?", row)
        return row[0]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None
