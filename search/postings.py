"""Postings as NumPy arrays: the one place that reads Whoosh's postings in bulk.

Whoosh's matchers walk postings one document at a time, which is what makes scoring a long
prose query slow in pure Python. Here a term's postings are read block by block straight into
arrays of document numbers and term frequencies, so scoring and facet counting are a handful of
vectorised operations. The block reader relies on the W3 codec's matcher internals (pinned by
the whoosh-reloaded version in pyproject.toml); anything else falls back to the public API.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import Matcher
from whoosh.reading import IndexReader

EMPTY_IDS = np.zeros(0, dtype=np.int64)
EMPTY_WEIGHTS = np.zeros(0, dtype=np.float32)


def _raw_matcher(leaf: IndexReader, field: str, btext: bytes) -> Matcher:
    """The leaf's matcher without the deletion filter: deletions are applied by array mask."""
    matcher = leaf.postings(field, btext)
    return getattr(matcher, "child", matcher) if type(matcher).__name__ == "FilterMatcher" else matcher


def _read_matcher(matcher: Matcher) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(matcher, W3LeafMatcher):
        items = list(matcher.items_as("weight")) if matcher.is_active() else []
        ids = np.fromiter((i for i, _ in items), dtype=np.int64, count=len(items))
        return ids, np.fromiter((w for _, w in items), dtype=np.float32, count=len(items))
    id_blocks: list[Iterable[int]] = []
    weight_blocks: list[Iterable[float]] = []
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        id_blocks.append(matcher._ids)
        weight_blocks.append(matcher._weights)
        matcher._next_block()
    ids = np.fromiter((i for block in id_blocks for i in block), dtype=np.int64)
    weights = np.fromiter((w for block in weight_blocks for w in block), dtype=np.float32)
    return ids, weights


def read_postings(reader: IndexReader, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """All postings of `term` in `field` as (global document numbers, frequencies)."""
    btext = term.encode("utf-8")
    id_parts, weight_parts = [], []
    for leaf, offset in reader.leaf_readers():
        if (field, btext) not in leaf:
            continue
        ids, weights = _read_matcher(_raw_matcher(leaf, field, btext))
        id_parts.append(ids + offset)
        weight_parts.append(weights)
    if not id_parts:
        return EMPTY_IDS, EMPTY_WEIGHTS
    if len(id_parts) == 1:
        return id_parts[0], weight_parts[0]
    return np.concatenate(id_parts), np.concatenate(weight_parts)


class PostingsCache:
    """A size-bounded LRU of postings arrays for one index snapshot.

    Common terms of a library recur in most queries; keeping their arrays saves re-reading
    and re-decoding the same blocks. The bound is in postings, not terms.
    """

    def __init__(self, reader: IndexReader, max_postings: int = 20_000_000) -> None:
        self.reader = reader
        self.max_postings = max_postings
        self._size = 0
        self._items: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()

    def get(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        key = (field, term)
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
            return found
        found = read_postings(self.reader, field, term)
        self._items[key] = found
        self._size += len(found[0])
        while self._size > self.max_postings and len(self._items) > 1:
            _, (ids, _w) = self._items.popitem(last=False)
            self._size -= len(ids)
        return found
