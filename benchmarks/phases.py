"""The measured phases: build, query latency, update, and the CACM run.

Every engine goes through the same functions, so the timing loops have the same shape by
construction. Garbage is collected before each phase, so one phase's garbage does not fall
into another phase's timings; the collector stays enabled while timing, as in production.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from benchmarks.cacm import Collection
from benchmarks.common import BenchEngine, BenchQuery, Entry, disk_mb, fresh_dir
from benchmarks.metrics import evaluate_runs

PAGE = 10
RELEVANCE_DEPTH = 100


def build(engine: BenchEngine, entries: Sequence[Entry]) -> dict[str, float]:
    """Build from scratch into an emptied folder; seconds, docs/s and size on disk."""
    fresh_dir(engine.index_dir)
    gc.collect()
    started = time.perf_counter()
    engine.build(entries)
    seconds = time.perf_counter() - started
    return {
        "docs": len(entries),
        "seconds": seconds,
        "docs_per_s": len(entries) / seconds,
        "index_mb": disk_mb(engine.index_dir),
    }


def time_rounds(
    engine: BenchEngine, queries: Sequence[BenchQuery], rounds: int
) -> tuple[list[list[float]], list[int]]:
    """Milliseconds per query for each round over the whole list, and round 0's totals.

    Rounds go over the list rather than repeating one query back to back, so a query never
    times its own freshly cached answer.
    """
    gc.collect()
    timings: list[list[float]] = []
    totals: list[int] = []
    for round_number in range(rounds):
        times: list[float] = []
        for query in queries:
            started = time.perf_counter()
            outcome = engine.search(query, PAGE)
            times.append((time.perf_counter() - started) * 1000)
            if round_number == 0:
                totals.append(outcome.total)
        timings.append(times)
    return timings, totals


def latency(times_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95, mean and count of a list of milliseconds."""
    values = np.asarray(times_ms, dtype=float)
    if values.size == 0:
        return {"n": 0}
    p50, p95 = np.percentile(values, [50, 95])
    return {"n": int(values.size), "p50_ms": p50, "p95_ms": p95, "mean_ms": values.mean()}


def query_latency(
    engine: BenchEngine, queries: Sequence[BenchQuery], timed_rounds: int = 3
) -> dict[str, Any]:
    """One warm-up round, then `timed_rounds`; all timed values count, split by filter too."""
    engine.open()
    try:
        rounds, totals = time_rounds(engine, queries, 1 + timed_rounds)
    finally:
        engine.close()
    per_query = list(zip(*rounds[1:], strict=True))  # each query's timed values
    medians = [float(np.median(times)) for times in per_query]
    return {
        "all": latency(_select(queries, per_query, lambda q: True)),
        # The slowest query (its median over the rounds) against the median query.
        "worst_query_ms": max(medians),
        "worst_over_median": max(medians) / max(float(np.median(medians)), 1e-9),
        "filtered": latency(_select(queries, per_query, lambda q: q.filtered)),
        "unfiltered": latency(_select(queries, per_query, lambda q: not q.filtered)),
        "mean_total_hits": float(np.mean(totals)),
        "zero_hit_queries": sum(total == 0 for total in totals),
    }


def _select(
    queries: Sequence[BenchQuery],
    per_query: Sequence[Sequence[float]],
    keep: Callable[[BenchQuery], bool],
) -> list[float]:
    return [t for query, times in zip(queries, per_query, strict=True) if keep(query) for t in times]


def update(engine: BenchEngine, changed: Sequence[Entry]) -> dict[str, float]:
    """Apply edited entries to the existing index; seconds and size after."""
    gc.collect()
    started = time.perf_counter()
    engine.update(changed)
    seconds = time.perf_counter() - started
    return {"entries": len(changed), "seconds": seconds, "index_mb": disk_mb(engine.index_dir)}


def cacm(engine: BenchEngine, collection: Collection, timed_rounds: int = 5) -> dict[str, Any]:
    """Build on CACM, time the queries (round 0 reported as cold), then score relevance."""
    result: dict[str, Any] = {"build": build(engine, collection.entries)}
    queries = [BenchQuery(text) for _, text in collection.queries]
    engine.open()
    try:
        rounds, totals = time_rounds(engine, queries, 1 + timed_rounds)
        result["relevance"] = relevance(engine, collection)
    finally:
        engine.close()
    result["cold"] = latency(rounds[0])
    result["warm"] = latency([t for times in rounds[1:] for t in times])
    result["mean_total_hits"] = float(np.mean(totals))
    return result


def relevance(engine: BenchEngine, collection: Collection) -> dict[str, float]:
    """coopsearch scores itself with search.evaluation; baselines with benchmarks.metrics."""
    own = getattr(engine, "evaluate", None)
    if own is not None:
        return own(collection.queries_path, collection.qrels_path, RELEVANCE_DEPTH)
    runs = {qid: engine.search(BenchQuery(text), RELEVANCE_DEPTH).ids for qid, text in collection.queries}
    return evaluate_runs(runs, collection.qrels)
