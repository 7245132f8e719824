"""The indexer: reads entries from files or programs and writes the index.

Public API: `Entry` (with `Entry.from_mapping`), `InvalidEntry`, `rebuild`, `update`,
`index_sources`, `read_source`, `IndexReport`, `IndexLocked`, and the automatic theme
assignment's `evaluate_themes`.
"""

from __future__ import annotations

from .autothemes import evaluate as evaluate_themes
from .build import IndexReport, rebuild
from .loaders import SourceError, read_source
from .lock import IndexLocked
from .records import Entry, InvalidEntry
from .update import index_sources, load_sources, update

__all__ = [
    "Entry",
    "IndexLocked",
    "IndexReport",
    "InvalidEntry",
    "SourceError",
    "evaluate_themes",
    "index_sources",
    "load_sources",
    "read_source",
    "rebuild",
    "update",
]
