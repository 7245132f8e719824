"""Building and updating the index: full rebuilds aside, incremental updates in place.

Every change is keyed on entry id and a hash of what gets indexed (including automatically
assigned themes and staff's theme overrides), so re-running the indexer rewrites only what
changed. A rebuild writes a new
generation folder and switches `CURRENT` to it only once it is complete (see `search.store`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from whoosh import index as windex
from whoosh import writing
from whoosh.writing import IndexWriter

from search import store
from search.analysis import adjacent_pairs, surface_words
from search.models import UNDATED
from search.schema import SCHEMA_VERSION, build_schema

from .autothemes import assign
from .lock import WriteLock
from .markup import render_markdown
from .parallel import SafeMpWriter
from .records import Curation, Entry, InvalidEntry
from .themes import Themes

API_SOURCE = "api"
#: A full build commits one segment (per process) every BATCH_SIZE entries, sized so that
#: Whoosh's posting pool stays in memory (WRITER_MB) instead of spilling to sorted runs on
#: disk, which made large builds several times slower per entry than small ones.
BATCH_SIZE = 10_000
WRITER_MB = 2048


@dataclass
class IndexReport:
    """What one indexing run did; `errors` are the entries it skipped, with where and why."""

    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[InvalidEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    generation: str = ""
    rebuilt: bool = False

    def summary(self) -> str:
        kind = "rebuilt" if self.rebuilt else "updated"
        return (
            f"{kind} {self.generation}: added {self.added}, updated {self.updated}, "
            f"deleted {self.deleted}, unchanged {self.unchanged}, skipped {self.skipped} "
            f"in {self.seconds:.1f}s"
        )

    def skip(self, error: InvalidEntry) -> None:
        self.errors.append(error)
        self.skipped += 1


@dataclass(frozen=True)
class Prepared:
    """An entry ready to index: its themes settled and its hash computed."""

    entry: Entry
    source: str
    themes: tuple[str, ...]
    theme_source: str
    hash: str


def prepare(
    entry: Entry,
    source: str,
    themes: Themes,
    report: IndexReport,
    override: Sequence[str] | None = None,
) -> Prepared:
    """Settle an entry's themes and hash the result.

    Staff's `override` comes first, then the entry's own themes ("curated"), else themes
    assigned from keywords ("auto"). An override's hash leaves out the entry's own themes, so
    an entry read back from the index (where only the chosen themes are kept) hashes the same
    as the one read from its file.
    """
    basis = entry.content_hash()
    if override is not None:
        chosen, how = _known(entry, tuple(override), themes, report), "curated"
        basis = replace(entry, themes=()).content_hash() + "|override"
    elif entry.themes:
        chosen, how = _known(entry, entry.themes, themes, report), "curated"
    else:
        chosen, how = assign(entry, themes.keywords), "auto"
    raw = f"{basis}|{','.join(chosen)}|{how}|{source}".encode()
    return Prepared(entry, source, chosen, how, hashlib.blake2b(raw, digest_size=16).hexdigest())


def _known(entry: Entry, chosen: tuple[str, ...], themes: Themes, report: IndexReport) -> tuple[str, ...]:
    """The theme ids the themes file knows (all of them when there is no file); warns about the rest."""
    known = tuple(t for t in chosen if not themes.by_id or t in themes.by_id)
    for unknown in sorted(set(chosen) - set(known)):
        report.warnings.append(
            f"{entry.origin}: themes: unknown theme {unknown!r} ignored (known: {', '.join(themes.by_id)})"
        )
    return known


def preparer(
    themes: Themes, report: IndexReport, overrides: Mapping[str, Sequence[str]]
) -> Callable[[Entry, str], Prepared]:
    """`prepare` with the run's themes, report and staff overrides filled in."""

    def prepare_one(entry: Entry, source: str) -> Prepared:
        return prepare(entry, source, themes, report, overrides.get(entry.id))

    return prepare_one


def document(p: Prepared) -> dict:
    """The Whoosh document for a prepared entry (see `search.schema`)."""
    e = p.entry
    return {
        "id": e.id,
        "title": e.title,
        "summary": e.summary,
        "body": e.body,
        "body_html": render_markdown(e.body),
        "words": sorted(surface_words(f"{e.title}\n{e.summary}\n{e.body}")),
        "pairs": sorted(adjacent_pairs(e.title) | adjacent_pairs(e.summary)),
        "authors": "; ".join(e.authors),
        "_stored_authors": list(e.authors),
        "author": list(e.authors),
        "themes": list(p.themes),
        "theme_source": p.theme_source,
        "type": [e.type] if e.type else [],
        "year": [str(e.date.year) if e.date else UNDATED],
        "date": e.date.isoformat() if e.date else None,
        "day": e.date.first_day().toordinal() if e.date else 0,
        "url": e.url,
        "source": [p.source],
        "origin": e.origin,
        "hash": p.hash.encode(),
    }


def progress_bar(items: Iterable, total: int | None, enabled: bool, desc: str) -> Iterable:
    """`items`, drawn as a progress bar on standard error when enabled and it is a terminal."""
    if not enabled or not sys.stderr.isatty():
        return items
    from tqdm import tqdm

    return tqdm(items, total=total, desc=desc, unit=" entries", file=sys.stderr)


# -- full rebuilds --------------------------------------------------------------------------


def _next_generation(root: Path) -> Path:
    gens = store.generations(root)
    last = int(gens[-1].name[len(store.GEN_PREFIX) :]) if gens else 0
    return root / store.generation_name(last + 1)


def _clear_leftovers(root: Path) -> None:
    """Remove what crashed runs left (we hold the lock, so none of it is live): half-built
    generations, finished ones never made current, and a half-written pointer."""
    for path in root.glob(f"{store.GEN_PREFIX}*.building"):
        shutil.rmtree(path, ignore_errors=True)
    current = _current_or_none(root)
    for gen in store.generations(root):
        if current is not None and gen.name > current.name:
            shutil.rmtree(gen, ignore_errors=True)
    (root / (store.CURRENT + ".tmp")).unlink(missing_ok=True)


def _prune(root: Path, keep: Path) -> None:
    """Keep the new generation and the one before it (readers may still have it open)."""
    gens = store.generations(root)
    if keep not in gens:
        return
    for old in gens[: max(gens.index(keep) - 1, 0)]:
        shutil.rmtree(old, ignore_errors=True)


def _write_meta(gen: Path, themes: Themes, extra: dict) -> None:
    if themes.path or themes.by_id:
        themes.write(gen / store.THEMES)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    meta = {"schema_version": SCHEMA_VERSION, "built_at": now, "updated_at": now, **extra}
    store.write_meta(gen, meta)


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as f:
            os.fsync(f.fileno())


def build_generation(
    root: Path, prepared: Iterator[Prepared], themes: Themes, report: IndexReport, procs: int = 1
) -> Path:
    """Write a complete new generation from `prepared` and switch `CURRENT` to it.

    On any failure (a full disk, an interruption) the new folder is removed, so the space
    comes back and the previous generation stays current.
    """
    _clear_leftovers(root)
    final = _next_generation(root)
    building = final.with_name(final.name + ".building")
    try:
        _write_generation(building, prepared, themes, report, procs)
        os.replace(building, final)
        store.point_current(root, final)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        if _current_or_none(root) != final:
            shutil.rmtree(final, ignore_errors=True)
        raise
    _prune(root, final)
    report.generation = final.name
    return final


def _current_or_none(root: Path) -> Path | None:
    try:
        return store.current_generation(root)
    except store.IndexUnavailable:
        return None


def _write_generation(
    building: Path, prepared: Iterator[Prepared], themes: Themes, report: IndexReport, procs: int
) -> None:
    building.mkdir(parents=True)
    ix = windex.create_in(str(building), build_schema())
    try:
        for batch in _batches(prepared, BATCH_SIZE):
            writer = _writer(ix, procs)
            try:
                for p in batch:
                    writer.add_document(**document(p))
                writer.commit(mergetype=writing.NO_MERGE)
            except BaseException:
                _cancel(writer)
                raise
            report.added += len(batch)
    finally:
        ix.close()
    _write_meta(building, themes, {"entries": report.added})
    _fsync_tree(building)


def _cancel(writer: IndexWriter) -> None:
    """Cancel after a failure; cancelling may fail the same way (a full disk), and the
    caller removes the folder anyway, so the first error is the one worth reporting."""
    try:
        writer.cancel()
    except Exception:
        pass


def _batches(items: Iterator[Prepared], size: int) -> Iterator[list[Prepared]]:
    batch: list[Prepared] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _writer(ix: windex.Index, procs: int) -> IndexWriter:
    if procs > 1:
        return SafeMpWriter(ix, procs=procs, limitmb=WRITER_MB // procs, multisegment=True)
    return ix.writer(limitmb=WRITER_MB)


def rebuild(
    index_dir: Path | str,
    entries: Iterable[Entry],
    themes_file: Path | None = None,
    *,
    source: str = API_SOURCE,
    wait: float = 0.0,
    procs: int = 1,
    curation: Curation | None = None,
) -> IndexReport:
    """Build a fresh index of `entries` (all from one `source`) and publish it atomically.

    `curation` brings staff's theme overrides and theme edits (its pushed entries are not
    added: pass them in `entries`).
    """
    root = Path(index_dir)
    report = IndexReport(rebuilt=True)
    started = time.perf_counter()
    curation = curation or Curation()
    themes = Themes.load(themes_file, curation.theme_edits)
    with WriteLock(root, wait):
        unique = _unique([(e, source) for e in entries], report)
        prep = preparer(themes, report, curation.overrides)
        build_generation(root, (prep(e, s) for e, s in unique), themes, report, procs)
    report.seconds = time.perf_counter() - started
    return report


def _unique(items: Iterable[tuple[Entry, str]], report: IndexReport) -> list[tuple[Entry, str]]:
    """Drop second and later entries with an id already seen, reporting each."""
    seen: dict[str, str] = {}
    out = []
    for entry, source in items:
        first = seen.get(entry.id)
        if first is not None:
            line = int(entry.origin.rsplit(":", 1)[1]) if ":" in entry.origin else 0
            name = entry.origin.rsplit(":", 1)[0]
            report.skip(InvalidEntry(name, line, "id", f"duplicate id {entry.id!r}, first at {first}"))
            continue
        seen[entry.id] = entry.origin
        out.append((entry, source))
    return out
