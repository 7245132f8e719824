"""What reading one source yields, before anything is written to the index.

A `Harvest` holds the entries read (each with the key it is indexed under), the problems met
(each with where and at which position), and what the sync must keep: entries that were not
read again because they did not change, and entries whose part of the source could not be
read this time. A source that cannot be read at all raises `SourceFailed`, and then nothing
of it is changed in the index.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .records import Entry, InvalidEntry


class SourceFailed(Exception):
    """A source that could not be read at all; the index keeps what it had from it."""


@dataclass(frozen=True)
class Problem:
    """One thing skipped: where (a file or URL), the position in it, and why."""

    where: str
    position: str
    reason: str

    def __str__(self) -> str:
        return ": ".join(part for part in (self.where, self.position, self.reason) if part)

    @classmethod
    def from_invalid(cls, error: InvalidEntry, position: str = "") -> Problem:
        where = position or (f"line {error.line}" if error.line else "")
        return cls(error.source, where, f"{error.field}: {error.reason}")


@dataclass
class Harvest:
    """Entries read from one source and what to make of the ones it did not yield.

    `delete_missing`: entries of the source that it no longer lists are deleted (not for
    feeds). `complete` False: part of the source could not be read, so nothing is deleted.
    `keep_ids` / `keep_keys`: entries kept as indexed although not read this time (unchanged,
    or their page or file failed); `unchanged` counts those kept because they did not change.
    `state`: what to remember for the next run (e.g. each page's lastmod).
    """

    items: list[tuple[Entry, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    delete_missing: bool = True
    complete: bool = True
    keep_ids: set[str] = field(default_factory=set)
    keep_keys: set[str] = field(default_factory=set)
    unchanged: int = 0
    state: dict | None = None

    def __post_init__(self) -> None:
        self._first: dict[str, str] = {}

    def add(self, entry: Entry, key: str, position: str = "") -> None:
        """Take an entry read at `position` (default: its origin's line); a second one with
        the same id is a problem, reported with both positions."""
        where, _, line = entry.origin.rpartition(":")
        position = position or (f"line {line}" if line not in ("", "0") else "")
        first = self._first.get(entry.id)
        if first is not None:
            self.problem(where, position, f"duplicate id {entry.id!r} (first read at {first}); skipped")
            return
        self._first[entry.id] = position or where
        self.items.append((entry, key))

    def problem(self, where: str, position: str, reason: str) -> None:
        self.problems.append(Problem(where, position, reason))
