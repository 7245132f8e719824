"""The date histogram: results per year as the bars of a small inline SVG chart.

Years with no results between the first and the last are drawn as gaps, so the time axis is
honest; undated entries are counted apart, since they belong to no year.
"""

from __future__ import annotations

from dataclasses import dataclass

from search import UNDATED, FacetValue

BAR_WIDTH = 10
BAR_GAP = 2
HEIGHT = 60
MIN_BAR = 2  # a year with one entry must still be visible


@dataclass(frozen=True)
class Bar:
    year: int
    count: int
    selected: bool
    x: int
    y: float
    height: float


@dataclass(frozen=True)
class Histogram:
    bars: tuple[Bar, ...]
    undated: int
    width: int
    height: int = HEIGHT

    @property
    def first(self) -> int:
        return self.bars[0].year

    @property
    def last(self) -> int:
        return self.bars[-1].year


def histogram(years: tuple[FacetValue, ...], date_from: int | None, date_to: int | None) -> Histogram | None:
    """Bars for every year from the first to the last with results; None with no dated results."""
    counts = {int(v.value): v.count for v in years if v.value != UNDATED and v.count}
    undated = sum(v.count for v in years if v.value == UNDATED)
    if not counts:
        return Histogram((), undated, 0) if undated else None
    top = max(counts.values())
    lo, hi = date_from or min(counts), date_to or max(counts)
    bars = []
    for i, year in enumerate(range(min(counts), max(counts) + 1)):
        count = counts.get(year, 0)
        height = max(MIN_BAR, HEIGHT * count / top) if count else 0
        selected = (date_from is not None or date_to is not None) and lo <= year <= hi
        bars.append(Bar(year, count, selected, i * BAR_WIDTH, HEIGHT - height, height))
    return Histogram(tuple(bars), undated, len(bars) * BAR_WIDTH)
