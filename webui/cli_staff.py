"""`coopsearch staff add|list|remove` and `coopsearch backup`: the staff database from a shell."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import click

from . import accounts
from .config import Settings, SettingsError
from .db import DatabaseError, create_private, open_db

db_option = click.option(
    "--db",
    "db_file",
    type=click.Path(path_type=Path),
    help="Staff database [env COOPSEARCH_DB; default staff.sqlite3 beside the index].",
)


def _db(db_file: Path | None) -> sqlite3.Connection:
    try:
        settings = Settings.from_env(db_file=db_file)
        return open_db(settings.staff_db)
    except (SettingsError, DatabaseError) as exc:
        raise click.ClickException(str(exc)) from exc


def _read_password() -> str:
    """Prompted twice on a terminal; the first line of standard input otherwise (for scripts)."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@click.group()
def staff() -> None:
    """Staff accounts: add, list, password, remove."""


@staff.command("add")
@click.argument("email")
@db_option
def staff_add(email: str, db_file: Path | None) -> None:
    """Create an account; the password is asked for, or read from standard input."""
    conn = _db(db_file)
    try:
        account = accounts.add_account(conn, email, _read_password())
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    accounts.audit(conn, "command line", "account.add", account.email)
    click.echo(f"added {account.email}")


@staff.command("list")
@db_option
def staff_list(db_file: Path | None) -> None:
    """The accounts, one per line: email and creation time."""
    for account in accounts.list_accounts(_db(db_file)):
        click.echo(f"{account.email}\t{account.created_at}")


@staff.command("password")
@click.argument("email")
@db_option
def staff_password(email: str, db_file: Path | None) -> None:
    """Set a new password (asked for, or read from standard input); ends the account's sessions."""
    conn = _db(db_file)
    try:
        account = accounts.set_password(conn, email, _read_password())
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    accounts.audit(conn, "command line", "account.password", account.email)
    click.echo(f"new password for {account.email}; its sessions are ended")


@staff.command("remove")
@click.argument("email")
@db_option
def staff_remove(email: str, db_file: Path | None) -> None:
    """Delete an account, its API tokens and its sessions."""
    conn = _db(db_file)
    try:
        accounts.remove_account(conn, email)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    accounts.audit(conn, "command line", "account.remove", email.strip())
    click.echo(f"removed {email.strip()}")


@click.command()
@click.argument("path", type=click.Path(path_type=Path))
@db_option
def backup(path: Path, db_file: Path | None) -> None:
    """Write a consistent copy of the staff database to PATH, while the service runs."""
    if path.exists():
        raise click.ClickException(f"{path} exists; choose a new file name")
    conn = _db(db_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    create_private(path)  # it holds the session key too: owner only
    target = sqlite3.connect(path)
    try:
        conn.backup(target)  # SQLite's online backup: a snapshot even while others write
    finally:
        target.close()
    check = sqlite3.connect(path)
    try:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        check.close()
    if result != "ok":
        raise click.ClickException(f"the copy at {path} failed its integrity check: {result}")
    click.echo(f"backed up to {path}")
