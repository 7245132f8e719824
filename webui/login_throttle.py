"""Growing delays after failed logins, per client address and per account.

A hard lock after N failures lets anyone lock a librarian out by typing wrong passwords for
her email. Instead, failures within WINDOW_SECONDS are counted twice:

- per client address (whatever emails it tried): after FREE_FAILURES, each further attempt
  from that address must wait BASE_DELAY * 2**(failures - FREE_FAILURES) seconds after its
  last failure, at most MAX_DELAY. This is what stops one client guessing, and what keeps
  it from spending the server's CPU: a throttled attempt is refused before the password
  hash is computed.
- per account (from every address): the same growing delay, but it applies only to
  addresses that have never logged in to that account. Guessing one account from many
  addresses is slowed, while the staff member at a desk she has used before is not.

The right password from an address that is not the one failing therefore always gets in.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass

#: Failures (in the window) before delays start.
FREE_FAILURES = 5
#: The first delay, doubled with every further failure, up to MAX_DELAY (all in seconds).
BASE_DELAY = 1.0
MAX_DELAY = 15 * 60
#: Failures older than this are forgotten (longer than MAX_DELAY, so delays reach it).
WINDOW_SECONDS = 24 * 3600
#: Addresses an account logged in from are remembered this long.
KNOWN_SECONDS = 180 * 86400


@dataclass(frozen=True)
class Failures:
    """Failed logins counted for one rule: how many, and when the last was."""

    count: int
    last: float | None

    def wait(self, now: float) -> float:
        """Seconds still to wait before another attempt (0: none)."""
        if self.count < FREE_FAILURES or self.last is None:
            return 0.0
        delay = min(MAX_DELAY, BASE_DELAY * 2 ** (self.count - FREE_FAILURES))
        return max(0.0, self.last + delay - now)


def _count(conn: sqlite3.Connection, column: str, value: str, since: float) -> Failures:
    count, last = conn.execute(
        f"SELECT COUNT(*), MAX(at) FROM login_failures WHERE {column} = ? AND at >= ?", (value, since)
    ).fetchone()
    return Failures(count, last)


def _known(conn: sqlite3.Connection, email: str, address: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM known_addresses k JOIN accounts a ON a.id = k.account_id "
        "WHERE a.email = ? AND k.address = ?",
        (email, address),
    ).fetchone()
    return row is not None


def seconds_to_wait(conn: sqlite3.Connection, email: str, address: str, now: float) -> int:
    """Whole seconds this address must wait before trying `email` (0: it may try now)."""
    since = now - WINDOW_SECONDS
    conn.execute("DELETE FROM login_failures WHERE at < ?", (since,))
    wait = _count(conn, "address", address, since).wait(now)
    if not _known(conn, email, address):
        wait = max(wait, _count(conn, "email", email, since).wait(now))
    return math.ceil(wait)


def failed(conn: sqlite3.Connection, email: str, address: str, now: float) -> None:
    conn.execute("INSERT INTO login_failures (email, address, at) VALUES (?, ?, ?)", (email, address, now))


def succeeded(conn: sqlite3.Connection, account_id: int, email: str, address: str, now: float) -> None:
    """Forget this address's failures for the account, and remember it as the account's."""
    conn.execute("DELETE FROM login_failures WHERE email = ? AND address = ?", (email, address))
    conn.execute(
        "INSERT INTO known_addresses (account_id, address, last_login) VALUES (?, ?, ?) "
        "ON CONFLICT (account_id, address) DO UPDATE SET last_login = excluded.last_login",
        (account_id, address, now),
    )
    conn.execute("DELETE FROM known_addresses WHERE last_login < ?", (now - KNOWN_SECONDS,))
