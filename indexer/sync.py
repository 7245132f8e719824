"""`coopsearch sync`: bring every source of a sources file up to date, one source at a time.

Each source is read first (the network is never used while the index is locked), then its
entries are written in one commit under the index's write lock, keyed on the source: a feed,
CSV or pages source indexes its entries under "feed:NAME", "csv:NAME" or "pages:NAME", a folder
under each file's path (as `coopsearch index` does), so sources never delete each other's
entries. What a source no longer lists is deleted, except for feeds (they show only their
latest items), and except when part of the source could not be read: a failed sync never
deletes what an earlier one brought in. An entry whose id another source already indexed, or
that staff pushed through the API, is left to that source.

Per source, the report counts entries added, updated, deleted and unchanged, and the problems
(`failed`), each with its file or URL and position. Each source is read within the fetch
policy's `source_budget` (see `indexer.fetch`), so a slow one cannot keep the sources after it
from syncing: a feed or CSV that runs out of it is not synced, a pages source syncs the pages
it fetched in time and starts with the rest at the next run. Per-source state (for web pages: each
page's lastmod and HTTP validators) is kept in INDEX/sync-state.json.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as windex

from .build import API_SOURCE, IndexReport, Prepared, build_generation, preparer
from .csvsource import harvest_csv
from .feeds import harvest_feed
from .fetch import Fetcher
from .harvest import Harvest, Problem, SourceFailed
from .loaders import JSONL_SUFFIXES, SourceError, read_jsonl, read_markdown, source_files
from .lock import IndexLocked, WriteLock
from .records import Curation, Entry, InvalidEntry
from .sources import CsvSource, FeedSource, FolderSource, PagesSource, Source, SourcesConfig
from .themes import Themes
from .update import Existing, _apply, _current_or_none, _in_scope, _themes_for, read_state
from .webpages import harvest_pages

STATE_FILE = "sync-state.json"


@dataclass
class SourceReport:
    """What syncing one source did; `error` when it could not be synced at all."""

    name: str
    kind: str
    location: str
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    failed: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    def summary(self) -> str:
        head = f"{self.kind} {self.name}"
        if self.error:
            return f"{head}: not synced: {self.error} (what the index had from it is kept)"
        return (
            f"{head}: added {self.added}, updated {self.updated}, deleted {self.deleted}, "
            f"unchanged {self.unchanged}, failed {self.failed}"
        )

    def _problem(self, problem: Problem | str) -> None:
        self.problems.append(str(problem))
        self.failed += 1


def sync_sources(
    index_dir: Path | str,
    config: SourcesConfig,
    *,
    themes_file: Path | None = None,
    wait: float = 10.0,
    curation: Curation | Callable[[], Curation] | None = None,
    full: bool = False,
    fetcher: Fetcher | None = None,
) -> list[SourceReport]:
    """Sync every source of `config` into the index, in order; one report per source.

    `curation` (staff's pushed entries, theme overrides and edits) may be a function, called
    once the index is locked for each source. `full` fetches every page again, whatever its
    lastmod (after a change to the themes file, say).
    """
    fetcher = fetcher or Fetcher(config.fetch)
    root = Path(index_dir)
    run = _Run(root, themes_file, wait, curation, full, fetcher)
    return [run.sync(source) for source in config.sources]


@dataclass
class _Run:
    root: Path
    themes_file: Path | None
    wait: float
    curation: Curation | Callable[[], Curation] | None
    full: bool
    fetcher: Fetcher

    def sync(self, source: Source) -> SourceReport:
        report = SourceReport(source.name, source.kind, source.location)
        started = time.perf_counter()
        try:
            with self.fetcher.budget():
                harvest = self._harvest(source)
            for problem in harvest.problems:
                report._problem(problem)
            report.warnings.extend(harvest.warnings)
            self._write(source, harvest, report)
        except (SourceFailed, IndexLocked) as exc:
            report.error = str(exc)
        except Exception as exc:  # a bug in one source's reading must not stop the others
            report.error = "unexpected error: " + "".join(traceback.format_exception_only(exc)).strip()
        report.seconds = time.perf_counter() - started
        return report

    def _harvest(self, source: Source) -> Harvest:
        """Read the source (no lock is held: the index stays writable meanwhile)."""
        if isinstance(source, FeedSource):
            return harvest_feed(source, self.fetcher)
        if isinstance(source, CsvSource):
            return harvest_csv(source, self.fetcher)
        if isinstance(source, PagesSource):
            indexed = {doc_id: old.source for doc_id, old in _index_state(self.root).items()}
            state = read_sync_state(self.root).get(source.key, {})
            return harvest_pages(source, self.fetcher, state, indexed, self.full)
        if isinstance(source, FolderSource):
            return harvest_folder(source)
        raise TypeError(f"unknown kind of source: {source!r}")

    def _write(self, source: Source, harvest: Harvest, report: SourceReport) -> None:
        owns = _in_scope([source.path]) if isinstance(source, FolderSource) else _key_is(source.key)
        with WriteLock(self.root, self.wait):
            staff = (self.curation() if callable(self.curation) else self.curation) or Curation()
            gen = _current_or_none(self.root)
            themes = _themes_for(gen, self.themes_file, staff)
            counts = IndexReport()
            prep = preparer(themes, counts, staff.overrides)
            state = _generation_state(gen) if gen else {}
            keep = _Keep(harvest, owns)
            chosen = keep.choose(state, {e.id for e in staff.pushed}, report)
            prepared = [prep(entry, key) for entry, key in chosen]
            if gen is None:
                pushed = [prep(entry, API_SOURCE) for entry in staff.pushed]
                build_generation(self.root, iter(pushed + prepared), themes, counts)
                counts.added -= len(pushed)
            else:
                _apply_changes(gen, prepared, keep.gone(state), themes, counts, state)
            if harvest.state is not None:
                write_sync_state(self.root, source.key, harvest.state)
        report.added, report.updated, report.deleted = counts.added, counts.updated, counts.deleted
        report.unchanged = counts.unchanged + harvest.unchanged
        report.warnings.extend(counts.warnings)


def _apply_changes(
    gen: Path,
    prepared: list[Prepared],
    gone: list[str],
    themes: Themes,
    counts: IndexReport,
    state: Mapping[str, Existing],
) -> None:
    """Commit what changed; nothing at all when nothing did, so that an unchanged source does
    not give the index a new version (which would renew every cached page and ETag)."""
    changed = [p for p in prepared if (old := state.get(p.entry.id)) is None or old.hash != p.hash]
    if changed or gone:
        _apply(gen, prepared, gone, themes, counts, dict(state))
    else:
        counts.unchanged += len(prepared)


class _Keep:
    """Which read entries to write, and which indexed entries of the source to delete."""

    def __init__(self, harvest: Harvest, owns: Callable[[str], bool]) -> None:
        self.harvest = harvest
        self.owns = owns
        self.seen: set[str] = set()

    def choose(
        self, state: Mapping[str, Existing], pushed: set[str], report: SourceReport
    ) -> list[tuple[Entry, str]]:
        """The read entries to write: neither pushed through the API nor another source's."""
        chosen = []
        for entry, key in self.harvest.items:  # ids are unique: `Harvest.add` saw to it
            self.seen.add(entry.id)
            old = state.get(entry.id)
            if entry.id in pushed:
                report.warnings.append(
                    f"{entry.origin}: {entry.id!r} is an entry pushed through the API, "
                    "which is kept in its place"
                )
            elif old is not None and not self.owns(old.source):
                report._problem(
                    _at(entry.origin, f"duplicate: {entry.id!r} is already indexed from {old.source}")
                )
            else:
                chosen.append((entry, key))
        return chosen

    def gone(self, state: Mapping[str, Existing]) -> list[str]:
        h = self.harvest
        if not (h.delete_missing and h.complete):
            return []
        return [
            doc_id
            for doc_id, old in state.items()
            if self.owns(old.source)
            and doc_id not in self.seen
            and doc_id not in h.keep_ids
            and old.source not in h.keep_keys
        ]


def _key_is(key: str) -> Callable[[str], bool]:
    return lambda source: source == key


def _at(origin: str, reason: str) -> Problem:
    where, _, line = origin.rpartition(":")
    return Problem(where, f"line {line}" if line not in ("", "0") else "", reason)


def harvest_folder(source: FolderSource) -> Harvest:
    """Every entry of a folder's files, keyed on each file; a broken file keeps its entries."""
    harvest = Harvest(delete_missing=True)
    try:
        files = source_files(source.path)
    except SourceError as exc:
        raise SourceFailed(str(exc)) from None
    for path in files:
        key = str(path.resolve())
        reader = read_jsonl(path) if path.suffix.lower() in JSONL_SUFFIXES else [read_markdown(path)]
        for item in reader:
            if isinstance(item, InvalidEntry):
                harvest.problems.append(Problem.from_invalid(item))
                harvest.keep_keys.add(key)
            else:
                harvest.add(item, key)
    return harvest


# -- the index's state and the sync's own ---------------------------------------------------


def _generation_state(gen: Path) -> dict[str, Existing]:
    ix = windex.open_dir(str(gen))
    try:
        with ix.reader() as reader:
            return read_state(reader)
    finally:
        ix.close()


def _index_state(root: Path) -> dict[str, Existing]:
    gen = _current_or_none(root)
    return _generation_state(gen) if gen else {}


def read_sync_state(root: Path) -> dict[str, dict]:
    """Each source's state from the last sync (source key -> state); empty if none or unreadable."""
    try:
        data = json.loads((Path(root) / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    sources = data.get("sources") if isinstance(data, dict) else None
    return sources if isinstance(sources, dict) else {}


def write_sync_state(root: Path, key: str, state: dict) -> None:
    """Replace one source's state, atomically (the caller holds the index's write lock)."""
    everything = read_sync_state(root)
    everything[key] = state
    text = json.dumps({"version": 1, "sources": everything}, indent=1, sort_keys=True, ensure_ascii=False)
    handle, tmp = tempfile.mkstemp(dir=root, prefix=".sync-state-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text + "\n")
        os.replace(tmp, Path(root) / STATE_FILE)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
