"""Entries read back from the index, for staff tools, and their themes settled again in place.

When staff override an entry's themes or edit a theme's keywords, the change must reach the
index at once, without the files or the CMS the entries came from. The index stores every
field of an entry, so an entry can be read back and prepared again: with its override, or
with the new keywords if its themes are automatic. Only what changes is rewritten (the same
hash comparison as every other run), so a later run over the files finds it unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as windex

from search import store
from search.dates import parse_date
from search.urls import safe_url

from .autothemes import assign
from .build import API_SOURCE, IndexReport, Prepared, prepare
from .loaders import SourceError, read_source
from .lock import WriteLock
from .records import Curation, Entry
from .themes import Themes
from .update import _apply, read_state


@dataclass(frozen=True)
class StoredEntry:
    """An entry as indexed: its fields, where it came from, and the themes it was given.

    `entry.themes` holds the chosen themes when they are curated, and nothing when they were
    assigned automatically (so that preparing it again assigns them anew).
    """

    entry: Entry
    source: str
    themes: tuple[str, ...]
    theme_source: str


@dataclass(frozen=True)
class ThemeChange:
    """How an entry's automatic themes would change."""

    id: str
    title: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    @property
    def gained(self) -> tuple[str, ...]:
        return tuple(t for t in self.after if t not in self.before)

    @property
    def lost(self) -> tuple[str, ...]:
        return tuple(t for t in self.before if t not in self.after)


def _from_fields(fields: dict) -> StoredEntry:
    themes = tuple(fields.get("themes") or ())
    how = fields.get("theme_source", "curated")
    entry = Entry(
        id=fields["id"],
        title=fields.get("title", ""),
        date=parse_date(fields["date"]) if fields.get("date") else None,
        authors=tuple(fields.get("authors") or ()),
        summary=fields.get("summary", ""),
        body=fields.get("body", ""),
        themes=themes if how != "auto" else (),
        type=(fields.get("type") or [None])[0],
        url=safe_url(fields.get("url")),  # an older index may hold a javascript: URL
        origin=fields.get("origin", ""),
    )
    return StoredEntry(entry, (fields.get("source") or [API_SOURCE])[0], themes, how)


def _read(
    gen: Path, ids: Sequence[str] | None = None, with_state: bool = False
) -> tuple[dict[str, StoredEntry], dict]:
    """The live entries of a generation (those with `ids`, or all of them), and with
    `with_state` the state (hash, source) of every entry that updates compare against."""
    ix = windex.open_dir(str(gen))
    try:
        with ix.searcher() as searcher:
            reader = searcher.reader()
            if ids is None:
                found = reader.all_stored_fields()
            else:
                docnums = (searcher.document_number(id=entry_id) for entry_id in dict.fromkeys(ids))
                found = (searcher.stored_fields(d) for d in docnums if d is not None)
            entries = {s.entry.id: s for s in map(_from_fields, found)}
            return entries, (read_state(reader) if with_state else {})
    finally:
        ix.close()


def stored_entries(index_dir: Path | str, ids: Sequence[str] | None = None) -> list[StoredEntry]:
    """The entries with `ids` (those the index has, in that order), or every entry of the index
    being served in index order (which reads every stored field of the index)."""
    entries, _ = _read(store.current_generation(Path(index_dir)), ids)
    return list(entries.values())


def _themes(gen: Path, curation: Curation) -> Themes:
    copy = gen / store.THEMES
    return Themes.load(copy if copy.exists() else None, curation.theme_edits)


def preview_themes(index_dir: Path | str, curation: Curation | None = None) -> list[ThemeChange]:
    """Which automatically themed entries would gain or lose themes under `curation`'s theme
    edits (laid over the themes the index has); entries with an override are left out."""
    curation = curation or Curation()
    gen = store.current_generation(Path(index_dir))
    themes = _themes(gen, curation)
    entries, _ = _read(gen)
    changes = []
    for stored in entries.values():
        if stored.theme_source != "auto" or stored.entry.id in curation.overrides:
            continue
        after = assign(stored.entry, themes.keywords)
        if after != stored.themes:
            changes.append(ThemeChange(stored.entry.id, stored.entry.title, stored.themes, after))
    return sorted(changes, key=lambda c: (c.title.casefold(), c.id))


def retheme(
    index_dir: Path | str,
    curation: Curation | None = None,
    *,
    ids: Sequence[str] | None = None,
    originals: Iterable[Entry] = (),
    wait: float = 0.0,
) -> IndexReport:
    """Settle themes again in the index being served, from what it stores.

    With `ids` None: every entry with an override in `curation` gets it, every automatically
    themed one is assigned anew with `curation`'s theme edits (which the index's copy of the
    themes then takes on); entries with their own themes are left as they are. With `ids`:
    only those entries, and one without an override gets its own themes back (from
    `originals`, else from its source file: how an override is undone).
    """
    root = Path(index_dir)
    report = IndexReport()
    started = time.perf_counter()
    curation = curation or Curation()
    # None: a whole-index run, which never looks for originals.
    by_id = None if ids is None else {entry.id: entry for entry in originals}
    with WriteLock(root, wait):
        gen = store.current_generation(root)
        themes = _themes(gen, curation)
        entries, state = _read(gen, ids, with_state=True)
        prepared = [_again(s, themes, curation, report, by_id) for s in entries.values()]
        _apply(gen, [p for p in prepared if p is not None], [], themes, report, state)
    report.seconds = time.perf_counter() - started
    return report


def _again(
    stored: StoredEntry,
    themes: Themes,
    curation: Curation,
    report: IndexReport,
    originals: dict[str, Entry] | None,
) -> Prepared | None:
    """The entry prepared anew, or None when nothing about it is to be settled again.

    An entry with its own (curated) themes and no override is prepared again only when
    `originals` is given (a run for named ids): from its original, to undo an override.
    """
    override = curation.overrides.get(stored.entry.id)
    if override is not None:
        return prepare(stored.entry, stored.source, themes, report, override)
    if stored.theme_source == "auto":
        return prepare(stored.entry, stored.source, themes, report)
    if originals is None:
        return None
    original = originals.get(stored.entry.id) or _from_source(stored, report)
    return prepare(original, stored.source, themes, report) if original else None


def _from_source(stored: StoredEntry, report: IndexReport) -> Entry | None:
    """The entry as its source file has it now, for giving it back its own themes."""
    if stored.source != API_SOURCE:
        try:
            for item in read_source(Path(stored.source)):
                if isinstance(item, Entry) and item.id == stored.entry.id:
                    return item
        except SourceError:
            pass
    report.warnings.append(
        f"{stored.entry.id}: its source ({stored.source}) no longer has it, so its themes stay "
        f"{', '.join(stored.themes) or 'empty'} until the next indexing run"
    )
    return None
