"""The library's written words, for what a visitor meant: typos within a few edits, and the
word being typed as a prefix.

The index keeps each entry's written words, folded but not stemmed, in the `words` field
(`analysis.surface_parts`). Candidates are found among them and then analysed like any query
word, so "cooperaitve" finds "cooperative", which indexes as the term `coop`. The words are
read from the index once per first letter and snapshot and searched in memory: walking
Whoosh's term files per query word took 100-350 ms at 100,000 entries.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from functools import lru_cache

from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.reading import IndexReader

FIELD = "words"


@lru_cache(maxsize=4096)
def _automaton(word: str, maxdist: int):
    """Words within `maxdist` insertions, deletions or substitutions, first letter kept."""
    return levenshtein_automaton(word, maxdist, prefix=1).to_dfa()


def transpositions(word: str) -> set[str]:
    """`word` with one pair of neighbouring letters swapped (the first letter stays)."""
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)} - {word}


class LetterIndex:
    """The terms of some fields of one index snapshot, read per first letter when first
    asked for and kept sorted in memory."""

    fields: tuple[str, ...] = (FIELD,)

    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader
        self._by_letter: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def starting_with(self, letter: str) -> list[str]:
        words = self._by_letter.get(letter)
        if words is None:
            with self._lock:
                found: set[bytes] = set()
                for leaf, _ in self.reader.leaf_readers():
                    if leaf.doc_count_all():
                        for field in self.fields:
                            if field in leaf.schema:
                                found.update(leaf.expand_prefix(field, letter))
                words = sorted(t.decode("utf-8") for t in found)
                self._by_letter[letter] = words
        return words


class Words(LetterIndex):
    """The written words of one index snapshot, by first letter."""

    def __contains__(self, word: str) -> bool:
        words = self.starting_with(word[:1]) if word else []
        i = bisect_left(words, word)
        return i < len(words) and words[i] == word

    def doc_frequency(self, word: str) -> int:
        return self.reader.doc_frequency(FIELD, word)

    def with_prefix(self, prefix: str) -> list[str]:
        """Every word that starts with `prefix` and is longer than it, in order."""
        words = self.starting_with(prefix[:1])
        out = []
        for i in range(bisect_left(words, prefix), len(words)):
            if not words[i].startswith(prefix):
                break
            if words[i] != prefix:
                out.append(words[i])
        return out

    def within(self, word: str, maxdist: int) -> dict[str, int]:
        """The words within `maxdist` edits of `word` (a swap of neighbouring letters counts
        as one edit: Damerau-Levenshtein, optimal string alignment), with their distance;
        the first letter must match."""
        words = self.starting_with(word[:1])

        def first_at_or_after(key: str) -> str | None:
            i = bisect_left(words, key)
            return words[i] if i < len(words) else None

        found: dict[str, int] = {}
        for dist in range(1, maxdist + 1):
            for match in find_all_matches(_automaton(word, dist), first_at_or_after):
                found.setdefault(match, dist)
        for swapped in transpositions(word):
            if maxdist == 1:
                if swapped in self:
                    found[swapped] = 1
                continue
            for match in find_all_matches(_automaton(swapped, maxdist - 1), first_at_or_after):
                found[match] = min(found.get(match, maxdist), 1 if match == swapped else maxdist)
        found.pop(word, None)
        return found
