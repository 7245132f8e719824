"""Facet counts as plain data, each facet ignoring its own selection.

A visitor who ticked "energy" should still see how many "law" would add, so each facet is
counted over the results filtered by every other facet but not by itself (what Blacklight and
Algolia call disjunctive faceting).
"""

from __future__ import annotations

import numpy as np

from .docdata import DocData
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
        pairs = [(v, int(c)) for v, c in zip(index.values, counts, strict=True) if c > 0 or v in chosen]
        pairs.extend((v, 0) for v in chosen if v not in index.code)
        out[name] = tuple(_order(name, pairs, chosen, themes, author_size))
    return out


def _order(
    name: str, pairs: list[tuple[str, int]], chosen: set[str], themes: dict[str, Theme], author_size: int
) -> list[FacetValue]:
    if name == "years":
        pairs.sort(key=lambda p: (p[0] == UNDATED, -int(p[0]) if p[0].isdigit() else 0))
    else:
        pairs.sort(key=lambda p: (-p[1], p[0].lower()))
    if name == "authors":
        top = pairs[:author_size]
        top.extend(p for p in pairs[author_size:] if p[0] in chosen)
        pairs = top
    return [
        FacetValue(v, c, v in chosen, themes[v].label if name == "themes" and v in themes else None)
        for v, c in pairs
    ]
