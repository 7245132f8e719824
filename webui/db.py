"""The staff database: one SQLite file in WAL mode, migrated forward at start-up.

Accounts, tokens, collections and their versions, theme overrides, pushed entries,
judgments and analytics all live here; the index can always be rebuilt from the corpus plus
this file. Migrations are the numbered `migrations/NNNN_name.sql` files, applied in order
inside one transaction each; `PRAGMA user_version` records the last one applied, so a
worker that starts while another migrates waits for it instead of applying twice.

The file holds the key that signs session cookies (`secrets.session`): whoever reads it can
forge a cookie for any account. It is therefore created readable by its owner only (0600),
and SQLite gives its -wal and -shm files the same mode; `init_app` warns at start-up when
the file or those beside it can be read by others.
"""

from __future__ import annotations

import logging
import os
import re
import sqlite3
import stat
from pathlib import Path

from flask import Flask, Response, current_app, g
from werkzeug.routing import IntegerConverter

from .errors import _respond

MIGRATIONS = Path(__file__).parent / "migrations"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_MS = 10_000
#: The staff database and its copies: owner only.
FILE_MODE = 0o600
#: The Retry-After (seconds) when the database stayed locked for BUSY_MS.
BUSY_RETRY_AFTER = 5
#: The largest integer SQLite stores: ids in URLs beyond it name nothing.
MAX_ID = 2**63 - 1
#: The files SQLite keeps beside the database in WAL mode.
COMPANIONS = ("-wal", "-shm")


class DatabaseError(Exception):
    """The staff database cannot be opened or migrated; the message says which file and why."""


def migrations() -> list[tuple[int, Path]]:
    found = []
    for path in MIGRATIONS.iterdir():
        match = _NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def create_private(path: Path) -> None:
    """Create `path` empty with mode 0600 unless it exists (an empty file is a new SQLite
    database), so the database and the files SQLite derives from it are never world-readable."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        pass


def readable_by_others(path: Path) -> list[Path]:
    """The database file and its -wal and -shm files that group or others may read."""
    found = []
    for candidate in (path, *(path.with_name(path.name + suffix) for suffix in COMPANIONS)):
        try:
            if candidate.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):
                found.append(candidate)
        except FileNotFoundError:
            continue
    return found


def warn_if_readable(path: Path, logger: logging.Logger) -> None:
    for exposed in readable_by_others(path):
        logger.warning(
            "%s can be read by other users (mode %o); it holds the key that signs staff sessions: "
            "run chmod 600 on it",
            exposed,
            stat.S_IMODE(exposed.stat().st_mode),
        )


def connect(path: Path, busy_ms: int = BUSY_MS) -> sqlite3.Connection:
    """A connection with WAL, foreign keys, a busy timeout and rows readable by column name.

    `synchronous=FULL` makes every acknowledged commit durable across a power cut, not only
    a crash (SQLite builds may default WAL databases to NORMAL, which can lose the last ones)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        create_private(path)
        conn = sqlite3.connect(path, timeout=busy_ms / 1000, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseError(f"cannot open the staff database {path}: {exc}") from exc
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    """Apply every migration newer than the file's `user_version`; returns the new version."""
    pending = migrations()
    if conn.execute("PRAGMA user_version").fetchone()[0] >= pending[-1][0]:
        return pending[-1][0]  # up to date: take no write lock (a backup may run beside a writer)
    for number, path in pending:
        conn.execute("BEGIN IMMEDIATE")  # one migrating process at a time
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] >= number:
                conn.execute("ROLLBACK")
                continue
            for statement in _statements(path.read_text(encoding="utf-8")):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={number}")
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.execute("ROLLBACK")
            raise DatabaseError(f"migration {path.name} failed: {exc}") from exc
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _statements(script: str) -> list[str]:
    """Split a migration into statements (no triggers with inner semicolons in ours)."""
    return [s.strip() for s in script.split(";") if s.strip() and not _only_comments(s)]


def _only_comments(statement: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in statement.splitlines())


def open_db(path: Path) -> sqlite3.Connection:
    """Open and migrate: what the CLI and the app both do first."""
    conn = connect(path)
    migrate(conn)
    return conn


def get_db() -> sqlite3.Connection:
    """The request's connection, opened on first use and closed at teardown."""
    if "db" not in g:
        busy_ms = current_app.config.get("COOPSEARCH_DB_BUSY_MS", BUSY_MS)  # tests lower it
        g.db = connect(current_app.config["COOPSEARCH"].staff_db, busy_ms)
    return g.db


def _close(_exc: BaseException | None = None) -> None:
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


class RowId(IntegerConverter):
    """`<int:…>` in every route: at most MAX_ID, so an id no row can have is a plain 404
    instead of an OverflowError from SQLite (a 500)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max)


def busy(exc: sqlite3.OperationalError) -> Response:
    """A database still locked after BUSY_MS is a 503 with Retry-After (the request may simply
    be tried again), never a 500; any other operational error is one."""
    if "locked" not in str(exc) and "busy" not in str(exc):
        current_app.logger.exception("staff database error")
        return _respond(500, "internal_error", "Something went wrong on our side; it has been logged.")
    current_app.logger.warning("staff database busy: %s", exc)
    message = "The staff database is busy; please try again in a few seconds."
    response = _respond(503, "database_busy", message)
    response.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
    return response


def init_app(app: Flask) -> None:
    """Migrate once at start-up, so requests never see an old schema; warn if others can
    read the file."""
    app.url_map.converters["int"] = RowId  # before the blueprints add their routes
    path = app.config["COOPSEARCH"].staff_db
    open_db(path).close()
    warn_if_readable(path, app.logger)
    app.teardown_appcontext(_close)
    app.register_error_handler(sqlite3.OperationalError, busy)
