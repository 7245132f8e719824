"""Fixtures: the test library indexed once per session, the engine, the app, and a real server.

Everything is real: the index is built on disk with the indexer's public API, the app is
`webui.create_app`, and `server` runs `coopsearch serve` (gunicorn) on a free local port.
Tests that change an index build their own in `tmp_path` (see `index_copy`).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from testdata import LIBRARY, SYNONYMS, THEMES

import indexer
import search
import webui

COOPSEARCH = Path(sys.executable).parent / "coopsearch"
#: Tests make hundreds of requests from 127.0.0.1: a limit they never reach, so the limiter
#: still runs on every request. Tests of the limit itself set a low one.
TEST_RATE_LIMIT = "100000/minute"


def build_index(index_dir: Path, sources: list[Path], **options) -> indexer.IndexReport:
    """Index `sources` into `index_dir` with the test themes, as `coopsearch index` would."""
    return indexer.index_sources(index_dir, sources, themes_file=THEMES, **options)


@pytest.fixture(scope="session")
def library_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test library, indexed once; read-only for every test that uses it."""
    index_dir = tmp_path_factory.mktemp("library") / "index"
    report = build_index(index_dir, [LIBRARY], rebuild=True)
    assert report.errors == [], report.errors
    assert report.added == 18
    return index_dir


@pytest.fixture(scope="session")
def engine(library_index: Path):
    engine = search.SearchEngine(library_index, SYNONYMS, refresh_seconds=60)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def settings(library_index: Path) -> webui.Settings:
    return webui.Settings(
        index_dir=library_index, synonyms_file=SYNONYMS, themes_file=THEMES, rate_limit=TEST_RATE_LIMIT
    )


@pytest.fixture(scope="session")
def app(settings: webui.Settings):
    return webui.create_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def library_copy(tmp_path: Path) -> Path:
    """A private copy of the test library that a test may edit."""
    copy = tmp_path / "library"
    shutil.copytree(LIBRARY, copy)
    return copy


@pytest.fixture
def index_copy(tmp_path: Path, library_copy: Path) -> Path:
    """A private index of `library_copy` that a test may update."""
    index_dir = tmp_path / "index"
    report = build_index(index_dir, [library_copy])
    assert report.added == 18 and report.errors == []
    return index_dir


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(
    proc: subprocess.Popen, url: str, log: Path, any_answer: bool, timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"coopsearch serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except urllib.error.HTTPError:
            if any_answer:
                return
            time.sleep(0.1)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"coopsearch serve did not answer within {timeout}s:\n{log.read_text()}")


@dataclass
class Served:
    """A running `coopsearch serve`: its process (to signal it), address and log."""

    proc: subprocess.Popen
    base: str
    port: int
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def start_server(
    index_dir: Path,
    log: Path,
    workers: int = 1,
    any_answer: bool = False,
    args: tuple[str, ...] = (),
    **env: str,
) -> Iterator[Served]:
    """`coopsearch serve` (gunicorn) of `index_dir` on a free port of 127.0.0.1, with the test
    themes and synonyms and a rate limit tests never reach unless `env` says otherwise, and
    `args` added to its command line;
    ready once a search answers 200 (or, with `any_answer`, once it answers at all, a 503
    included); stopped afterwards (SIGTERM, then SIGKILL after 30 s)."""
    port = _free_port()
    environ = {
        **os.environ,
        "COOPSEARCH_SYNONYMS": str(SYNONYMS),
        "COOPSEARCH_THEMES": str(THEMES),
        "COOPSEARCH_RATE_LIMIT": TEST_RATE_LIMIT,
        **env,
    }
    command = [str(COOPSEARCH), "serve", "--index", str(index_dir), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers), *args]
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environ)
    served = Served(proc, f"http://127.0.0.1:{port}", port, log)
    try:
        _wait_until_serving(proc, served.base + "/api/v1/search?per_page=1", log, any_answer)
        yield served
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextmanager
def serve(index_dir: Path, log: Path, workers: int = 1, **env: str) -> Iterator[str]:
    """`start_server`, yielding only its base URL."""
    with start_server(index_dir, log, workers, **env) as served:
        yield served.base


@pytest.fixture(scope="session")
def server(library_index: Path, tmp_path_factory: pytest.TempPathFactory):
    """`coopsearch serve` of the test library; yields its base URL."""
    with serve(library_index, tmp_path_factory.mktemp("server") / "serve.log") as base:
        yield base


# -- staff ----------------------------------------------------------------------------------

STAFF_EMAIL = "librarian@example.org"
STAFF_PASSWORD = "correct horse battery"


@pytest.fixture
def staff_settings(library_index: Path, tmp_path: Path) -> webui.Settings:
    """The test library with a fresh staff database holding one account."""
    from webui import accounts
    from webui.db import open_db

    settings = webui.Settings(
        index_dir=library_index,
        synonyms_file=SYNONYMS,
        themes_file=THEMES,
        db_file=tmp_path / "staff.sqlite3",
        rate_limit=TEST_RATE_LIMIT,
    )
    conn = open_db(settings.staff_db)
    accounts.add_account(conn, STAFF_EMAIL, STAFF_PASSWORD)
    conn.close()
    return settings


@pytest.fixture
def staff_app(staff_settings: webui.Settings):
    return webui.create_app(staff_settings)


@pytest.fixture
def anonymous(staff_app):
    """A visitor of the staff-enabled app who has not logged in."""
    return staff_app.test_client()


def csrf_token(client, path: str = "/staff/login") -> str:
    """The CSRF token of a form on `path`, as a browser would read it."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def log_in(client, email: str = STAFF_EMAIL, password: str = STAFF_PASSWORD):
    return client.post(
        "/staff/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client), "next": ""},
    )


@pytest.fixture
def staff(staff_app):
    """A test client logged in as the test librarian."""
    client = staff_app.test_client()
    response = log_in(client)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client
