"""Whole-index arrays, built once per index snapshot, that make filters and facets cheap.

For every document: whether it is live, its id, its date as a day number, the length of each
text field; for every facet (themes, authors, types, years) its values and, per value, the
documents that have it, laid out so one `np.bincount` counts a whole facet. Building them costs
one pass over the facet postings and the columns when a snapshot opens; every search after
that works on arrays instead of asking Whoosh document by document.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.reading import IndexReader
from whoosh.util.numeric import byte_to_length

from .postings import read_postings
from .schema import TEXT_FIELDS

#: Facet name in results -> field in the index.
FACET_FIELDS = {"themes": "themes", "authors": "author", "types": "type", "years": "year"}

_BYTE_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float32)


@dataclass
class FacetIndex:
    """A facet's values, and its postings flattened: `docs[starts[k]:starts[k+1]]` have value k."""

    values: list[str]
    code: dict[str, int]
    docs: np.ndarray
    codes: np.ndarray
    starts: np.ndarray

    def docs_with(self, value: str) -> np.ndarray:
        k = self.code.get(value)
        if k is None:
            return self.docs[:0]
        return self.docs[self.starts[k] : self.starts[k + 1]]

    def counts(self, mask: np.ndarray) -> np.ndarray:
        """How many documents in `mask` have each value."""
        return np.bincount(self.codes[mask[self.docs]], minlength=len(self.values))

    @cached_property
    def alphabetical(self) -> np.ndarray:
        """Each value's rank in case-blind alphabetical order, to break ties between counts
        without sorting thousands of author names in Python on every search."""
        order = sorted(range(len(self.values)), key=lambda k: (self.values[k].lower(), self.values[k]))
        rank = np.empty(len(self.values), dtype=np.int64)
        rank[order] = np.arange(len(self.values), dtype=np.int64)
        return rank


@dataclass
class DocData:
    n: int
    live: np.ndarray
    ids: list[str]
    docnum_of: dict[str, int]
    day: np.ndarray
    lengths: dict[str, np.ndarray]
    avg_length: dict[str, float]
    facets: dict[str, FacetIndex]


def _facet_index(reader: IndexReader, field: str) -> FacetIndex:
    values = [t.decode("utf-8") for t in reader.lexicon(field)]
    parts = [read_postings(reader, field, v)[0] for v in values]
    sizes = np.array([len(p) for p in parts], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    docs = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
    codes = np.repeat(np.arange(len(values), dtype=np.int64), sizes)
    return FacetIndex(values, {v: i for i, v in enumerate(values)}, docs, codes, starts)


def _field_lengths(reader: IndexReader, field: str, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.float32)
    for leaf, offset in reader.leaf_readers():
        count = leaf.doc_count_all()
        perdoc = getattr(leaf, "_perdoc", None)
        col = None
        if perdoc is not None and perdoc.has_column(_lenfield(field)):
            col = perdoc.column_reader(_lenfield(field), LENGTHS_COLUMN)
        if col is None:
            values = [leaf.doc_field_length(d, field, 0) or 0 for d in range(count)]
            out[offset : offset + count] = values
        else:
            codes = np.fromiter(iter(col), dtype=np.uint8, count=count)
            out[offset : offset + count] = _BYTE_LENGTHS[codes]
    return out


def load_docdata(reader: IndexReader) -> DocData:
    """Read the arrays of one snapshot; called once per snapshot, not per search."""
    n = reader.doc_count_all()
    live = np.ones(n, dtype=bool)
    if reader.has_deletions():
        deleted = [d for d in range(n) if reader.is_deleted(d)]
        live[deleted] = False
    ids = [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in reader.column_reader("id")]
    docnum_of = {doc_id: d for d, doc_id in enumerate(ids) if live[d]}
    day = np.fromiter(iter(reader.column_reader("day")), dtype=np.int32, count=n)
    lengths = {f: _field_lengths(reader, f, n) for f in TEXT_FIELDS}
    live_count = max(int(live.sum()), 1)
    avg = {f: max(float(lengths[f][live].sum()) / live_count, 1.0) for f in TEXT_FIELDS}
    facets = {name: _facet_index(reader, field) for name, field in FACET_FIELDS.items()}
    return DocData(n, live, ids, docnum_of, day, lengths, avg, facets)
