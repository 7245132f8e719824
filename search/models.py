"""What goes into the engine and what comes out: frozen dataclasses, no Whoosh objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
#: Deeper pages than this are refused: nobody reads them, and robots paging forever cost.
MAX_RESULT_WINDOW = 10_000
FACET_NAMES = ("themes", "authors", "years", "types")
UNDATED = "undated"


@dataclass(frozen=True)
class Scope:
    """The part of the library a search runs in: a collection's saved search and its curation.

    The scope holds the entries matching `query` and the filters, plus the `pinned` ids, minus
    the `hidden` ids (hidden wins). The visitor's own query and filters then narrow it. With
    `pinned_first`, pinned entries that are in the results come first, in the order given.
    Ids not in the index are ignored.
    """

    query: str = ""
    themes: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    pinned: tuple[str, ...] = ()
    hidden: tuple[str, ...] = ()
    pinned_first: bool = True


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
    #: Look for a "did you mean" when words are not in the index (autocomplete does not).
    spelling: bool = True
    #: Search only within this part of the library (a collection); None: the whole library.
    scope: Scope | None = None


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
        # Written out: dataclasses.asdict deep-copies every value, a measurable share of an
        # API response's time.
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "date": self.date,
            "authors": list(self.authors),
            "themes": list(self.themes),
            "theme_source": self.theme_source,
            "type": self.type,
            "summary": self.summary,
            "snippet": self.snippet,
            "score": round(self.score, 4),
            "title_html": self.title_html,
        }


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
class Relaxation:
    """For a search with no results: what dropping one filter (`param`) would give."""

    param: str
    values: tuple[str, ...]
    label: str
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {"param": self.param, "values": list(self.values), "label": self.label, "total": self.total}


@dataclass(frozen=True)
class Approximation:
    """A query word that also matched other words of the library: typos of it ("typo") or
    words it begins ("prefix"), so the page can say "Including results for governance"."""

    word: str
    kind: str
    matches: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"word": self.word, "kind": self.kind, "matches": list(self.matches)}


@dataclass(frozen=True)
class WordsRelaxed:
    """No entry has all of the query's distinctive words (`wanted`): the results have those
    in `kept` (none: entries with any of the query's words)."""

    wanted: tuple[str, ...]
    kept: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"wanted": list(self.wanted), "kept": list(self.kept)}


@dataclass(frozen=True)
class NamedTheme:
    """A theme the query names ("legal": Law and policy), offered as a filter."""

    id: str
    label: str
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "count": self.count}


@dataclass(frozen=True)
class Completion:
    """One autocomplete proposal: a word to finish the query with, or an entry's title."""

    kind: str  # "term" or "title"
    text: str
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "text": self.text}
        if self.id is not None:
            data["id"] = self.id
            data["url"] = f"/entries/{self.id}"
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
    relaxations: tuple[Relaxation, ...] = ()
    approximate: tuple[Approximation, ...] = ()
    relaxed: WordsRelaxed | None = None
    themes_named: tuple[NamedTheme, ...] = ()
    #: The query as searched, when the one given was cut to the length limit.
    query_cut: str | None = None

    @property
    def pages(self) -> int:
        """How many pages there are, counting only those within the result window."""
        reachable = min(self.total, MAX_RESULT_WINDOW)
        return max(1, -(-reachable // self.request.per_page))

    def to_dict(self) -> dict[str, Any]:
        req = self.request
        return {
            "query": req.query,
            "total": self.total,
            "page": req.page,
            "per_page": req.per_page,
            "pages": self.pages,
            "sort": req.sort,
            "filters": {
                "theme": list(req.themes),
                "author": list(req.authors),
                "type": list(req.types),
                "from": req.date_from.isoformat() if req.date_from else None,
                "to": req.date_to.isoformat() if req.date_to else None,
            },
            "hits": [hit.to_dict() for hit in self.hits],
            "facets": {name: [v.to_dict() for v in values] for name, values in self.facets.items()},
            "suggestion": self.suggestion,
            "relaxations": [r.to_dict() for r in self.relaxations],
            "approximate": [a.to_dict() for a in self.approximate],
            "relaxed": self.relaxed.to_dict() if self.relaxed else None,
            "themes_named": [t.to_dict() for t in self.themes_named],
            "query_cut": self.query_cut,
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
    body_html: str = ""  # rendered when indexed (escaped: safe to put in a page)
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
