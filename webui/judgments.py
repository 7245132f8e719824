"""Relevance judgments by staff: the library's own test set, and its nDCG@10 per index generation.

From the search page, staff mark a result relevant (grade 1) or not relevant (0) for the query
they searched; the query is stored normalized, as analytics counts it, and the latest
judgment of a query and entry replaces any earlier one. Judged queries become the test set
that `coopsearch evaluate --judgments` runs through the engine (as `--queries/--qrels` does
for CACM); filters are not part of a judgment. The dashboard keeps the last nDCG@10 computed
for each index generation, so a rebuild's effect on ranking shows as current against previous.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass

from search import SearchEngine
from search import evaluate as run_evaluation

from .analytics import normalize

MAX_QUERY = 1000
MAX_ENTRY_ID = 200
Qrels = dict[str, dict[str, int]]


class JudgmentError(ValueError):
    """A judgment that cannot be stored; the message says why."""


@dataclass(frozen=True)
class JudgedQuery:
    query: str
    relevant: int
    not_relevant: int
    last_at: str
    last_by: str

    @property
    def judged(self) -> int:
        return self.relevant + self.not_relevant


@dataclass(frozen=True)
class Score:
    """nDCG@10 of one index generation over the judgments as they were then."""

    generation: str
    version: str
    ndcg: float
    queries: int
    computed_at: str


def judge(conn: sqlite3.Connection, query: str, entry_id: str, grade: int, who: str) -> str:
    """Store a judgment (replacing an earlier one of the same query and entry); returns the
    normalized query it is filed under."""
    text = normalize(query)
    if not text:
        raise JudgmentError("a judgment needs the query it was made for")
    if len(text) > MAX_QUERY:
        raise JudgmentError(f"the query is longer than {MAX_QUERY} characters")
    if not entry_id.strip() or len(entry_id) > MAX_ENTRY_ID:
        raise JudgmentError("a judgment needs the id of an entry")
    if grade not in (0, 1):
        raise JudgmentError("the grade is 1 (relevant) or 0 (not relevant)")
    conn.execute(
        "INSERT INTO judgments (query, entry_id, grade, judged_by) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (query, entry_id) DO UPDATE SET grade = excluded.grade, "
        "judged_by = excluded.judged_by, judged_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
        (text, entry_id.strip(), grade, who),
    )
    return text


def grades(conn: sqlite3.Connection, query: str) -> dict[str, int]:
    """{entry id: grade} of one query's judgments."""
    rows = conn.execute("SELECT entry_id, grade FROM judgments WHERE query = ?", (normalize(query),))
    return {entry_id: grade for entry_id, grade in rows}


def judgments_of(conn: sqlite3.Connection, query: str) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT entry_id, grade, judged_by, judged_at FROM judgments WHERE query = ? "
        "ORDER BY grade DESC, entry_id",
        (normalize(query),),
    ).fetchall()


def judged_queries(conn: sqlite3.Connection) -> list[JudgedQuery]:
    rows = conn.execute(
        "SELECT j.query, SUM(j.grade = 1), SUM(j.grade = 0), MAX(j.judged_at), "
        " (SELECT judged_by FROM judgments k WHERE k.query = j.query "
        "  ORDER BY judged_at DESC, rowid DESC LIMIT 1) "
        "FROM judgments j GROUP BY j.query ORDER BY j.query"
    )
    return [JudgedQuery(q, int(rel), int(non), at, by) for q, rel, non, at, by in rows]


def as_test_set(conn: sqlite3.Connection) -> tuple[list[tuple[str, str]], Qrels]:
    """The judged queries as (query id, text) and their judgments, in the shapes of
    `search.load_queries` and `search.load_qrels`; ids are j1, j2, … in alphabetical order."""
    queries: list[tuple[str, str]] = []
    qrels: Qrels = {}
    ids: dict[str, str] = {}
    for query, entry_id, grade in conn.execute(
        "SELECT query, entry_id, grade FROM judgments ORDER BY query, entry_id"
    ):
        if query not in ids:
            ids[query] = f"j{len(ids) + 1}"
            queries.append((ids[query], query))
        qrels.setdefault(ids[query], {})[entry_id] = grade
    return queries, qrels


def judgments_key(conn: sqlite3.Connection) -> str:
    """Changes whenever any judgment does: a stored score is stale once it differs."""
    digest = hashlib.sha1()
    for query, entry_id, grade in conn.execute(
        "SELECT query, entry_id, grade FROM judgments ORDER BY query, entry_id"
    ):
        digest.update(f"{query}\t{entry_id}\t{grade}\n".encode())
    return digest.hexdigest()


def evaluate(engine: SearchEngine, conn: sqlite3.Connection, depth: int = 100, **options) -> dict[str, float]:
    """The metrics of `coopsearch evaluate` over the staff's judgments."""
    queries, qrels = as_test_set(conn)
    return run_evaluation(engine, queries, qrels, depth=depth, **options)


def _score(row: sqlite3.Row | None) -> Score | None:
    return Score(**dict(row)) if row else None


_SCORE_COLUMNS = "generation, version, ndcg, queries, computed_at"


def scores(engine: SearchEngine, conn: sqlite3.Connection) -> tuple[Score | None, Score | None]:
    """nDCG@10 of the index being served and of the generation before it. The current one is
    computed when the index or the judgments changed since it was last stored."""
    stats = engine.stats()
    generation, version = str(stats["generation"]), str(stats["version"])
    key = judgments_key(conn)
    row = conn.execute(
        "SELECT version, judgments_key FROM evaluation_scores WHERE generation = ?", (generation,)
    ).fetchone()
    if row is None or tuple(row) != (version, key):
        metrics = evaluate(engine, conn, depth=10)
        conn.execute(
            "INSERT OR REPLACE INTO evaluation_scores (generation, version, judgments_key, ndcg, queries) "
            "VALUES (?, ?, ?, ?, ?)",
            (generation, version, key, metrics["ndcg@10"], int(metrics["queries"])),
        )
    current = conn.execute(
        f"SELECT {_SCORE_COLUMNS} FROM evaluation_scores WHERE generation = ?", (generation,)
    ).fetchone()
    previous = conn.execute(
        f"SELECT {_SCORE_COLUMNS} FROM evaluation_scores WHERE generation < ? "
        "ORDER BY generation DESC LIMIT 1",
        (generation,),
    ).fetchone()
    return _score(current), _score(previous)
