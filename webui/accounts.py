"""Staff accounts, API tokens, the audit log and login throttling, over the staff database.

Passwords are kept only as scrypt hashes (Werkzeug's default). API tokens are 32 random
bytes shown once; the database keeps their SHA-256 (a token is random, so a fast hash is
enough) and an 8-character prefix to tell them apart in lists.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import sqlite3
import time
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from . import login_throttle

MIN_PASSWORD = 10
TOKEN_PREFIX = "cs_"


class AccountError(ValueError):
    """A staff account operation that cannot be done; the message says why."""


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    created_at: str


@dataclass(frozen=True)
class Token:
    id: int
    account_id: int
    name: str
    prefix: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


def _normalize_email(email: str) -> str:
    email = email.strip()
    if "@" not in email or len(email) > 254 or any(c.isspace() for c in email):
        raise AccountError(f"{email!r} is not an email address")
    return email


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")


def add_account(conn: sqlite3.Connection, email: str, password: str) -> Account:
    email = _normalize_email(email)
    _check_password(password)
    try:
        conn.execute(
            "INSERT INTO accounts (email, password_hash) VALUES (?, ?)",
            (email, generate_password_hash(password)),
        )
    except sqlite3.IntegrityError:
        raise AccountError(f"there is already an account for {email}") from None
    account = find_account(conn, email)
    assert account is not None
    return account


def set_password(conn: sqlite3.Connection, email: str, password: str) -> Account:
    """A new password for the account; it also ends every session of the account (someone
    who knew the old password may be logged in)."""
    _check_password(password)
    account = find_account(conn, email)
    if account is None:
        raise AccountError(f"there is no account for {email.strip()}")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "UPDATE accounts SET password_hash = ? WHERE id = ?", (generate_password_hash(password), account.id)
    )
    conn.execute("DELETE FROM sessions WHERE account_id = ?", (account.id,))
    conn.execute("COMMIT")
    return account


def find_account(conn: sqlite3.Connection, email: str) -> Account | None:
    row = conn.execute(
        "SELECT id, email, created_at FROM accounts WHERE email = ?", (email.strip(),)
    ).fetchone()
    return Account(**row) if row else None


def account_by_id(conn: sqlite3.Connection, account_id: int) -> Account | None:
    row = conn.execute("SELECT id, email, created_at FROM accounts WHERE id = ?", (account_id,)).fetchone()
    return Account(**row) if row else None


def list_accounts(conn: sqlite3.Connection) -> list[Account]:
    return [
        Account(**row) for row in conn.execute("SELECT id, email, created_at FROM accounts ORDER BY email")
    ]


def remove_account(conn: sqlite3.Connection, email: str) -> None:
    """Delete the account; its tokens and sessions go with it (ON DELETE CASCADE)."""
    if conn.execute("DELETE FROM accounts WHERE email = ?", (email.strip(),)).rowcount == 0:
        raise AccountError(f"there is no account for {email.strip()}")


# -- logging in ---------------------------------------------------------------------------


class Throttled(AccountError):
    """Too many failed logins from this address or for this account: wait `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        wait = f"{retry_after} seconds" if retry_after < 120 else f"{math.ceil(retry_after / 60)} minutes"
        super().__init__(f"too many failed attempts; try again in {wait}")
        self.retry_after = retry_after


def check_login(
    conn: sqlite3.Connection, email: str, password: str, address: str, now: float | None = None
) -> Account | None:
    """The account if the password is right; None if not. Raises Throttled, before any
    password hash is computed, while `address` must wait (see `login_throttle`)."""
    now = time.time() if now is None else now
    email = email.strip()
    wait = login_throttle.seconds_to_wait(conn, email, address, now)
    if wait > 0:
        raise Throttled(wait)
    row = conn.execute(
        "SELECT id, email, created_at, password_hash FROM accounts WHERE email = ?", (email,)
    ).fetchone()
    if row and check_password_hash(row["password_hash"], password):
        login_throttle.succeeded(conn, row["id"], email, address, now)
        return Account(row["id"], row["email"], row["created_at"])
    if row is None:
        check_password_hash(_DUMMY_HASH, password)  # same time whether or not the account exists
    login_throttle.failed(conn, email, address, now)
    return None


_DUMMY_HASH = generate_password_hash("not a real password")


# -- API tokens ---------------------------------------------------------------------------


_TOKEN_COLUMNS = "id, account_id, name, prefix, created_at, last_used_at, revoked_at"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(conn: sqlite3.Connection, account_id: int, name: str) -> tuple[Token, str]:
    """A new token for the account: the record, and the secret to show once."""
    name = name.strip()[:100] or "token"
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    cursor = conn.execute(
        "INSERT INTO tokens (account_id, name, token_hash, prefix) VALUES (?, ?, ?, ?)",
        (account_id, name, _token_hash(secret), secret[:8]),
    )
    return get_token(conn, cursor.lastrowid), secret


def get_token(conn: sqlite3.Connection, token_id: int) -> Token:
    row = conn.execute(
        f"SELECT {_TOKEN_COLUMNS} FROM tokens WHERE id = ?",
        (token_id,),
    ).fetchone()
    if row is None:
        raise AccountError(f"there is no token {token_id}")
    return Token(**row)


def list_tokens(conn: sqlite3.Connection) -> list[Token]:
    rows = conn.execute(f"SELECT {_TOKEN_COLUMNS} FROM tokens ORDER BY id DESC")
    return [Token(**row) for row in rows]


def revoke_token(conn: sqlite3.Connection, token_id: int) -> Token:
    conn.execute(
        "UPDATE tokens SET revoked_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
        "WHERE id = ? AND revoked_at IS NULL",
        (token_id,),
    )
    return get_token(conn, token_id)


def account_for_token(conn: sqlite3.Connection, secret: str) -> Account | None:
    """The account behind a live token, noting its use; None for unknown or revoked tokens."""
    row = conn.execute(
        "SELECT t.id AS token_id, a.id, a.email, a.created_at FROM tokens t "
        "JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = ? AND t.revoked_at IS NULL",
        (_token_hash(secret),),
    ).fetchone()
    if row is None:
        return None
    conn.execute(
        "UPDATE tokens SET last_used_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE id = ?",
        (row["token_id"],),
    )
    return Account(row["id"], row["email"], row["created_at"])


# -- audit log ----------------------------------------------------------------------------


def audit(conn: sqlite3.Connection, actor: str, action: str, target: str = "", detail: str = "") -> None:
    """Record who changed what: every staff write calls this."""
    conn.execute(
        "INSERT INTO audit_log (actor, action, target, detail) VALUES (?, ?, ?, ?)",
        (actor, action, target, detail[:2000]),
    )


def audit_entries(conn: sqlite3.Connection, limit: int = 200) -> list[sqlite3.Row]:
    return conn.execute(
        "SELECT at, actor, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?", (limit,)
    ).fetchall()


def app_secret(conn: sqlite3.Connection) -> str:
    """The random key that signs session cookies when no COOPSEARCH_SECRET_KEY is set."""
    conn.execute(
        "INSERT OR IGNORE INTO secrets (name, value) VALUES ('session', ?)", (secrets.token_hex(32),)
    )
    return conn.execute("SELECT value FROM secrets WHERE name = 'session'").fetchone()[0]
