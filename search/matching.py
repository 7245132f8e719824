"""Evaluate a parsed query against one index snapshot: which documents match, and their scores.

Matching and scoring are both array operations over the whole index (see `docdata.py` and
`postings.py`). Words side by side match any document that has at least one of them and
score by BM25F (`ranking.py`); `+word` must be there, `-word` must not; AND, OR, NOT combine
as written; phrases use Whoosh's positional matching; theme:, type: and year: filter.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from . import approx, ranking
from .analysis import WORD_RE, index_terms, name_terms, normalize_word, surface_parts
from .docdata import DocData
from .postings import PostingsCache
from .query import PROSE_WORDS, And, Exact, Group, Node, Not, Text, YearRange
from .schema import TEXT_FIELDS
from .theme_names import ThemeNames
from .words import Words

Terms = tuple[str, ...]

#: Words that say "I am asking", not what about: dropped from prose queries (PROSE_WORDS+
#: words), where "I am interested in articles about nurse co-ops" means "nurse co-ops".
REQUEST_WORDS = """interested interest article articles paper papers find looking look want
    like would please discussion discussions description descriptions particular particularly
    especially exist exists deal dealing anything something information regarding concerning
    example examples topic topics""".split()
REQUEST_TERMS = frozenset(t for w in REQUEST_WORDS for t in index_terms(w))
#: A word in more than a third of the library (co-op, cooperative, worker in a library
#: about worker co-ops) says little about what an entry is about: it ranks, but a query's
#: other words decide which entries match.
COMMON_SHARE = 1 / 3


@dataclass
class Evaluation:
    """The outcome: a match mask, scores (zero outside it) and the words for highlighting.

    `approximate`: typed words matched through other words (typos, prefixes), with those
    words; `relaxed`: when no entry had every distinctive word, the words that were
    required and those still required; `themes_named`: themes the query names."""

    mask: np.ndarray
    scores: np.ndarray
    highlight_terms: set[str] = field(default_factory=set)
    missing_words: list[str] = field(default_factory=list)
    scored: bool = False
    approximate: list[Approximate] = field(default_factory=list)
    relaxed: Relaxed | None = None
    themes_named: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Approximate:
    """A typed word that also matched other written words of the library."""

    typed: str
    kind: str  # "typo" or "prefix"
    words: tuple[str, ...]


@dataclass(frozen=True)
class Relaxed:
    """No entry has all of `wanted`; the results have `kept` (empty: any of the words)."""

    wanted: tuple[str, ...]
    kept: tuple[str, ...]


@dataclass
class Clause:
    """One part of side-by-side words: a concept or another node, what it matches and scores."""

    mask: np.ndarray
    scores: np.ndarray
    label: str
    terms: Terms = ()
    #: Entries with the words themselves (or their approximations), not counting those
    #: matched only as entries of a theme the words name: how common the words are.
    word_df: int | None = None

    @property
    def df(self) -> int:
        return int(self.mask.sum())

    @property
    def commonness(self) -> int:
        return self.df if self.word_df is None else self.word_df


def analyze(text: str, field_name: str | None) -> list[str]:
    """Terms of query text as the given field indexed them."""
    return name_terms(text) if field_name == "authors" else index_terms(text)


class Matcher:
    """Evaluates query trees against one snapshot's arrays; one instance per snapshot."""

    def __init__(
        self,
        data: DocData,
        postings: PostingsCache,
        searcher: Searcher,
        synonyms: dict[Terms, tuple[Terms, ...]],
        norms: dict[str, np.ndarray],
        words: Words | None = None,
        theme_names: ThemeNames | None = None,
        open_word: str = "",
    ) -> None:
        """`words` and `theme_names`: the snapshot's, for typos, prefixes and themes (None:
        words are matched as typed). `open_word`: the query's last word when the query ends
        in it (a visitor may not have finished typing it), else ""."""
        self.data = data
        self.postings = postings
        self.searcher = searcher
        self.synonyms = synonyms
        self.norms = norms
        self.words = words
        self.theme_names = theme_names
        self.open_word = open_word
        self.live_count = max(int(data.live.sum()), 1)

    # -- entry point -------------------------------------------------------------------

    def evaluate(self, group: Group) -> Evaluation:
        ev = Evaluation(np.zeros(self.data.n, dtype=bool), np.zeros(self.data.n, dtype=np.float32))
        self._highlight = ev.highlight_terms
        self._missing = ev.missing_words
        self._approximate_found = ev.approximate
        self._themes_named = ev.themes_named
        self._relaxed: list[Relaxed] = []
        self._negation = 0
        mask, scores = self._group(group)
        ev.relaxed = self._relaxed[0] if self._relaxed else None
        ev.mask = mask & self.data.live
        if scores is not None:
            ev.scores = np.where(ev.mask, scores, 0.0).astype(np.float32)
            ev.scored = True
        return ev

    # -- nodes -------------------------------------------------------------------------

    def _group(self, group: Group) -> tuple[np.ndarray, np.ndarray | None]:
        """Filters (theme:, type:, year:) narrow whatever the words match; +words must match
        and make the other words optional, as in Lucene; -words must not match."""
        filters = [n for n in group.should if isinstance(n, (Exact, YearRange))]
        should = [n for n in group.should if not isinstance(n, (Exact, YearRange))]
        scores = None
        if should:
            should_mask, scores = self._should(should)
        mask = should_mask if should and not group.must else np.ones(self.data.n, dtype=bool)
        for node in group.must:
            node_mask, node_scores = self._node(node)
            mask &= node_mask
            if node_scores is not None:
                scores = node_scores if scores is None else scores + node_scores
        for node in filters:
            mask &= self._node(node)[0]
        for node in group.must_not:
            mask &= ~self._negated(node)
        return mask, scores

    def _negated(self, node: Node) -> np.ndarray:
        """The documents `node` matches, for excluding them: its words are not highlighted
        and not offered spelling corrections."""
        self._negation += 1
        try:
            return self._node(node)[0]
        finally:
            self._negation -= 1

    def _should(self, nodes: list[Node]) -> tuple[np.ndarray, np.ndarray]:
        """Side-by-side words, scored by the sum of what each matches (synonyms merged).

        Which entries match: in a short query, those with its distinctive words (see
        `_required`); in prose (PROSE_WORDS words or more), those with any of them."""
        plain = [n for n in nodes if isinstance(n, Text) and not n.phrase]
        others = [n for n in nodes if not (isinstance(n, Text) and not n.phrase)]
        concepts = self._concepts(plain)
        clauses = list(concepts)
        for node in others:
            node_mask, node_scores = self._node(node)
            clauses.append(Clause(node_mask, node_scores if node_scores is not None else 0.0 * node_mask, ""))
        scores = np.zeros(self.data.n, dtype=np.float32)
        for clause in clauses:
            scores += clause.scores
        prose = sum(len(WORD_RE.findall(n.text)) for n in plain) >= PROSE_WORDS
        if prose or self._negation:
            return np.logical_or.reduce([c.mask for c in clauses]), scores
        if len(concepts) > 1:
            scores += self._proximity(concepts)
        return self._required(clauses), scores

    def _required(self, clauses: list[Clause]) -> np.ndarray:
        """Entries with the query's distinctive clauses: all of one or two, three quarters
        (rounded down) of more. A clause in more than COMMON_SHARE of the library (co-op, worker, ...) is not
        distinctive and is never required. If no entry qualifies, clauses stop being required
        one at a time, those the library lacks first, then the most common, and the
        evaluation says so; a query of common words only matches entries with any of them."""
        anything = np.logical_or.reduce([c.mask for c in clauses])
        required = [c for c in clauses if c.commonness <= COMMON_SHARE * self.live_count]
        if not required:
            return anything
        wanted = tuple(c.label for c in required if c.label)
        order = sorted(required, key=lambda c: (c.df > 0, c.df))  # first dropped last
        while order:
            need = len(order) if len(order) <= 2 else math.floor(0.75 * len(order))
            mask = np.sum([c.mask for c in order], axis=0) >= need
            if mask.any():
                break
            order.pop(0 if order[0].df == 0 else -1)
        else:
            mask = anything
        if len(order) < len(required) and wanted and mask.any() and not self._negation:
            self._relaxed.append(Relaxed(wanted, tuple(c.label for c in order if c.label)))
        return mask

    def _proximity(self, concepts: list[Clause]) -> np.ndarray:
        """A lift for entries where two neighbouring query words stand side by side, in order,
        in the title or summary (where an entry says what it is about), so "union co-ops"
        puts a union co-op above a credit union. The index keeps those fields' pairs of
        neighbouring terms (`pairs`): one postings lookup per pair."""
        bonus = np.zeros(self.data.n, dtype=np.float32)
        for a, b in zip(concepts, concepts[1:], strict=False):
            if len(a.terms) != 1 or len(b.terms) != 1 or not a.df or not b.df:
                continue
            weight = ranking.PROXIMITY_BONUS * min(self._idf(a.df), self._idf(b.df))
            ids, _ = self.postings.get("pairs", f"{a.terms[0]} {b.terms[0]}")
            bonus[ids] += weight
        return bonus

    def _idf(self, df: int) -> float:
        return ranking.idf(df, self.live_count)

    def _node(self, node: Node) -> tuple[np.ndarray, np.ndarray | None]:
        if isinstance(node, Group):
            return self._group(node)
        if isinstance(node, Text):
            return self._text(node)
        if isinstance(node, Exact):
            return self._exact(node), None
        if isinstance(node, YearRange):
            return self._years(node), None
        if isinstance(node, Not):
            return ~self._negated(node.item), None
        parts = [self._node(item) for item in node.items]
        masks = [m for m, _ in parts]
        combined = np.logical_and.reduce(masks) if isinstance(node, And) else np.logical_or.reduce(masks)
        score_parts = [s for _, s in parts if s is not None]
        return combined, (np.sum(score_parts, axis=0) if score_parts else None)

    def _text(self, node: Text) -> tuple[np.ndarray, np.ndarray]:
        terms = analyze(node.text, node.field)
        if not terms:
            return np.zeros(self.data.n, dtype=bool), np.zeros(self.data.n, dtype=np.float32)
        # Several terms from one word ("worker-owned") make a phrase of its parts.
        key = tuple(terms)
        alternatives = [(alt, 1.0) for alt in (key, *self.synonyms.get(key, ()))]
        # Quoted phrases and field prefixes are taken as written: no typos, prefixes or themes.
        clause = self._concept(alternatives, node.field, node.text, exact=node.phrase or bool(node.field))
        return clause.mask, clause.scores

    def _exact(self, node: Exact) -> np.ndarray:
        mask = np.zeros(self.data.n, dtype=bool)
        mask[self.data.facets[node.facet].docs_with(node.value)] = True
        return mask

    def _years(self, node: YearRange) -> np.ndarray:
        day = self.data.day
        mask = day > 0
        if node.start is not None:
            mask &= day >= _first_ordinal(node.start)
        if node.end is not None:
            mask &= day <= _last_ordinal(node.end)
        return mask

    # -- concepts: a word or phrase with its synonyms ----------------------------------

    def _concepts(self, nodes: list[Text]) -> list[Clause]:
        """Group consecutive words into synonym phrases where a rule matches, longest first."""
        words: list[tuple[str, str | None, str]] = []
        for node in nodes:
            for term in analyze(node.text, node.field):
                words.append((term, node.field, node.text))
        if len(words) >= PROSE_WORDS:
            words = [w for w in words if w[1] is not None or w[0] not in REQUEST_TERMS] or words
        out = []
        i = 0
        longest = max((len(k) for k in self.synonyms), default=1)
        while i < len(words):
            field_name = words[i][1]
            for size in range(min(longest, len(words) - i), 0, -1):
                key = tuple(w[0] for w in words[i : i + size])
                if size == 1 or (
                    key in self.synonyms and all(w[1] == field_name for w in words[i : i + size])
                ):
                    break
            alternatives = [(alt, 1.0) for alt in (key, *self.synonyms.get(key, ()))]
            original = " ".join(dict.fromkeys(w[2] for w in words[i : i + size]))
            last = i + size == len(words)
            prose = sum(len(WORD_RE.findall(n.text)) for n in nodes) >= PROSE_WORDS
            out.append(self._concept(alternatives, field_name, original, last, exact=prose, prose=prose))
            i += size
        return out

    def _concept(
        self,
        alternatives: list[tuple[Terms, float]],
        field_name: str | None,
        original: str,
        last: bool = False,
        exact: bool = False,
        prose: bool = False,
    ) -> Clause:
        """One concept: its words and synonyms as typed, then (in a short query, for a text
        field) approximate words and the entries of a theme it names."""
        key = alternatives[0][0]
        fields = (field_name,) if field_name else TEXT_FIELDS
        # In prose (CACM's questions), common words are also surnames (Hill, Young, Rice):
        # names are looked up as typed only in short queries.
        tf = self._tf(alternatives, fields, "" if prose else original)
        exact_df = int(((tf > 0) & self.data.live).sum())
        # Words to exclude are excluded as typed: "-wind" must not drop every energy entry.
        if not exact and field_name is None and not self._negation:
            tf += self._approximate(key, original, exact_df, last, fields)
            word_df = int(((tf > 0) & self.data.live).sum())
            tf += self._theme(key)
        else:
            word_df = exact_df
        mask = (tf > 0) & self.data.live
        doc_freq = int(mask.sum())
        if not self._negation:
            if exact_df == 0:
                self._missing.append(original)
            if doc_freq:
                for alt, _ in alternatives:
                    self._highlight.update(alt)
        scores = np.zeros(self.data.n, dtype=np.float32)
        if doc_freq:
            scores[mask] = self._idf(doc_freq) * ranking.saturate(tf[mask])
        return Clause(mask, scores, original, key, word_df)

    def _tf(
        self, alternatives: list[tuple[Terms, float]], fields: tuple[str, ...], original: str = ""
    ) -> np.ndarray:
        """Weighted frequencies of the alternatives. Authors are indexed as written, not
        stemmed, so the words as typed are looked up there ("Carvajal", not "carvaj")."""
        tf = np.zeros(self.data.n, dtype=np.float32)
        names = tuple(name_terms(original)) if "authors" in fields and len(fields) > 1 else ()
        for i, (alt, weight) in enumerate(alternatives):
            if i == 0 and names:
                tf += weight * self._alternative_tf(alt, tuple(f for f in fields if f != "authors"))
                tf += weight * self._alternative_tf(names, ("authors",))
            else:
                tf += weight * self._alternative_tf(alt, fields)
        return tf

    def _approximate(
        self, key: Terms, original: str, exact_df: int, last: bool, fields: tuple[str, ...]
    ) -> np.ndarray:
        """What the typed word may have meant: its last term completed (the query's last
        word), or a one-word concept's typos; weighted below the word itself."""
        if self.words is None:
            return np.zeros(self.data.n, dtype=np.float32)
        found: list[approx.Expansion] = []
        if last and self.open_word and normalize_word(self.open_word)[-1:] == key[-1:]:
            found += approx.prefixes(self.words, self.open_word, exact_df)
        if len(key) == 1 and len(surface_parts(original)) == 1 and " " not in original:
            found += approx.typos(self.words, original, exact_df)
        tf = np.zeros(self.data.n, dtype=np.float32)
        seen: dict[str, list[str]] = {}
        for exp in found:
            alt = (*key[:-1], exp.term)
            alt_tf = self._alternative_tf(alt, fields)
            if not alt_tf.any():
                continue
            tf += exp.weight * alt_tf
            tf += self._theme(alt, exp.weight)
            if not self._negation:
                self._highlight.update(alt)
                seen.setdefault(exp.kind, []).append(exp.word)
        for kind, words in seen.items():
            self._approximate_found.append(Approximate(original, kind, tuple(words)))
        return tf

    def _theme(self, key: Terms, weight: float = 1.0) -> np.ndarray:
        """Entries of a theme the concept names (its id, label or a keyword), as if they had
        the word once at a fraction of its weight: "legal" also finds the law theme's
        entries that say "statute" or "court"."""
        tf = np.zeros(self.data.n, dtype=np.float32)
        theme = self.theme_names.get(key) if self.theme_names else None
        if theme is None:
            return tf
        tf[self.data.facets["themes"].docs_with(theme)] += weight * ranking.THEME_TF
        if not self._negation and theme not in self._themes_named:
            self._themes_named.append(theme)
        return tf

    def _alternative_tf(self, alt: Terms, fields: tuple[str, ...]) -> np.ndarray:
        tf = np.zeros(self.data.n, dtype=np.float32)
        phrase_docs = self._phrase_docs(alt, fields) if len(alt) > 1 else None
        for term in alt:
            for f in fields:
                ids, freqs = self.postings.get(f, term)
                if len(ids):
                    tf[ids] += freqs * self.norms[f][ids]
        if phrase_docs is not None:
            keep = np.zeros(self.data.n, dtype=bool)
            keep[phrase_docs] = True
            tf = np.where(keep, tf / len(alt) + ranking.PHRASE_BONUS, 0.0).astype(np.float32)
        return tf

    def _phrase_docs(self, terms: Terms, fields: tuple[str, ...]) -> np.ndarray:
        found: list[int] = []
        for f in fields:
            q = wq.Phrase(f, list(terms))
            found.extend(self.searcher.docs_for_query(q))
        return np.asarray(sorted(set(found)), dtype=np.int64)


def _first_ordinal(year: int) -> int:
    """The day number where `year` begins; years past what a date can hold ("year:>9999",
    "year:0000") lie beyond every entry's date rather than raising."""
    if year > dt.MAXYEAR:
        return dt.date.max.toordinal() + 1
    return dt.date(max(year, dt.MINYEAR), 1, 1).toordinal()


def _last_ordinal(year: int) -> int:
    """The day number where `year` ends, bounded like `_first_ordinal`."""
    if year < dt.MINYEAR:
        return 0
    return dt.date(min(year, dt.MAXYEAR), 12, 31).toordinal()
