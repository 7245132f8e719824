"""Staff's decisions that the index must keep, in the staff database: entries pushed through
the API, theme overrides and theme edits.

Every indexing run gets them as one `indexer.Curation` (`coopsearch index` through
`read_curation`), so a full rebuild includes them without asking the CMS again.

Writing the index takes seconds for a large entry; a database transaction held that long
would make every other writer of the staff database (a login, a click) wait, and fail with
"database is locked". The write API therefore never holds a transaction across index work:
it takes `push_lock` (one push at a time; `Busy` after a short wait), changes
the row in a short transaction, writes the index, and puts the row back as it was if the
index cannot be written, so the two never disagree.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from indexer import Curation, Entry, InvalidEntry
from search import Theme

from .db import open_db

NOW = "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
#: Seconds a staff change waits for another indexing run to let go of the index before it is
#: refused (503); tests lower it with the COOPSEARCH_WRITE_WAIT config key.
WRITE_WAIT = 3.0
#: The Retry-After (seconds) of that refusal.
RETRY_AFTER = 10
#: Seconds a push waits for the one being written before it is refused (503).
PUSH_WAIT = 1.0
#: The Retry-After (seconds) of that refusal (a large entry takes a few seconds to write).
PUSH_RETRY_AFTER = 5


class Busy(RuntimeError):
    """Another push is writing the index right now; nothing was changed."""


def index_target() -> tuple[Path, float]:
    """The app's index folder and how long a write may wait for its lock."""
    settings = current_app.config["COOPSEARCH"]
    return Path(settings.index_dir), float(current_app.config.get("COOPSEARCH_WRITE_WAIT", WRITE_WAIT))


@contextmanager
def push_lock() -> Iterator[None]:
    """One entry push at a time, across workers: an flock beside the staff database, which the
    kernel frees if its worker dies. Waited for at most PUSH_WAIT seconds (a small entry's
    push takes a fraction of one), then `Busy`: pushes queued behind a large one must not
    hold the workers that visitors and staff logging in need."""
    path = Path(current_app.config["COOPSEARCH"].staff_db)
    wait = float(current_app.config.get("COOPSEARCH_PUSH_WAIT", PUSH_WAIT))
    fd = os.open(path.with_name(path.name + ".push-lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _flock_within(fd, time.monotonic() + wait)
        yield
    finally:
        os.close(fd)  # also releases the flock


def _flock_within(fd: int, deadline: float) -> None:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise Busy("another entry is being written to the index") from None
            time.sleep(0.02)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed if the block ends normally, rolled back if it raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


# -- pushed entries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Pushed:
    """A pushed entry as stored: the corpus JSON shape, and who sent it when."""

    id: str
    entry: dict
    updated_at: str
    updated_by: str

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "entry": self.entry,
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
        }


def _pushed(row: sqlite3.Row) -> Pushed:
    return Pushed(row["id"], json.loads(row["entry"]), row["updated_at"], row["updated_by"])


def get_pushed(conn: sqlite3.Connection, entry_id: str) -> Pushed | None:
    row = conn.execute("SELECT * FROM pushed_entries WHERE id = ?", (entry_id,)).fetchone()
    return _pushed(row) if row else None


def save_pushed(conn: sqlite3.Connection, entry: Entry, actor: str) -> tuple[Pushed, bool]:
    """Store `entry` (replacing one with its id): the stored record, and whether it is new."""
    created = get_pushed(conn, entry.id) is None
    conn.execute(
        f"INSERT INTO pushed_entries (id, entry, updated_at, updated_by) VALUES (?, ?, {NOW}, ?) "
        f"ON CONFLICT (id) DO UPDATE SET entry = excluded.entry, updated_at = {NOW}, "
        "updated_by = excluded.updated_by",
        (entry.id, json.dumps(entry.to_dict(), ensure_ascii=False), actor),
    )
    stored = get_pushed(conn, entry.id)
    if stored is None:  # cannot happen inside the caller's transaction
        raise RuntimeError(f"the pushed entry {entry.id!r} was not stored")
    return stored, created


def restore_pushed(conn: sqlite3.Connection, entry_id: str, previous: Pushed | None) -> None:
    """Put the row for `entry_id` back as it was before a push whose index write failed."""
    with transaction(conn):
        if previous is None:
            delete_pushed(conn, entry_id)
            return
        conn.execute(
            "INSERT INTO pushed_entries (id, entry, updated_at, updated_by) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET entry = excluded.entry, updated_at = excluded.updated_at, "
            "updated_by = excluded.updated_by",
            (
                entry_id,
                json.dumps(previous.entry, ensure_ascii=False),
                previous.updated_at,
                previous.updated_by,
            ),
        )


def delete_pushed(conn: sqlite3.Connection, entry_id: str) -> bool:
    """Forget a pushed entry; False if there was none with this id."""
    return conn.execute("DELETE FROM pushed_entries WHERE id = ?", (entry_id,)).rowcount > 0


def as_entry(pushed: Pushed) -> Entry:
    """The stored JSON as an `Entry` again, through today's validation: InvalidEntry for an
    entry stored by an older version whose checks it no longer passes (a `javascript:` URL,
    a field over its limit)."""
    return Entry.from_mapping(pushed.entry, source="<staff database>", line=1)


def pushed_entries(conn: sqlite3.Connection) -> tuple[tuple[Entry, ...], tuple[InvalidEntry, ...]]:
    """The stored pushed entries, and those refused by today's validation (named, so that an
    indexing run reports them as skipped and indexes the rest)."""
    rows = conn.execute("SELECT * FROM pushed_entries ORDER BY id").fetchall()
    entries, refused = [], []
    for pushed in map(_pushed, rows):
        try:
            entries.append(as_entry(pushed))
        except InvalidEntry as exc:
            why = f"{exc.reason} (pushed entry {pushed.id!r}, stored before this check: push it again)"
            refused.append(InvalidEntry(exc.source, exc.line, exc.field, why))
    return tuple(entries), tuple(refused)


# -- theme overrides --------------------------------------------------------------------------


@dataclass(frozen=True)
class Override:
    entry_id: str
    themes: tuple[str, ...]
    confirmed: bool
    set_by: str
    set_at: str


def _override(row: sqlite3.Row) -> Override:
    themes = tuple(json.loads(row["themes"]))
    return Override(row["entry_id"], themes, bool(row["confirmed"]), row["set_by"], row["set_at"])


def get_override(conn: sqlite3.Connection, entry_id: str) -> Override | None:
    row = conn.execute("SELECT * FROM theme_overrides WHERE entry_id = ?", (entry_id,)).fetchone()
    return _override(row) if row else None


def overrides(conn: sqlite3.Connection) -> dict[str, tuple[str, ...]]:
    """Every override: entry id -> its themes."""
    rows = conn.execute("SELECT * FROM theme_overrides ORDER BY entry_id").fetchall()
    return {o.entry_id: o.themes for o in map(_override, rows)}


def set_override(
    conn: sqlite3.Connection, entry_id: str, themes: tuple[str, ...], actor: str, confirmed: bool = False
) -> None:
    conn.execute(
        "INSERT INTO theme_overrides (entry_id, themes, confirmed, set_by, set_at) "
        f"VALUES (?, ?, ?, ?, {NOW}) ON CONFLICT (entry_id) DO UPDATE SET themes = excluded.themes, "
        f"confirmed = excluded.confirmed, set_by = excluded.set_by, set_at = {NOW}",
        (entry_id, json.dumps(list(themes)), int(confirmed), actor),
    )


def remove_override(conn: sqlite3.Connection, entry_id: str) -> bool:
    return conn.execute("DELETE FROM theme_overrides WHERE entry_id = ?", (entry_id,)).rowcount > 0


# -- theme edits ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeEdit:
    theme: Theme
    edited_by: str
    edited_at: str


def _edit(row: sqlite3.Row) -> ThemeEdit:
    theme = Theme(row["theme_id"], row["label"], row["description"], tuple(json.loads(row["keywords"])))
    return ThemeEdit(theme, row["edited_by"], row["edited_at"])


def theme_edits(conn: sqlite3.Connection) -> dict[str, ThemeEdit]:
    rows = conn.execute("SELECT * FROM theme_edits ORDER BY theme_id").fetchall()
    return {e.theme.id: e for e in map(_edit, rows)}


def save_theme_edit(conn: sqlite3.Connection, theme: Theme, actor: str) -> None:
    keywords = json.dumps(list(theme.keywords), ensure_ascii=False)
    conn.execute(
        "INSERT INTO theme_edits (theme_id, label, description, keywords, edited_by, edited_at) "
        f"VALUES (?, ?, ?, ?, ?, {NOW}) ON CONFLICT (theme_id) DO UPDATE SET label = excluded.label, "
        "description = excluded.description, keywords = excluded.keywords, "
        f"edited_by = excluded.edited_by, edited_at = {NOW}",
        (theme.id, theme.label, theme.description, keywords, actor),
    )


# -- all of it, for an indexing run -----------------------------------------------------------


def load(conn: sqlite3.Connection, with_pushed: bool = True) -> Curation:
    """Everything staff decided, read in one transaction so the three parts agree (inside the
    caller's transaction if there is one, seeing its changes)."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        pushed, refused = pushed_entries(conn) if with_pushed else ((), ())
        edits = {key: edit.theme for key, edit in theme_edits(conn).items()}
        return Curation(pushed=pushed, overrides=overrides(conn), theme_edits=edits, refused=refused)
    finally:
        if own:
            conn.execute("COMMIT")


def read_curation(db_path: Path) -> Curation:
    """What `coopsearch index` passes to the indexer; nothing when there is no staff database."""
    if not db_path.exists():
        return Curation()
    conn = open_db(db_path)
    try:
        return load(conn)
    finally:
        conn.close()
