""" "Did you mean": a spelling correction for query words the index does not contain.

Candidates come from the index's own vocabulary of stemmed terms (no separate spelling field
to build), nearest first and most common among equals; a candidate is shown as the word an
entry actually uses for it, so "mondragn" suggests "mondragon", not a stem.
"""

from __future__ import annotations

import re

from whoosh.reading import IndexReader

from .analysis import WORD_RE, fold, normalize_word

_FIELDS = ("body", "title", "summary")


def _candidates(reader: IndexReader, term: str, maxdist: int) -> set[str]:
    found: set[str] = set()
    for leaf, _ in reader.leaf_readers():
        for field in _FIELDS:
            if leaf.doc_count_all():
                found.update(leaf.terms_within(field, term, maxdist, prefix=1))
    found.discard(term)
    return found


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


def correct_word(searcher, word: str) -> str | None:
    """The spelling of the most common indexed word within two edits of `word`."""
    reader = searcher.reader()
    terms = normalize_word(word)
    if len(terms) != 1 or len(terms[0]) < 3 or terms[0].isdigit():
        return None
    for maxdist in (1, 2):
        candidates = _candidates(reader, terms[0], maxdist)
        if candidates:
            best = max(sorted(candidates), key=lambda c: _frequency(reader, c))
            return surface_form(reader, searcher, best)
    return None


def suggest(searcher, query: str, missing: list[str]) -> str | None:
    """The query with each missing word replaced by its correction, or None if none is found."""
    corrected = query
    for text in missing:
        for word in WORD_RE.findall(text):
            fix = correct_word(searcher, word)
            if fix and fix != fold(word):
                corrected = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", fix, corrected, count=1)
    return corrected if corrected != query else None
