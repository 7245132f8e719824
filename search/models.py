"""What goes into the engine and what comes out: frozen dataclasses, no Whoosh objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
FACET_NAMES = ("themes", "authors", "years", "types")
UNDATED = "undated"


@dataclass(frozen=True)
class SearchRequest:
    """One search: the visitor's text, the filters, the order and the page.

    Several values in one filter mean "any of them". `date_from` and `date_to` are inclusive.
    """

    query: str = ""
    themes: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    facets: bool = True
    author_facet_size: int = 20
    snippets: bool = True


@dataclass(frozen=True)
class Hit:
    """One result. `snippet` is HTML: escaped text with the matched words in <mark>."""

    id: str
    title: str
    url: str | None
    date: str | None
    authors: tuple[str, ...]
    themes: tuple[str, ...]
    theme_source: str
    type: str | None
    summary: str
    snippet: str
    score: float
    title_html: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["authors"] = list(self.authors)
        data["themes"] = list(self.themes)
        data["score"] = round(self.score, 4)
        return data


@dataclass(frozen=True)
class FacetValue:
    """One value of a facet: how many results it would give, and whether it is selected."""

    value: str
    count: int
    selected: bool
    label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"value": self.value, "count": self.count, "selected": self.selected}
        if self.label is not None:
            data["label"] = self.label
        return data


@dataclass(frozen=True)
class SearchResults:
    """A page of results with the facet counts, the spelling suggestion and the time taken."""

    request: SearchRequest
    total: int
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[FacetValue, ...]] = field(default_factory=dict)
    suggestion: str | None = None
    took_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": {name: [v.to_dict() for v in values] for name, values in self.facets.items()},
            "suggestion": self.suggestion,
            "took_ms": round(self.took_ms, 2),
        }


@dataclass(frozen=True)
class Entry:
    """A whole entry as stored in the index, for entry pages and the API."""

    id: str
    title: str
    url: str | None
    date: str | None
    authors: tuple[str, ...]
    themes: tuple[str, ...]
    theme_source: str
    type: str | None
    summary: str
    body: str
    related: tuple[Hit, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["authors"] = list(self.authors)
        data["themes"] = list(self.themes)
        data["related"] = [hit.to_dict() for hit in self.related]
        return data


@dataclass(frozen=True)
class Theme:
    """A theme of the library, from the themes file."""

    id: str
    label: str
    description: str
    keywords: tuple[str, ...]
