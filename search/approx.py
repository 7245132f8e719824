"""Words a visitor did not type but meant: a misspelt word's neighbours, and the words that
the last, unfinished word begins.

The rules are the ones hosted search engines use (Meilisearch, Typesense, Algolia): a word of
5 to 8 letters may be one edit away from what was meant, a longer one two; shorter words are
taken as typed. A word the library uses is not turned into another (it may be a name), unless
it is far rarer than a neighbour, which is how a typo in an entry's own text looks. The last
word of a query of 3 letters or more that is not a whole word of the library is also read as
the start of one. Every expansion is bounded and ranks below the words as typed.
"""

from __future__ import annotations

from dataclasses import dataclass

from .analysis import fold, normalize_word
from .words import Words

#: Letters from which one edit is allowed, and two.
ONE_TYPO = 5
TWO_TYPOS = 9
MIN_PREFIX = 3
#: A word the library has is still corrected when a neighbour is this many times as common
#: and the word itself is in at most RARE entries.
FAR_RARER = 20
RARE = 2
#: At most this many other words for one typed word.
MAX_TYPO_WORDS = 3
MAX_PREFIX_WORDS = 8
#: Score weights of an expansion relative to the word as typed.
TYPO_WEIGHT = {1: 0.5, 2: 0.3}
PREFIX_WEIGHT = 0.6
#: A whole word is also read as the start of others this many times as common.
PREFIX_OVER_WORD = 3


@dataclass(frozen=True)
class Expansion:
    """A written word of the library matched for a typed one, with the term it indexes as."""

    word: str
    term: str
    kind: str  # "typo" or "prefix"
    weight: float


def max_typos(word: str) -> int:
    if len(word) >= TWO_TYPOS:
        return 2
    return 1 if len(word) >= ONE_TYPO else 0


def _term(word: str) -> str | None:
    terms = normalize_word(word)
    return terms[0] if len(terms) == 1 else None


def typos(words: Words, typed: str, own_df: int) -> list[Expansion]:
    """The library's words a few edits from `typed`, most common first, when `typed` is not
    in the library or is far rarer than them."""
    word = fold(typed)
    limit = max_typos(word)
    if not limit or not word.isalpha() or own_df > RARE:
        return []
    own = _term(word)
    found = []
    for other, dist in words.within(word, limit).items():
        term = _term(other)
        if term and term != own:
            found.append((dist, -words.doc_frequency(other), other, term))
    found.sort()
    if own_df and (not found or max(-f[1] for f in found) < FAR_RARER * own_df):
        return []
    out: list[Expansion] = []
    for dist, _, other, term in found:
        if term not in {e.term for e in out}:
            out.append(Expansion(other, term, "typo", TYPO_WEIGHT[dist]))
        if len(out) == MAX_TYPO_WORDS:
            break
    return out


def prefixes(words: Words, typed: str, own_df: int = 0) -> list[Expansion]:
    """The library's words that begin with `typed`, most common first. When `typed` is a
    word of the library too (in `own_df` entries), only the words it begins that are far
    more common than it: "home car" most likely stops short of "care"."""
    word = fold(typed)
    if len(word) < MIN_PREFIX or not word.isalnum():
        return []
    own = _term(word)
    ranked = sorted(
        ((words.doc_frequency(w), w) for w in words.with_prefix(word)), key=lambda p: (-p[0], p[1])
    )
    out: list[Expansion] = []
    for df, other in ranked:
        if own_df and df < PREFIX_OVER_WORD * own_df:
            break
        term = _term(other)
        if term and term != own and term not in {e.term for e in out}:
            out.append(Expansion(other, term, "prefix", PREFIX_WEIGHT))
        if len(out) == MAX_PREFIX_WORDS:
            break
    return out
