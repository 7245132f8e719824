"""Text analysis shared by indexing, querying and highlighting.

One normalisation function (`normalize_word`) decides what a word becomes in the index:
co-op spellings collapse to one term, accents fold, stop words drop, the rest goes through
NLTK's English Snowball stemmer. Everything else here is a way of applying it: a Whoosh
`Analyzer` for the query parser and the highlighter, and `index_terms` for the indexer's fast
path, which skips Whoosh's token objects. Both must give the same terms, and a test checks it.

Whoosh pickles analyzers into the index's table of contents, so the names in this module are
part of the on-disk format: renaming them means bumping `SCHEMA_VERSION` in `schema.py`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

from nltk.stem.snowball import EnglishStemmer
from whoosh.analysis import Analyzer, Token

#: Every way people write "co-op"; they all index as the single term `coop`.
COOP_RE = re.compile(r"^(?:co-?ops?|co-?operatives?|coops?)$")
COOP_TERM = "coop"

#: A word: letters or digits, optionally joined by apostrophes or single hyphens.
#: "co-op-run" and "co-operation" lose the hyphen after "co" before the word is split.
_CO_HYPHEN_RE = re.compile(r"(?<![a-z])co-(?=op)")

WORD_RE = re.compile(r"\w+(?:['’\-]\w+)*", re.UNICODE)

STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if in
    into is it its itself just me more most my myself no nor not of off on once only or other
    our ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was
    we were what when where which while who whom why will with would you your yours yourself
    yourselves us may might must shall upon via""".split()
)

_stemmer = EnglishStemmer()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball-stem one folded, lowercase word; cached because corpora repeat words."""
    return _stemmer.stem(word)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=20_000)
def _fold_run(run: str) -> str:
    decomposed = unicodedata.normalize("NFKD", run)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lowercase and strip accents, so that Mondragón and Mondragon are one word.

    Only the runs of non-ASCII characters are decomposed (whole texts are folded for
    snippets, where a character-by-character pass was slow); the marks dropped are the same.
    """
    text = text.lower()
    if text.isascii():
        return text
    return _NON_ASCII.sub(lambda run: _fold_run(run.group()), text)


@lru_cache(maxsize=500_000)
def normalize_word(word: str) -> tuple[str, ...]:
    """Map one raw word (as `WORD_RE` finds it) to its index terms, in order.

    Most words give one term. Hyphenated words other than co-op forms give one term per part,
    so "worker-owned" is found by "worker owned". Stop words give none.
    """
    folded = _CO_HYPHEN_RE.sub("co", fold(word).replace("’", "'"))
    if COOP_RE.match(folded):
        return (COOP_TERM,)
    out: list[str] = []
    for part in folded.split("-"):
        part = part.removesuffix("'s").replace("'", "")
        if not part or part in STOP_WORDS:
            continue
        out.append(COOP_TERM if COOP_RE.match(part) else stem(part))
    return tuple(out)


@lru_cache(maxsize=500_000)
def surface_parts(word: str) -> tuple[str, ...]:
    """The words a visitor may type for one raw word, folded: "Worker-owned" gives "worker"
    and "owned", "co-ops" stays "co-ops"; stop words, single letters and numbers give none.

    These make the index's vocabulary of written words (the `words` field), which typo and
    prefix matching search: "cooperaitve" is one letter pair from "cooperative", while its
    stem is nowhere near the term `coop` that "cooperative" indexes as.
    """
    folded = _CO_HYPHEN_RE.sub("co", fold(word).replace("’", "'"))
    if COOP_RE.match(folded):
        return (folded,)
    out = []
    for part in folded.split("-"):
        part = part.removesuffix("'s").replace("'", "")
        if len(part) > 1 and part not in STOP_WORDS and not part.isdigit():
            out.append(part)
    return tuple(out)


def surface_words(text: str) -> set[str]:
    """Every distinct written word of a text, as `surface_parts` gives them."""
    found: set[str] = set()
    for word in set(WORD_RE.findall(text)):
        found.update(surface_parts(word))
    return found


def adjacent_pairs(text: str) -> set[str]:
    """Every two terms that stand side by side in a text ("union coop"), stop words skipped:
    the shingles that let a query's neighbouring words be found together in one lookup."""
    terms = index_terms(text)
    return {f"{a} {b}" for a, b in zip(terms, terms[1:], strict=False)}


def index_terms(text: str) -> list[str]:
    """The terms of a text in order, for indexing: position i of the list is position i."""
    terms: list[str] = []
    for word in WORD_RE.findall(text):
        terms.extend(normalize_word(word))
    return terms


class CoopAnalyzer(Analyzer):
    """The library's analyzer in Whoosh's interface, for parsing queries and highlighting."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CoopAnalyzer)

    def __hash__(self) -> int:
        return hash(CoopAnalyzer)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for match in WORD_RE.finditer(value):
            for term in normalize_word(match.group()):
                token.text = term
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = match.group()
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + match.start()
                    token.endchar = start_char + match.end()
                pos += 1
                yield token


class NameAnalyzer(Analyzer):
    """Author names: folded words, no stemming and no stop words ("Hill" is not "hil")."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NameAnalyzer)

    def __hash__(self) -> int:
        return hash(NameAnalyzer)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, mode=mode, **kwargs)
        for i, match in enumerate(re.finditer(r"\w+", value)):
            token.text = fold(match.group())
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + i
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def name_terms(text: str) -> list[str]:
    """Terms of an author name, the fast path of `NameAnalyzer`."""
    return [fold(w) for w in re.findall(r"\w+", text)]
