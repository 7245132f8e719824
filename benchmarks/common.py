"""What every engine adapter shares: the query and outcome types, and the adapter protocol.

The runner only talks to engines through `BenchEngine`, so the three timing loops are the
same code and differ only in the engine object they are handed.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

Entry = Mapping[str, Any]  # one entry in the JSON Lines shape written by generate.py


@dataclass(frozen=True)
class BenchQuery:
    """Words a visitor typed plus at most the filters the web UI offers."""

    text: str
    theme: str | None = None
    type: str | None = None
    year_from: int | None = None
    year_to: int | None = None

    @property
    def filtered(self) -> bool:
        return self.theme is not None or self.type is not None or self.year_from is not None


@dataclass(frozen=True)
class Outcome:
    """What a search returned; `facets` is whatever the engine produced, unconverted."""

    total: int
    ids: list[str]
    facets: Any = field(default=None, repr=False)


class BenchEngine(Protocol):
    """The adapter every engine implements; `index_dir` is the engine's own folder."""

    name: str
    index_dir: Path

    def build(self, entries: Sequence[Entry]) -> None: ...
    def open(self) -> None: ...
    def search(self, query: BenchQuery, limit: int) -> Outcome: ...
    def update(self, entries: Sequence[Entry]) -> None: ...
    def close(self) -> None: ...


def fresh_dir(path: Path) -> Path:
    """Empty `path`, creating it; done outside timed regions before every build."""
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def disk_mb(path: Path) -> float:
    """Bytes of every file under `path`, in MB (10^6 bytes)."""
    files = path.rglob("*") if path.is_dir() else [path]
    return sum(f.stat().st_size for f in files if f.is_file()) / 1e6


def year_of(entry: Entry) -> int | None:
    """The year of an ISO date, or None for an undated entry."""
    date = entry.get("date") or ""
    return int(date[:4]) if date[:4].isdigit() else None
