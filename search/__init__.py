"""The search engine: analysis, query parsing, ranking and facets over a Whoosh index.

The web app and the CLI use only the names below; Whoosh objects never leave this package.
"""

from __future__ import annotations

from .dates import PartialDate, parse_date
from .engine import SearchEngine
from .errors import BadDate, BadRequest, IndexUnavailable, SearchError
from .evaluation import SET_KINDS, evaluate, evaluate_kinds, load_qrels, load_queries, load_query_kinds
from .models import (
    FACET_NAMES,
    MAX_PER_PAGE,
    SORTS,
    UNDATED,
    Entry,
    FacetValue,
    Hit,
    Scope,
    SearchRequest,
    SearchResults,
    Theme,
)
from .themes import ThemesFileError, load_themes
from .urls import safe_url

__all__ = [
    "FACET_NAMES",
    "MAX_PER_PAGE",
    "SET_KINDS",
    "SORTS",
    "UNDATED",
    "BadDate",
    "BadRequest",
    "Entry",
    "FacetValue",
    "Hit",
    "IndexUnavailable",
    "PartialDate",
    "Scope",
    "SearchEngine",
    "SearchError",
    "SearchRequest",
    "SearchResults",
    "Theme",
    "ThemesFileError",
    "evaluate",
    "evaluate_kinds",
    "load_qrels",
    "load_queries",
    "load_query_kinds",
    "load_themes",
    "parse_date",
    "safe_url",
]
