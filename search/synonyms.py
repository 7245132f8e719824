"""Synonyms applied at query time, from a plain text file that staff edit.

One rule a line; `#` starts a comment::

    employee-owned, worker-owned           equivalent: each finds the others
    esop => employee stock ownership plan  one-way: the left finds the right, not back

Both sides go through the library's analyzer, so spelling variants need no rules of their own
(co-op, coop and cooperative are one term already). The file is re-read when it changes.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .analysis import index_terms

Terms = tuple[str, ...]
log = logging.getLogger("coopsearch.synonyms")


class SynonymsFileError(ValueError):
    """A rule that cannot be read; the message names the file and line."""


def parse_synonyms(text: str, source: str = "<synonyms>") -> dict[Terms, tuple[Terms, ...]]:
    """Rules as {analyzed key: analyzed alternatives}."""
    table: dict[Terms, set[Terms]] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=>" in line:
            left, _, right = line.partition("=>")
            keys = _phrases(left, source, lineno)
            targets = _phrases(right, source, lineno)
        else:
            keys = targets = _phrases(line, source, lineno)
        for key in keys:
            table.setdefault(key, set()).update(t for t in targets if t != key)
    return {k: tuple(sorted(v)) for k, v in table.items() if v}


def _phrases(side: str, source: str, lineno: int) -> list[Terms]:
    phrases = [tuple(index_terms(p)) for p in side.split(",") if p.strip()]
    phrases = [p for p in phrases if p]
    if not phrases:
        raise SynonymsFileError(f"{source}:{lineno}: a rule needs words on both sides of '=>'")
    return phrases


class Synonyms:
    """The rules of one file, reloaded when its modification time changes."""

    def __init__(self, path: Path | None) -> None:
        self.path = Path(path) if path else None
        self._mtime: float | None = None
        self._table: dict[Terms, tuple[Terms, ...]] = {}
        self.error: str | None = None

    def table(self) -> dict[Terms, tuple[Terms, ...]]:
        if self.path is None:
            return self._table
        try:
            mtime = self.path.stat().st_mtime
        except OSError:
            self._table, self._mtime = {}, None
            return self._table
        if mtime != self._mtime:
            self._mtime = mtime
            try:
                text = self.path.read_text(encoding="utf-8")
                self._table = parse_synonyms(text, str(self.path))
                self.error = None
            except (OSError, UnicodeDecodeError, SynonymsFileError) as exc:
                # Keep searching with the rules we had: a typo in the file must not take the
                # site down. The error stays visible here and in the log until it is fixed.
                self.error = str(exc)
                log.warning("synonyms not reloaded: %s", exc)
        return self._table

    def max_key_length(self) -> int:
        return max((len(k) for k in self.table()), default=1)
