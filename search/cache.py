"""A small per-process cache of search results, for the bursts of identical searches that an
embedded search box and a busy page get (the same query typed on many sites, robots
re-fetching a page, a visitor going back).

A result is only ever returned for the index snapshot and the synonyms table it was computed
with: a new index version or a changed synonyms file makes every older result a miss, so the
cache never serves anything a fresh search would not.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class ResultCache(Generic[V]):
    """Least-recently-used values by key, each valid only with the objects it was made from."""

    def __init__(self, size: int) -> None:
        self.size = max(0, size)
        self._items: OrderedDict[Hashable, tuple[tuple[object, ...], V]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, *made_from: object) -> V | None:
        """The value stored for `key` if it was made from these very objects (by identity)."""
        if not self.size:
            return None
        with self._lock:
            item = self._items.get(key)
            if item is None or len(item[0]) != len(made_from) or any(
                a is not b for a, b in zip(item[0], made_from, strict=True)
            ):
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[1]

    def put(self, key: Hashable, value: V, *made_from: object) -> None:
        if not self.size:
            return
        with self._lock:
            self._items[key] = (made_from, value)
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)
