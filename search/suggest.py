""" "Did you mean": a spelling correction for query words the index does not contain.

Candidates come from the index's own vocabulary of stemmed terms (no separate spelling field
to build), nearest first and most common among equals; a candidate is shown as the word an
entry actually uses for it, so "mondragn" suggests "mondragon", not a stem.
"""

from __future__ import annotations

import re
from bisect import bisect_left

from whoosh.automata.fsa import find_all_matches
from whoosh.automata.lev import levenshtein_automaton
from whoosh.reading import IndexReader

from .analysis import WORD_RE, fold, normalize_word
from .words import LetterIndex

_FIELDS = ("body", "title", "summary")


class Vocabulary(LetterIndex):
    """The index's words, by first letter, read from the index once per letter and snapshot.

    Whoosh's `terms_within` walks a Levenshtein automaton through every segment's term file
    for every field: 100-350 ms per word at 100,000 entries (twenty segments). The same
    automaton walked over one sorted list in memory gives the same words in about 1 ms.
    """

    fields = _FIELDS

    def within(self, term: str, maxdist: int) -> set[str]:
        """The words within `maxdist` edits of `term` that share its first letter."""
        words = self.starting_with(term[0])

        def first_at_or_after(key: str) -> str | None:
            i = bisect_left(words, key)
            return words[i] if i < len(words) else None

        dfa = levenshtein_automaton(term, maxdist, prefix=1).to_dfa()
        return set(find_all_matches(dfa, first_at_or_after)) - {term}


def _frequency(reader: IndexReader, term: str) -> int:
    return sum(reader.doc_frequency(f, term) for f in _FIELDS)


def surface_form(reader: IndexReader, searcher, term: str) -> str | None:
    """The first word in an entry containing `term` that analyses to exactly `term`."""
    for field in _FIELDS:
        if (field, term) not in reader:
            continue
        postings = reader.postings(field, term.encode("utf-8"))
        if not postings.is_active():
            continue
        stored = searcher.stored_fields(postings.id())
        for word in WORD_RE.findall(stored.get(field, "")):
            if normalize_word(word) == (term,):
                return fold(word)
    return None


def correct_word(searcher, word: str, vocabulary: Vocabulary) -> str | None:
    """The spelling of the most common indexed word within two edits of `word`."""
    reader = searcher.reader()
    terms = normalize_word(word)
    if len(terms) != 1 or len(terms[0]) < 3 or terms[0].isdigit():
        return None
    for maxdist in (1, 2):
        candidates = vocabulary.within(terms[0], maxdist)
        if candidates:
            best = max(sorted(candidates), key=lambda c: _frequency(reader, c))
            return surface_form(reader, searcher, best)
    return None


def suggest(searcher, query: str, missing: list[str], vocabulary: Vocabulary | None = None) -> str | None:
    """The query with each missing word replaced by its correction, or None if none is found.

    `vocabulary`: the snapshot's, kept between searches (a new one reads the index again)."""
    vocabulary = vocabulary or Vocabulary(searcher.reader())
    corrected = query
    for text in missing:
        for word in WORD_RE.findall(text):
            fix = correct_word(searcher, word, vocabulary)
            if fix and fix != fold(word):
                corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", fix, corrected, count=1)
    return corrected if corrected != query else None
