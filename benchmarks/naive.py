"""Baseline (a): Whoosh used the way its tutorial shows, with no tuning.

Defaults everywhere: one writer with default memory and one process, a new searcher for every
query, the stock MultifieldParser (AND between words), filters as a `filter=` query and facets
through `groupedby=`. Facets count with `sorting.Count` rather than listing document numbers,
because counts are what a facet shows; anything less would be a straw man.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from whoosh import index, sorting
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, KEYWORD, NUMERIC, TEXT, Schema
from whoosh.qparser import MultifieldParser
from whoosh.query import And, NumericRange, Query, Term

from benchmarks.common import BenchQuery, Entry, Outcome, year_of

SEARCH_FIELDS = ["title", "summary", "body", "authors"]


def make_schema() -> Schema:
    """The schema from the brief; `unique` on id is what update_document needs."""
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=StemmingAnalyzer(), stored=True),
        summary=TEXT(analyzer=StemmingAnalyzer(), stored=True),
        body=TEXT(analyzer=StemmingAnalyzer(), stored=True),
        authors=TEXT(analyzer=StemmingAnalyzer(), stored=True),
        themes=KEYWORD(stored=True, commas=True),
        authors_kw=KEYWORD(stored=True, commas=True),
        type=KEYWORD(stored=True, commas=True),
        year=NUMERIC(stored=True),
    )


def facets() -> dict[str, sorting.FieldFacet]:
    """Fresh facet objects; overlap for the multi-valued fields."""
    return {
        "themes": sorting.FieldFacet("themes", allow_overlap=True, maptype=sorting.Count),
        "authors": sorting.FieldFacet("authors_kw", allow_overlap=True, maptype=sorting.Count),
        "year": sorting.FieldFacet("year", maptype=sorting.Count),
        "type": sorting.FieldFacet("type", maptype=sorting.Count),
    }


def document(entry: Entry) -> dict[str, Any]:
    """Fields for add_document; commas are stripped from keyword values, they separate them."""
    authors = [a.replace(",", " ") for a in entry.get("authors", [])]
    fields: dict[str, Any] = {
        "id": entry["id"],
        "title": entry.get("title", ""),
        "summary": entry.get("summary", ""),
        "body": entry.get("body", ""),
        "authors": ", ".join(authors),
        "themes": ",".join(t.replace(",", " ") for t in entry.get("themes") or []),
        "authors_kw": ",".join(authors),
        "type": (entry.get("type") or "").replace(",", " "),
    }
    year = year_of(entry)
    if year is not None:
        fields["year"] = year
    return {key: value for key, value in fields.items() if value != ""}


def filter_query(query: BenchQuery) -> Query | None:
    """The filters as one query, or None when the visitor chose none."""
    parts: list[Query] = []
    if query.theme is not None:
        parts.append(Term("themes", query.theme))
    if query.type is not None:
        parts.append(Term("type", query.type))
    if query.year_from is not None:
        parts.append(NumericRange("year", query.year_from, query.year_to))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else And(parts)


class NaiveWhoosh:
    """Adapter for baseline (a)."""

    name = "naive"

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir
        self._ix: index.Index | None = None
        self._parser: MultifieldParser | None = None

    def build(self, entries: Sequence[Entry]) -> None:
        ix = index.create_in(str(self.index_dir), make_schema())
        writer = ix.writer()
        for entry in entries:
            writer.add_document(**document(entry))
        writer.commit()
        ix.close()

    def open(self) -> None:
        self._ix = index.open_dir(str(self.index_dir))
        self._parser = MultifieldParser(SEARCH_FIELDS, self._ix.schema)

    def search(self, query: BenchQuery, limit: int) -> Outcome:
        assert self._ix is not None and self._parser is not None, "open() first"
        with self._ix.searcher() as searcher:
            parsed = self._parser.parse(query.text)
            found = searcher.search(parsed, filter=filter_query(query), groupedby=facets(), limit=limit)
            groups = {name: found.groups(name) for name in ("themes", "authors", "year", "type")}
            return Outcome(len(found), [hit["id"] for hit in found], groups)

    def update(self, entries: Sequence[Entry]) -> None:
        ix = index.open_dir(str(self.index_dir))
        writer = ix.writer()
        for entry in entries:
            writer.update_document(**document(entry))
        writer.commit()
        ix.close()

    def close(self) -> None:
        if self._ix is not None:
            self._ix.close()
        self._ix = self._parser = None
