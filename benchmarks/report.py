"""Ratios to the baselines and the compact table printed at the end of a run.

Ratios are ours divided by a baseline, measured in the same run on the same machine, so they
survive a change of hardware better than the absolute figures do. Below 1 is better for
latencies and above 1 is better for throughput; the README repeats this next to the table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Results = dict[str, Any]


def _ratio(ours: float | None, base: float | None) -> float | None:
    return ours / base if ours is not None and base else None


def _get(tree: Any, *path: str) -> Any:
    """tree[path[0]][path[1]]..., or None where a part is missing (a skipped engine)."""
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def ratios(results: Results) -> dict[str, Any]:
    """The figures the brief asks for, ours over the baselines."""
    sizes, update = results["sizes"], results.get("update", {})
    p95 = ("queries", "all", "p95_ms")
    return {
        "ours_over_naive_query_p95": _per_size(sizes, "naive", *p95),
        "ours_over_fts5_query_p95": _per_size(sizes, "fts5", *p95),
        "ours_over_naive_build_docs_per_s": _per_size(sizes, "naive", "build", "docs_per_s"),
        "ours_over_fts5_cacm_p95": _over(results.get("cacm", {}), "fts5", "warm", "p95_ms"),
        "ours_rebuild_over_update": _ratio(
            _get(update, "ours", "rebuild_seconds"), _get(update, "ours", "seconds")
        ),
    }


def _per_size(sizes: dict[str, Any], baseline: str, *path: str) -> dict[str, float | None]:
    return {size: _over(runs, baseline, *path) for size, runs in sizes.items()}


def _over(runs: dict[str, Any], baseline: str, *path: str) -> float | None:
    return _ratio(_get(runs, "ours", *path), _get(runs, baseline, *path))


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


Column = tuple[str, Callable[[Any], Any], int]  # header, getter, decimals


def _table(title: str, columns: list[Column], rows: dict[str, Any]) -> str:
    """A fixed-width table: one row per engine, one column per (header, getter, decimals)."""
    header = "".join(f"{name:>11}" for name, _, _ in columns)
    lines = [title, f"  {'engine':<8}{header}"]
    for engine, data in rows.items():
        cells = [_fmt(get(data), digits) for _, get, digits in columns]
        if "error" in data:
            cells = ["error"] * len(columns)
        lines.append(f"  {engine:<8}" + "".join(f"{cell:>11}" for cell in cells))
    return "\n".join(lines)


SIZE_COLUMNS: list[Column] = [
    ("docs/s", lambda d: _get(d, "build", "docs_per_s"), 0),
    ("build s", lambda d: _get(d, "build", "seconds"), 1),
    ("index MB", lambda d: _get(d, "build", "index_mb"), 1),
    ("p50 ms", lambda d: _get(d, "queries", "all", "p50_ms"), 1),
    ("p95 ms", lambda d: _get(d, "queries", "all", "p95_ms"), 1),
    ("p95 filt", lambda d: _get(d, "queries", "filtered", "p95_ms"), 1),
    ("mean hits", lambda d: _get(d, "queries", "mean_total_hits"), 0),
]
UPDATE_COLUMNS: list[Column] = [
    ("update s", lambda d: d.get("seconds"), 2),
    ("rebuild s", lambda d: d.get("rebuild_seconds"), 1),
    ("ratio", lambda d: _ratio(d.get("rebuild_seconds"), d.get("seconds")), 1),
]
CACM_COLUMNS: list[Column] = [
    ("build s", lambda d: _get(d, "build", "seconds"), 1),
    ("p50 ms", lambda d: _get(d, "warm", "p50_ms"), 1),
    ("p95 ms", lambda d: _get(d, "warm", "p95_ms"), 1),
    ("cold p50", lambda d: _get(d, "cold", "p50_ms"), 1),
    ("cold p95", lambda d: _get(d, "cold", "p95_ms"), 1),
    ("nDCG@10", lambda d: _get(d, "relevance", "ndcg@10"), 3),
    ("MAP@100", lambda d: _get(d, "relevance", "map@100"), 3),
    ("P@10", lambda d: _get(d, "relevance", "p@10"), 3),
    ("R@100", lambda d: _get(d, "relevance", "recall@100"), 3),
]


def summary(results: Results) -> str:
    """Everything worth a glance, as text."""
    parts = [_table(f"{size} entries", SIZE_COLUMNS, runs) for size, runs in results["sizes"].items()]
    update = {k: v for k, v in results.get("update", {}).items() if isinstance(v, dict)}
    if update:
        title = f"update: {results['update']['changed']} changed of {results['update']['size']}"
        parts.append(_table(title, UPDATE_COLUMNS, update))
    if results.get("cacm"):
        parts.append(_table("CACM", CACM_COLUMNS, results["cacm"]))
    parts.append(_ratio_lines(results["ratios"]))
    return "\n\n".join(parts)


def _ratio_lines(values: dict[str, Any]) -> str:
    lines = ["ratios, ours / baseline (latency: < 1 is faster; docs/s and rebuild/update: > 1)"]
    for name, value in values.items():
        if isinstance(value, dict):
            value = ", ".join(f"{size}: {_fmt(v, 3)}" for size, v in value.items())
        lines.append(f"  {name}: {_fmt(value, 3)}")
    return "\n".join(lines)
