"""The public surface of search and indexer: exactly these names, each importable."""

from __future__ import annotations

import pytest

import indexer
import search
import webui

SEARCH_PUBLIC = {
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
}
INDEXER_PUBLIC = {
    "Curation",
    "Entry",
    "IndexLocked",
    "IndexReport",
    "InvalidEntry",
    "SourceError",
    "SourceReport",
    "SourcesConfig",
    "SourcesFileError",
    "StoredEntry",
    "ThemeChange",
    "csv_sources",
    "evaluate_themes",
    "index_sources",
    "load_sources",
    "preview_themes",
    "read_source",
    "render_markdown",
    "read_sources_file",
    "rebuild",
    "retheme",
    "stored_entries",
    "sync_sources",
    "update",
}
WEBUI_PUBLIC = {"Settings", "create_app"}


@pytest.mark.parametrize(
    ("module", "names"),
    [(search, SEARCH_PUBLIC), (indexer, INDEXER_PUBLIC), (webui, WEBUI_PUBLIC)],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_all_lists_exactly_the_public_names(module, names):
    assert set(module.__all__) == names
    assert len(module.__all__) == len(set(module.__all__))


@pytest.mark.parametrize(
    ("module", "names"),
    [(search, SEARCH_PUBLIC), (indexer, INDEXER_PUBLIC), (webui, WEBUI_PUBLIC)],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_every_exported_name_exists(module, names):
    for name in names:
        assert getattr(module, name) is not None, name


def test_exported_classes_name_their_package():
    for name in ("SearchEngine", "SearchRequest", "BadRequest"):
        assert getattr(search, name).__module__.startswith("search.")
    for name in ("IndexReport", "InvalidEntry", "IndexLocked"):
        assert getattr(indexer, name).__module__.startswith("indexer.")


def test_error_tree():
    assert issubclass(search.BadRequest, search.SearchError)
    assert issubclass(search.BadDate, search.BadRequest)
    assert issubclass(search.IndexUnavailable, search.SearchError)
    assert issubclass(indexer.InvalidEntry, ValueError)
