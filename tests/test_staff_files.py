"""The staff database holds the session key: it, its -wal and -shm files and its backups
are created readable by their owner only, and start-up warns when others can read them."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import STAFF_EMAIL, log_in

import webui
from webui.cli import main
from webui.db import open_db


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The common umask (022), under which files are world-readable unless created otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def with_companions(path: Path) -> list[Path]:
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def test_a_new_database_and_its_wal_and_shm_files_are_owner_only(runner, tmp_path):
    db = tmp_path / "staff.sqlite3"
    command = ["staff", "add", STAFF_EMAIL, "--db", str(db)]
    added = runner.invoke(main, command, input="a long enough secret\n")
    assert added.exit_code == 0, added.output
    conn = open_db(db)  # while a connection is open, the -wal and -shm files exist
    conn.execute("INSERT INTO audit_log (actor, action) VALUES ('test', 'write')")
    files = with_companions(db)
    assert all(f.exists() for f in files)
    assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    conn.close()


def test_the_app_creates_its_database_owner_only(staff_settings, tmp_path):
    fresh = tmp_path / "fresh" / "staff.sqlite3"
    settings = webui.Settings(index_dir=staff_settings.index_dir, db_file=fresh)
    app = webui.create_app(settings)
    assert app.test_client().get("/staff/login").status_code == 200
    assert mode(settings.staff_db) == 0o600


def test_a_backup_is_owner_only(runner, staff_app, staff_settings, tmp_path):
    assert log_in(staff_app.test_client()).status_code == 302  # a session in the database
    target = tmp_path / "backups" / "staff-copy.sqlite3"
    result = runner.invoke(main, ["backup", str(target), "--db", str(staff_settings.staff_db)])
    assert result.exit_code == 0, result.output
    assert mode(target) == 0o600
    for companion in with_companions(target)[1:]:
        assert not companion.exists() or mode(companion) == 0o600


def test_start_up_warns_when_others_can_read_the_database(staff_settings, caplog):
    staff_settings.staff_db.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        webui.create_app(staff_settings)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(str(staff_settings.staff_db) in w and "chmod 600" in w for w in warnings), warnings


def test_no_warning_for_an_owner_only_database(staff_settings, caplog):
    with caplog.at_level(logging.WARNING):
        webui.create_app(staff_settings)
    assert not [r for r in caplog.records if "can be read by other users" in r.getMessage()]
