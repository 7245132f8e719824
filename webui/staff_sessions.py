"""Staff sessions kept on the server, so that they can be ended.

A signed cookie alone cannot be taken back: one captured before logout would keep working,
and since Flask signs it again on every response, for ever. The cookie therefore carries a
random session id; the staff database keeps its SHA-256 (like an API token) with the
account and the time of login. A session ends at logout, when the account's password
changes or the account is removed (ON DELETE CASCADE), and LIFETIME_SECONDS after login
however often it is used.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time

from .accounts import Account

#: A session's absolute lifetime, counted from login (12 hours).
LIFETIME_SECONDS = 12 * 3600


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()


def start(conn: sqlite3.Connection, account_id: int, now: float | None = None) -> str:
    """A new session for the account; returns the id to put in the cookie."""
    now = time.time() if now is None else now
    conn.execute("DELETE FROM sessions WHERE created_at < ?", (now - LIFETIME_SECONDS,))
    session_id = secrets.token_urlsafe(32)
    conn.execute(
        "INSERT INTO sessions (id_hash, account_id, created_at) VALUES (?, ?, ?)",
        (_hash(session_id), account_id, now),
    )
    return session_id


def account_for(conn: sqlite3.Connection, session_id: str, now: float | None = None) -> Account | None:
    """The account of a live session; None when it ended, expired or never existed."""
    now = time.time() if now is None else now
    row = conn.execute(
        "SELECT a.id, a.email, a.created_at FROM sessions s JOIN accounts a ON a.id = s.account_id "
        "WHERE s.id_hash = ? AND s.created_at >= ?",
        (_hash(session_id), now - LIFETIME_SECONDS),
    ).fetchone()
    return Account(**row) if row else None


def end(conn: sqlite3.Connection, session_id: str) -> None:
    conn.execute("DELETE FROM sessions WHERE id_hash = ?", (_hash(session_id),))


def end_all(conn: sqlite3.Connection, account_id: int) -> int:
    """End every session of the account (a password change); returns how many there were."""
    return conn.execute("DELETE FROM sessions WHERE account_id = ?", (account_id,)).rowcount
