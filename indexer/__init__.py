"""The indexer: reads entries from files or programs and writes the index.

Public API: `Entry` (with `Entry.from_mapping`), `InvalidEntry`, `rebuild`, `update`,
`index_sources`, `read_source`, `IndexReport`, `IndexLocked`, the automatic theme
assignment's `evaluate_themes`, and for staff tools: `Curation` (what staff decided, which
every run keeps), `stored_entries` (entries read back from the index), `preview_themes` and
`retheme` (themes settled again in place after an override or a theme edit); for
`coopsearch sync`: `read_sources_file` (a `SourcesConfig`, or `SourcesFileError`), `csv_sources`
(CSV files named on the command line) and `sync_sources` (a `SourceReport` per source);
`render_markdown`, the HTML of a body as the index stores it, for other Markdown staff write.
"""

from __future__ import annotations

from .autothemes import evaluate as evaluate_themes
from .build import IndexReport, rebuild
from .loaders import SourceError, read_source
from .lock import IndexLocked
from .markup import render_markdown
from .records import Curation, Entry, InvalidEntry
from .sources import SourcesConfig, SourcesFileError, csv_sources, read_sources_file
from .stored import StoredEntry, ThemeChange, preview_themes, retheme, stored_entries
from .sync import SourceReport, sync_sources
from .update import index_sources, load_sources, update

__all__ = [
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
]
