"""Autocomplete: finish the word being typed from the index's own vocabulary.

The index holds stemmed terms, so the typed prefix is looked up both as typed ("nurse" finds
"nurseri") and as its stem ("nurse" → "nurs", which finds "nurs" itself); each term is shown as
a word an entry really uses, and only if that word still starts with what was typed. Common
words come first, words of titles counting most: a visitor who typed "en" more likely wants
"energy" than "enough".
"""

from __future__ import annotations

import itertools

from whoosh.reading import IndexReader

from .analysis import WORD_RE, fold, normalize_word
from .suggest import surface_form

#: A word in titles is what an entry is about; in bodies it may be in passing.
_FIELD_WEIGHTS = {"title": 4, "summary": 2, "body": 1}
#: Terms read per field and prefix: a one-letter prefix would otherwise walk the lexicon.
_SCAN = 400
MIN_PREFIX = 2


def split_last_word(text: str) -> tuple[str, str]:
    """The text before the word being typed, and that word ("" after a space)."""
    if not text or text[-1].isspace():
        return text, ""
    words = list(WORD_RE.finditer(text))
    if not words or words[-1].end() != len(text):
        return text, ""
    last = words[-1]
    return text[: last.start()], last.group()


def _prefixes(word: str) -> set[str]:
    folded = fold(word)
    found = {folded}
    terms = normalize_word(word)
    if len(terms) == 1:
        found.add(terms[0])
    return {p for p in found if len(p) >= MIN_PREFIX}


def _terms(reader: IndexReader, prefixes: set[str]) -> dict[str, int]:
    """Terms starting with any of the prefixes, scored by how many entries use them where."""
    freq: dict[str, int] = {}
    for (field, weight), prefix in itertools.product(_FIELD_WEIGHTS.items(), sorted(prefixes)):
        for raw in itertools.islice(reader.expand_prefix(field, prefix), _SCAN):
            term = raw.decode("utf-8") if isinstance(raw, bytes) else raw
            freq[term] = freq.get(term, 0) + weight * reader.doc_frequency(field, term)
    return freq


def complete_word(searcher, word: str, limit: int) -> list[str]:
    """Up to `limit` words from the entries that start with `word`, most used first."""
    prefixes = _prefixes(word)
    if not prefixes:
        return []
    reader = searcher.reader()
    typed = fold(word)
    words: list[str] = []
    ranked = sorted(_terms(reader, prefixes).items(), key=lambda item: (-item[1], item[0]))
    for term, _ in ranked[: limit * 3]:
        surface = surface_form(reader, searcher, term)
        if surface and surface.startswith(typed) and surface not in words:
            words.append(surface)
        if len(words) == limit:
            break
    return words
