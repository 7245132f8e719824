"""Facet counts as plain data, each facet ignoring its own selection.

A visitor who ticked "energy" should still see how many "law" would add, so each facet is
counted over the results filtered by every other facet but not by itself (what Blacklight and
Algolia call disjunctive faceting).
"""

from __future__ import annotations

import numpy as np

from .docdata import DocData, FacetIndex
from .models import UNDATED, FacetValue, Theme


def count_facets(
    data: DocData,
    matched: np.ndarray,
    filters: dict[str, np.ndarray],
    selected: dict[str, set[str]],
    themes: dict[str, Theme],
    author_size: int,
) -> dict[str, tuple[FacetValue, ...]]:
    """Counts for each facet over `matched` narrowed by the other facets' `filters`."""
    out = {}
    for name, index in data.facets.items():
        base = matched.copy()
        for other, mask in filters.items():
            if other != name:
                base &= mask
        counts = index.counts(base)
        chosen = selected.get(name, set())
        limit = author_size if name == "authors" else None
        pairs = [(index.values[k], int(counts[k])) for k in _ranked(name, index, counts, limit)]
        shown = {value for value, _ in pairs}
        extra = [(v, int(counts[index.code[v]]) if v in index.code else 0) for v in chosen - shown]
        pairs.extend(sorted(extra, key=lambda p: (-p[1], p[0].lower(), p[0])))
        out[name] = tuple(_values(name, pairs, chosen, themes))
    return out


def _ranked(name: str, index: FacetIndex, counts: np.ndarray, limit: int | None) -> np.ndarray:
    """The values with a count, best first: years newest first ("undated" last), others by
    count then name; only the first `limit`, found without sorting the rest."""
    present = np.flatnonzero(counts)
    if name == "years":
        return np.array(sorted(present, key=lambda k: _year_key(index.values[k])), dtype=np.int64)
    if limit is not None and limit < len(present):
        kth = np.partition(counts[present], len(present) - limit)[len(present) - limit]
        present = present[counts[present] >= kth]
    order = np.lexsort((index.alphabetical[present], -counts[present]))
    return present[order][:limit]


def _year_key(value: str) -> tuple[bool, int]:
    return value == UNDATED, -int(value) if value.isdigit() else 0


def _values(
    name: str, pairs: list[tuple[str, int]], chosen: set[str], themes: dict[str, Theme]
) -> list[FacetValue]:
    if name == "years":
        pairs.sort(key=lambda p: _year_key(p[0]))
    return [
        FacetValue(v, c, v in chosen, themes[v].label if name == "themes" and v in themes else None)
        for v, c in pairs
    ]
