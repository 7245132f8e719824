"""Themes for entries that do not name theirs, from the themes file's keywords.

An entry's title counts three times, its summary twice, its body once; a keyword phrase
counts where its words stand side by side. A theme is given when its keywords carry enough of
the entry's text (`MIN_SHARE`) with enough hits (`MIN_HITS`); at most `MAX_THEMES`, strongest
first. `evaluate` measures this against entries whose themes were chosen by people.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from search.analysis import index_terms
from search.models import Theme

from .records import Entry

MIN_HITS = 4.0
MIN_SHARE = 0.012
MAX_THEMES = 2
#: A second theme must score at least this fraction of the first.
SECOND_RATIO = 0.7


@dataclass(frozen=True)
class Keywords:
    """A theme's keywords analysed once: single terms and multi-word phrases."""

    theme: str
    singles: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]


def compile_keywords(themes: dict[str, Theme]) -> list[Keywords]:
    out = []
    for theme in themes.values():
        analysed = [tuple(index_terms(k)) for k in theme.keywords]
        singles = frozenset(a[0] for a in analysed if len(a) == 1)
        phrases = tuple(a for a in analysed if len(a) > 1)
        out.append(Keywords(theme.id, singles, phrases))
    return out


def _weighted_terms(entry: Entry) -> list[tuple[list[str], float]]:
    return [
        (index_terms(entry.title), 3.0),
        (index_terms(entry.summary), 2.0),
        (index_terms(entry.body), 1.0),
    ]


def theme_scores(entry: Entry, keywords: list[Keywords]) -> dict[str, float]:
    """Each theme's weighted keyword hits in the entry."""
    parts = _weighted_terms(entry)
    scores: dict[str, float] = {}
    for kw in keywords:
        hits = 0.0
        for terms, weight in parts:
            hits += weight * sum(1 for t in terms if t in kw.singles)
            for phrase in kw.phrases:
                n = len(phrase)
                hits += weight * sum(
                    1 for i in range(len(terms) - n + 1) if tuple(terms[i : i + n]) == phrase
                )
        scores[kw.theme] = hits
    return scores


def assign(entry: Entry, keywords: list[Keywords]) -> tuple[str, ...]:
    """The automatic themes of an entry, strongest first; may be empty."""
    scores = theme_scores(entry, keywords)
    length = sum(len(terms) * weight for terms, weight in _weighted_terms(entry)) or 1.0
    ranked = sorted(
        ((s, t) for t, s in scores.items() if s >= MIN_HITS and s / length >= MIN_SHARE), reverse=True
    )
    if not ranked:
        return ()
    best = ranked[0][0]
    return tuple(t for s, t in ranked[:MAX_THEMES] if s >= best * SECOND_RATIO)


@dataclass(frozen=True)
class ThemeQuality:
    theme: str
    curated: int
    assigned: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.assigned if self.assigned else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.curated if self.curated else 0.0


def evaluate(entries: Iterable[Entry], themes: dict[str, Theme]) -> list[ThemeQuality]:
    """Precision and recall of `assign` against the curated themes of `entries`, per theme."""
    keywords = compile_keywords(themes)
    curated: Counter[str] = Counter()
    assigned: Counter[str] = Counter()
    correct: Counter[str] = Counter()
    for entry in entries:
        if not entry.themes:
            continue
        truth = set(entry.themes)
        guess = set(assign(entry, keywords))
        curated.update(truth)
        assigned.update(guess)
        correct.update(truth & guess)
    return [ThemeQuality(t, curated[t], assigned[t], correct[t]) for t in themes]
