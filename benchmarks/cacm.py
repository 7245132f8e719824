"""The CACM test collection, read from shared/data/cacm and shaped like library entries.

Only the benchmark may read ../shared. CACM records have no themes, type or URL; they get
type "article" and a placeholder URL, and the one record without a title (3193) gets
"Untitled", so every engine, coopsearch's validation included, indexes the same 3,204
complete entries. No query contains "untitled", so the placeholder changes no ranking.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.sample import REPO_ROOT

DEFAULT_DIR = REPO_ROOT.parent / "shared" / "data" / "cacm"
UNTITLED = "Untitled"


@dataclass(frozen=True)
class Collection:
    """Documents as entries, queries as (id, text), and graded judgements."""

    folder: Path
    entries: list[dict[str, Any]]
    queries: list[tuple[str, str]]
    qrels: dict[str, dict[str, int]]

    @property
    def queries_path(self) -> Path:
        return self.folder / "queries.jsonl"

    @property
    def qrels_path(self) -> Path:
        return self.folder / "qrels.tsv"


def load(folder: Path = DEFAULT_DIR) -> Collection:
    """Read corpus.jsonl, queries.jsonl and qrels.tsv from `folder`."""
    entries = [as_entry(record) for record in _jsonl(folder / "corpus.jsonl")]
    queries = [(str(q["id"]), q["text"]) for q in _jsonl(folder / "queries.jsonl")]
    return Collection(folder, entries, queries, _qrels(folder / "qrels.tsv"))


def as_entry(record: dict[str, Any]) -> dict[str, Any]:
    """A CACM record in the generator's entry shape."""
    entry = {key: record.get(key) or "" for key in ("id", "title", "summary", "body")}
    entry["id"] = str(record["id"])  # kept as is: qrels, and search.evaluation, use it
    entry["title"] = entry["title"].strip() or UNTITLED
    entry["authors"] = list(record.get("authors") or [])
    if record.get("date"):
        entry["date"] = record["date"]
    entry.update(type="article", url=f"https://example.org/cacm/{record['id']}")
    return entry


def _jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = defaultdict(dict)
    with path.open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows, delimiter="\t"):
            qrels[row["query-id"]][row["doc-id"]] = int(row["relevance"])
    return dict(qrels)
