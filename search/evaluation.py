"""Relevance evaluation with judged queries: nDCG@10, MAP@100, P@10, Recall@100 and TREC runs.

The formats are those of `../shared/data/cacm`: queries as JSON Lines `{"id", "text"}`,
judgments as a TSV `query-id  doc-id  relevance` with a header line. Queries without any
relevant document are left out of the averages; a query that finds nothing scores 0.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from .engine import SearchEngine
from .errors import SearchError
from .models import MAX_PER_PAGE, MAX_RESULT_WINDOW, SearchRequest

Qrels = dict[str, dict[str, int]]


def load_queries(path: Path | str) -> list[tuple[str, str]]:
    return [(qid, text) for qid, text, _ in load_query_kinds(path)]


def load_query_kinds(path: Path | str) -> list[tuple[str, str, str]]:
    """Queries with their kind (`"kind"` in the file, e.g. keyword, typo; "" without one)."""
    queries = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                queries.append((str(data["id"]), str(data["text"]), str(data.get("kind") or "")))
            except (ValueError, KeyError, AttributeError) as exc:
                raise ValueError(f"{path}:{lineno}: a query needs JSON with id and text ({exc})") from exc
    return queries


def load_qrels(path: Path | str) -> Qrels:
    qrels: Qrels = {}
    with open(path, encoding="utf-8", newline="") as f:
        for lineno, row in enumerate(csv.reader(f, delimiter="\t"), 1):
            if not row or (lineno == 1 and not row[-1].strip().lstrip("-").isdigit()):
                continue
            if len(row) < 3:
                raise ValueError(f"{path}:{lineno}: expected query-id, doc-id, relevance")
            qrels.setdefault(row[0].strip(), {})[row[1].strip()] = int(row[2])
    return qrels


def ranking_for(engine: SearchEngine, text: str, depth: int = 100) -> list[tuple[str, float]]:
    """The top `depth` (id, score) pairs for a query, pages of the API's maximum size."""
    out: list[tuple[str, float]] = []
    page = 1
    while len(out) < depth:
        per_page = min(MAX_PER_PAGE, depth)
        results = engine.search(
            SearchRequest(query=text, page=page, per_page=per_page, facets=False, snippets=False)
        )
        out.extend((h.id, h.score) for h in results.hits)
        if page * per_page >= results.total or not results.hits:
            break
        page += 1
    return out[:depth]


def ndcg(ranked: list[str], judged: dict[str, int], k: int = 10) -> float:
    gains = [(2 ** judged.get(doc, 0) - 1) / math.log2(i + 2) for i, doc in enumerate(ranked[:k])]
    ideal = sorted((r for r in judged.values() if r > 0), reverse=True)[:k]
    best = sum((2**r - 1) / math.log2(i + 2) for i, r in enumerate(ideal))
    return sum(gains) / best if best else 0.0


def average_precision(ranked: list[str], judged: dict[str, int], k: int = 100) -> float:
    relevant = sum(1 for r in judged.values() if r > 0)
    hits, total = 0, 0.0
    for i, doc in enumerate(ranked[:k], 1):
        if judged.get(doc, 0) > 0:
            hits += 1
            total += hits / i
    return total / relevant if relevant else 0.0


def metrics(runs: dict[str, list[str]], qrels: Qrels) -> dict[str, float]:
    """Averages over the judged queries that have at least one relevant document."""
    judged = [q for q, docs in qrels.items() if any(r > 0 for r in docs.values())]
    if not judged:
        return {"ndcg@10": 0.0, "map@100": 0.0, "p@10": 0.0, "recall@100": 0.0, "queries": 0}
    sums = {"ndcg@10": 0.0, "map@100": 0.0, "p@10": 0.0, "recall@100": 0.0}
    for q in judged:
        ranked, docs = runs.get(q, []), qrels[q]
        relevant = {d for d, r in docs.items() if r > 0}
        sums["ndcg@10"] += ndcg(ranked, docs)
        sums["map@100"] += average_precision(ranked, docs)
        sums["p@10"] += sum(1 for d in ranked[:10] if d in relevant) / 10
        sums["recall@100"] += len(relevant & set(ranked[:100])) / len(relevant)
    out: dict[str, float] = {k: v / len(judged) for k, v in sums.items()}
    out["queries"] = len(judged)
    return out


def evaluate(
    engine: SearchEngine,
    queries: Iterable[tuple[str, str]],
    qrels: Qrels,
    depth: int = 100,
    run_out: TextIO | None = None,
    tag: str = "coopsearch",
    failures: list[tuple[str, str]] | None = None,
) -> dict[str, float]:
    """Run every query, score the rankings, and optionally write a TREC run file.

    A query the engine refuses scores 0 and the run goes on; `failures` collects
    (query id, reason) for each."""
    runs: dict[str, list[str]] = {}
    for qid, text in queries:
        ranked = _ranking_or_failure(engine, qid, text, depth, failures)
        runs[qid] = [doc for doc, _ in ranked]
        if run_out is not None:
            for rank, (doc, score) in enumerate(ranked, 1):
                run_out.write(f"{qid} Q0 {doc} {rank} {score:.4f} {tag}\n")
    return metrics(runs, qrels)


def _ranking_or_failure(
    engine: SearchEngine, qid: str, text: str, depth: int, failures: list[tuple[str, str]] | None
) -> list[tuple[str, float]]:
    try:
        return ranking_for(engine, text, depth)
    except SearchError as exc:
        if failures is not None:
            failures.append((qid, str(exc)))
        return []


#: Kinds of visitor query whose whole result set is judged, not only its top.
SET_KINDS = ("keyword", "name", "theme")


def evaluate_kinds(
    engine: SearchEngine,
    queries: Iterable[tuple[str, str, str]],
    qrels: Qrels,
    failures: list[tuple[str, str]] | None = None,
) -> dict[str, dict[str, float]]:
    """Per kind of query (and "all"): nDCG@10, the share of queries with an entry judged 2
    in the top 3, and the precision and recall of the whole result set (every entry counted
    in "N results", through every page)."""
    rows: dict[str, list[dict[str, float]]] = {}
    for qid, text, kind in queries:
        judged = qrels.get(qid, {})
        relevant = {d for d, r in judged.items() if r > 0}
        if not relevant:
            continue
        ranked = [d for d, _ in _ranking_or_failure(engine, qid, text, MAX_RESULT_WINDOW, failures)]
        found = len(relevant & set(ranked))
        row = {
            "ndcg@10": ndcg(ranked, judged),
            "top3": float(any(judged.get(d, 0) >= 2 for d in ranked[:3])),
            "set_precision": found / len(ranked) if ranked else 0.0,
            "set_recall": found / len(relevant),
        }
        groups = [kind or "other", "all"] + (["keyword+name+theme"] if kind in SET_KINDS else [])
        for name in groups:
            rows.setdefault(name, []).append(row)
    return {kind: _mean(kind_rows) for kind, kind_rows in rows.items()}


def _mean(rows: list[dict[str, float]]) -> dict[str, float]:
    out = {name: sum(r[name] for r in rows) / len(rows) for name in rows[0]}
    out["queries"] = len(rows)
    return out
