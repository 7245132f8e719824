"""Evaluate a parsed query against one index snapshot: which documents match, and their scores.

Matching and scoring are both array operations over the whole index (see `docdata.py` and
`postings.py`). Words side by side match any document that has at least one of them and
score by BM25F (`ranking.py`); `+word` must be there, `-word` must not; AND, OR, NOT combine
as written; phrases use Whoosh's positional matching; theme:, type: and year: filter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from whoosh import query as wq
from whoosh.searching import Searcher

from . import ranking
from .analysis import index_terms, name_terms
from .docdata import DocData
from .postings import PostingsCache
from .query import And, Exact, Group, Node, Not, Text, YearRange
from .schema import TEXT_FIELDS

Terms = tuple[str, ...]

#: Words that say "I am asking", not what about: dropped from prose queries (PROSE_WORDS+
#: words), where "I am interested in articles about nurse co-ops" means "nurse co-ops".
REQUEST_WORDS = """interested interest article articles paper papers find looking look want
    like would please discussion discussions description descriptions particular particularly
    especially exist exists deal dealing anything something information regarding concerning
    example examples topic topics""".split()
REQUEST_TERMS = frozenset(t for w in REQUEST_WORDS for t in index_terms(w))
PROSE_WORDS = 6


@dataclass
class Evaluation:
    """The outcome: a match mask, scores (zero outside it) and the words for highlighting."""

    mask: np.ndarray
    scores: np.ndarray
    highlight_terms: set[str] = field(default_factory=set)
    missing_words: list[str] = field(default_factory=list)
    scored: bool = False


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
    ) -> None:
        self.data = data
        self.postings = postings
        self.searcher = searcher
        self.synonyms = synonyms
        self.norms = norms
        self.live_count = max(int(data.live.sum()), 1)

    # -- entry point -------------------------------------------------------------------

    def evaluate(self, group: Group) -> Evaluation:
        ev = Evaluation(np.zeros(self.data.n, dtype=bool), np.zeros(self.data.n, dtype=np.float32))
        self._highlight = ev.highlight_terms
        self._missing = ev.missing_words
        self._negation = 0
        mask, scores = self._group(group)
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
        """Side-by-side words: matched if any is, scored by the sum (synonyms merged)."""
        mask = np.zeros(self.data.n, dtype=bool)
        scores = np.zeros(self.data.n, dtype=np.float32)
        plain = [n for n in nodes if isinstance(n, Text) and not n.phrase]
        others = [n for n in nodes if not (isinstance(n, Text) and not n.phrase)]
        for concept_mask, concept_scores in self._concepts(plain):
            mask |= concept_mask
            scores += concept_scores
        for node in others:
            node_mask, node_scores = self._node(node)
            mask |= node_mask
            if node_scores is not None:
                scores += node_scores
        return mask, scores

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
        return self._concept([key, *self.synonyms.get(key, ())], node.field, node.text)

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

    def _concepts(self, nodes: list[Text]) -> list[tuple[np.ndarray, np.ndarray]]:
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
            alternatives = [key, *self.synonyms.get(key, ())]
            out.append(self._concept(alternatives, field_name, " ".join(w[2] for w in words[i : i + size])))
            i += size
        return out

    def _concept(
        self, alternatives: list[Terms], field_name: str | None, original: str
    ) -> tuple[np.ndarray, np.ndarray]:
        fields = (field_name,) if field_name else TEXT_FIELDS
        tf = np.zeros(self.data.n, dtype=np.float32)
        for alt in alternatives:
            tf += self._alternative_tf(alt, fields)
        mask = (tf > 0) & self.data.live
        doc_freq = int(mask.sum())
        if doc_freq == 0:
            if not self._negation:
                self._missing.append(original)
            return mask, tf
        if not self._negation:
            for alt in alternatives:
                self._highlight.update(alt)
        weight = ranking.idf(doc_freq, self.live_count)
        scores = np.zeros(self.data.n, dtype=np.float32)
        scores[mask] = weight * ranking.saturate(tf[mask])
        return mask, scores

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
