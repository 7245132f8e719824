"""Incremental indexing: apply what changed to the current generation, in one commit.

`update` takes entries pushed by a program (the staff API, the benchmarks); `index_sources`
takes the files of one or more sources and makes the index match them: new and changed
entries are written, entries gone from those sources are deleted, entries of other sources
are left alone. Both compare content hashes, so unchanged entries cost one hash each.

Both apply staff's `Curation`: theme overrides whenever an entry is prepared, theme edits over
the themes file; `index_sources` also (re)writes the pushed entries it is given, which win
over a file's entry with the same id, and never deletes pushed entries.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as windex

from search import store

from .build import (
    API_SOURCE,
    WRITER_MB,
    IndexReport,
    Prepared,
    _cancel,
    _current_or_none,
    _unique,
    build_generation,
    document,
    preparer,
    progress_bar,
)
from .loaders import JSONL_SUFFIXES, read_jsonl, read_markdown, source_files
from .lock import WriteLock
from .records import Curation, Entry, InvalidEntry
from .themes import Themes


@dataclass(frozen=True)
class Existing:
    hash: str
    source: str


def read_state(reader) -> dict[str, Existing]:
    """Every live entry's hash and source, read from columns and postings (no stored fields)."""
    if not reader.doc_count_all():
        # An index without segments (a first run that brought nothing in) has no columns:
        # Whoosh raises NotImplementedError for them.
        return {}
    ids = list(reader.column_reader("id"))
    hashes = list(reader.column_reader("hash"))
    sources: dict[int, str] = {}
    for btext in reader.lexicon("source"):
        name = btext.decode("utf-8")
        for docnum in reader.postings("source", btext).all_ids():
            sources[docnum] = name
    state = {}
    for docnum, (doc_id, digest) in enumerate(zip(ids, hashes, strict=True)):
        if reader.is_deleted(docnum):
            continue
        doc_id = doc_id.decode() if isinstance(doc_id, bytes) else doc_id
        state[doc_id] = Existing(
            digest.decode() if isinstance(digest, bytes) else digest, sources.get(docnum, API_SOURCE)
        )
    return state


def _themes_for(gen: Path | None, themes_file: Path | None, curation: Curation) -> Themes:
    """The given themes file, else the generation's copy; with staff's edits laid over it."""
    if themes_file or gen is None:
        return Themes.load(themes_file, curation.theme_edits)
    copy = gen / store.THEMES
    return Themes.load(copy if copy.exists() else None, curation.theme_edits)


def _apply(
    gen: Path,
    prepared: list[Prepared],
    delete_ids: Iterable[str],
    themes: Themes,
    report: IndexReport,
    state: dict[str, Existing],
) -> None:
    ix = windex.open_dir(str(gen))
    try:
        _drop_uncommitted(ix)  # what a crashed run left
        dest = gen / store.THEMES
        if themes.needs_writing(dest):
            themes.write(dest)  # before the commit: a reader that sees the commit sees these themes
        _commit(ix, prepared, delete_ids, report, state)
    except BaseException:
        _drop_uncommitted(ix)
        raise
    finally:
        ix.close()
    meta = store.read_meta(gen)
    meta["updated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    store.write_meta(gen, meta)
    report.generation = gen.name


def _commit(
    ix: windex.FileIndex,
    prepared: list[Prepared],
    delete_ids: Iterable[str],
    report: IndexReport,
    state: dict[str, Existing],
) -> None:
    writer = ix.writer(limitmb=WRITER_MB)
    try:
        for p in prepared:
            old = state.get(p.entry.id)
            if old is not None and old.hash == p.hash:
                report.unchanged += 1
                continue
            writer.update_document(**document(p))
            if old is None:
                report.added += 1
            else:
                report.updated += 1
        for doc_id in delete_ids:
            writer.delete_by_term("id", doc_id)
            report.deleted += 1
        writer.commit()
    except BaseException:
        _cancel(writer)
        raise


def _drop_uncommitted(ix: windex.FileIndex) -> None:
    """Delete what a failed or crashed commit left (so that a full disk gets its space back):
    segment files no commit refers to, Whoosh's scratch folder, half-written copies. The last
    commit's files, which readers use, are kept; the caller holds the write lock."""
    folder = Path(ix.storage.folder)
    windex.clean_files(ix.storage, ix.indexname, ix.latest_generation(), ix._segments())
    shutil.rmtree(folder / f"{ix.indexname}.tmp", ignore_errors=True)
    for tmp in folder.glob("*.tmp"):
        if tmp.is_file():
            tmp.unlink(missing_ok=True)


def update(
    index_dir: Path | str,
    entries: Iterable[Entry],
    deleted: Iterable[str] = (),
    themes_file: Path | None = None,
    *,
    source: str = API_SOURCE,
    wait: float = 0.0,
    curation: Curation | None = None,
) -> IndexReport:
    """Add or replace `entries` and delete the ids in `deleted`; builds the index if none exists.

    `curation` brings staff's theme overrides and theme edits (its pushed entries are not
    added: pass them in `entries`).
    """
    root = Path(index_dir)
    report = IndexReport()
    started = time.perf_counter()
    curation = curation or Curation()
    with WriteLock(root, wait):
        gen = _current_or_none(root)
        themes = _themes_for(gen, themes_file, curation)
        unique = _unique([(e, source) for e in entries], report)
        prep = preparer(themes, report, curation.overrides)
        prepared = [prep(e, s) for e, s in unique]
        if gen is None:
            report.rebuilt = True
            build_generation(root, iter(prepared), themes, report)
        else:
            ix = windex.open_dir(str(gen))
            with ix.reader() as reader:
                state = read_state(reader)
            ix.close()
            gone = [d for d in dict.fromkeys(deleted) if d in state]
            _apply(gen, prepared, gone, themes, report, state)
    report.seconds = time.perf_counter() - started
    return report


def load_sources(sources: list[Path], report: IndexReport) -> list[tuple[Entry, str]]:
    """Every valid entry of `sources` with its source key (its file's absolute path)."""
    items = []
    for source in sources:
        for path in source_files(source):
            key = str(path.resolve())
            reader = read_jsonl(path) if path.suffix.lower() in JSONL_SUFFIXES else [read_markdown(path)]
            for item in reader:
                if isinstance(item, InvalidEntry):
                    report.skip(item)
                else:
                    items.append((item, key))
    return _unique(items, report)


def _in_scope(sources: list[Path]):
    """Whether an indexed entry's source file is covered by this run's SOURCE arguments."""
    files = {str(s.resolve()) for s in sources if not s.is_dir()}
    folders = tuple(str(s.resolve()) + os.sep for s in sources if s.is_dir())
    return lambda key: key in files or key.startswith(folders)


def index_sources(
    index_dir: Path | str,
    sources: list[Path],
    *,
    rebuild: bool = False,
    themes_file: Path | None = None,
    wait: float = 0.0,
    procs: int = 1,
    progress: bool = False,
    curation: Curation | Callable[[], Curation] | None = None,
) -> IndexReport:
    """Make the index match `sources` and staff's `curation`: the CLI's `coopsearch index`.

    `curation` may be a function: it is called once the write lock is held, so that nothing
    staff push while this run waits for the lock is left out of a rebuild. With `progress`,
    a progress bar is drawn on standard error when it is a terminal.
    """
    root = Path(index_dir)
    report = IndexReport()
    started = time.perf_counter()
    items = load_sources(sources, report)
    shown = progress_bar(items, len(items), progress, "indexing")
    with WriteLock(root, wait):
        staff = (curation() if callable(curation) else curation) or Curation()
        for refused in staff.refused:
            report.skip(refused)
        gen = None if rebuild else _current_or_none(root)
        themes = _themes_for(gen, themes_file, staff)
        prep = preparer(themes, report, staff.overrides)
        everything = _with_pushed(shown, staff.pushed, report)
        if gen is None:
            report.rebuilt = True
            build_generation(root, (prep(e, s) for e, s in everything), themes, report, procs)
        else:
            _sync(gen, everything, _in_scope(sources), prep, themes, report)
    report.seconds = time.perf_counter() - started
    return report


def _with_pushed(
    items: Iterable[tuple[Entry, str]], pushed: Iterable[Entry], report: IndexReport
) -> Iterator[tuple[Entry, str]]:
    """The pushed entries (source "api"), then the files' entries that no pushed entry replaces."""
    ids = set()
    for entry in pushed:
        ids.add(entry.id)
        yield entry, API_SOURCE
    for entry, key in items:
        if entry.id in ids:
            report.warnings.append(
                f"{entry.origin}: id: {entry.id!r} is also an entry pushed through the API, "
                "which is indexed in its place"
            )
            continue
        yield entry, key


def _sync(
    gen: Path,
    items: Iterable[tuple[Entry, str]],
    in_scope,
    prep: Callable[[Entry, str], Prepared],
    themes: Themes,
    report: IndexReport,
) -> None:
    ix = windex.open_dir(str(gen))
    with ix.reader() as reader:
        state = read_state(reader)
    ix.close()
    prepared = []
    for entry, key in items:
        old = state.get(entry.id)
        if old is not None and old.source != key and key != API_SOURCE and not in_scope(old.source):
            name, _, line = entry.origin.rpartition(":")
            report.skip(
                InvalidEntry(
                    name,
                    int(line or 0),
                    "id",
                    f"duplicate id {entry.id!r}: already indexed from {old.source}",
                )
            )
            continue
        prepared.append(prep(entry, key))
    seen = {p.entry.id for p in prepared}
    gone = [doc_id for doc_id, old in state.items() if in_scope(old.source) and doc_id not in seen]
    _apply(gen, prepared, gone, themes, report, state)
