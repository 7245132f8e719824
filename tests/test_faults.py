"""Faults: an indexer killed halfway, a full disk, a server told to stop, a broken index.

Every test runs the real programs: `coopsearch index` and `coopsearch serve` (gunicorn) as
subprocesses, real signals, a real tmpfs for the full disk. What each proves is in its
docstring.
"""

from __future__ import annotations

import gc
import shutil
import signal
import socket
import subprocess
import time
import warnings
from contextlib import ExitStack
from pathlib import Path

import faultkit as fk
import loadkit
import pytest
from conftest import TEST_RATE_LIMIT, build_index, serve
from testdata import LIBRARY, SYNONYMS, THEMES
from whoosh import fields
from whoosh import index as windex

import search
import webui

FIRST, SECOND = 300, 1500  # entries of the library before and after the rebuild


def _corrupt_truncate(gen: Path) -> None:
    seg = next(gen.glob("*.seg"))
    seg.write_bytes(seg.read_bytes()[: seg.stat().st_size // 2])


def _not_our_index(gen: Path) -> None:
    """A readable Whoosh index of another schema in place of the generation's (a bad copy)."""
    for path in gen.iterdir():
        if path.name != "coopsearch.json":
            path.unlink()
    ix = windex.create_in(str(gen), fields.Schema(id=fields.ID(stored=True)))
    writer = ix.writer()
    writer.add_document(id="stray")
    writer.commit()
    ix.close()


def _generation_files(index_dir: Path) -> dict[str, int]:
    files = {str(p.relative_to(index_dir)): p.stat().st_size for p in index_dir.rglob("*") if p.is_file()}
    files.pop(".lock", None)  # holds the last writer's pid
    return files


# -- 1. kill -9 of the indexer during a rebuild, under load ----------------------------------


def test_indexer_killed_mid_rebuild_loses_no_query_and_the_next_run_recovers(tmp_path):
    """A rebuild killed with SIGKILL while a 2-worker server answers a steady load: no query
    fails and all see the previous version; the killed run's processes do not outlive it
    (Whoosh's indexing processes once kept the lock, so the next run could never start); the
    next run removes the half-built generation, publishes the new version, and the server
    picks it up without a restart."""
    old = fk.write_library(tmp_path / "v1", FIRST, "zebra")
    new = fk.write_library(tmp_path / "v2", SECOND, "quokka", seed=2)
    index_dir = tmp_path / "index"
    build_index(index_dir, [old], rebuild=True)

    with serve(index_dir, tmp_path / "serve.log", workers=2, COOPSEARCH_REFRESH_SECONDS="0.2") as base:
        with loadkit.running(_searching(base), threads=3) as load:
            indexer = subprocess.Popen(
                fk.index_command(index_dir, new, rebuild=True),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            # The middle of the rebuild: its generation folder exists and its indexing
            # processes have started writing into it.
            assert fk.wait_for(lambda: _building_busy(index_dir, indexer.pid), 30), "rebuild never got going"
            helpers = fk.children_of(indexer.pid)
            indexer.kill()
            indexer.wait(timeout=10)
            assert helpers, "expected Whoosh's indexing processes to be running"
            try:
                assert fk.wait_for(lambda: not any(fk.alive(p) for p in helpers), 10), (
                    "indexing processes outlived the killed indexer"
                )
            finally:
                fk.kill_all(helpers)  # a failed run must not leave them behind
            time.sleep(0.5)  # the load keeps going on the old version
            assert sorted(p.name for p in index_dir.glob("gen-*")) == ["gen-000001", "gen-000002.building"]
            assert fk.total(base) == FIRST
            while_killed = _outcomes(load.snapshot())

            again = fk.run_index(index_dir, new, rebuild=True)  # no --wait: the lock must be free
            assert again.returncode == 0, again.stderr
            assert "Traceback" not in again.stderr
            assert not list(index_dir.glob("*.building"))
            assert fk.wait_for(lambda: fk.total(base) == SECOND, 15, 0.1), "the server kept the old version"
            time.sleep(0.3)

    assert while_killed, "the load made no requests"
    assert set(while_killed) == {(200, FIRST)}
    outcomes = _outcomes(load.snapshot())
    assert [o for o in outcomes if o[0] != 200] == []
    assert {t for _, t in outcomes} <= {FIRST, SECOND}
    engine = search.SearchEngine(index_dir)
    assert engine.stats()["entries"] == SECOND
    engine.close()


def _searching(base: str):
    """A client thread's step: one search for the word every generated entry has."""

    def step(thread: int, n: int) -> loadkit.Reply:
        time.sleep(0.01)
        return loadkit.fetch(base, f"/api/v1/search?q={fk.COMMON}&per_page=3")

    return step


def _outcomes(replies: list[loadkit.Reply]) -> list[tuple[int | str, int | None]]:
    """(status, total) of each reply; an error that got no answer stands for the status."""
    return [(r.status or r.error, r.json()["total"] if r.status == 200 else None) for r in replies]


def _building_busy(index_dir: Path, pid: int) -> bool:
    building = list(index_dir.glob("gen-*.building"))
    return bool(building) and len(list(building[0].iterdir())) > 1 and bool(fk.children_of(pid))


# -- 2. a full disk ---------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs: the test library's index fits (about 110 kB), one of 5,000 generated
    entries (about 18 MB) does not, and Whoosh's indexing processes run out of space while
    the indexer is still feeding them (where a build used to hang)."""
    try:
        with fk.tmpfs(tmp_path / "disk", "2m") as mount:
            yield mount
    except fk.MountRefused as exc:
        pytest.skip(f"cannot mount a tmpfs to fill up (mount refused: {exc}); run as root")


def _assert_disk_full_message(done: subprocess.CompletedProcess) -> None:
    assert done.returncode != 0
    message = done.stderr.strip()
    assert "Traceback" not in message and "\n" not in message, message
    assert message.startswith("error: the disk holding ") and " is full " in message, message
    assert "still is" in message and "Free some space" in message, message


@pytest.mark.parametrize("rebuild", [True, False], ids=["rebuild", "incremental"])
def test_full_disk_leaves_the_index_served_and_gives_the_space_back(tmp_path, small_disk, rebuild):
    """Indexing a library too big for the disk fails with one clear paragraph (no traceback)
    whether it rebuilds or updates in place; the previous index stays intact and searchable,
    and what the failed run wrote is removed so the space comes back."""
    index_dir = small_disk / "index"
    first = fk.run_index(index_dir, LIBRARY, rebuild=True)
    assert first.returncode == 0, first.stderr
    before_files = _generation_files(index_dir)
    before_free = fk.free_bytes(small_disk)
    big = fk.write_library(tmp_path / "big", 5000, "quokka")

    done = fk.run_index(index_dir, big, rebuild=rebuild, timeout=40)  # it used to hang

    _assert_disk_full_message(done)
    assert _generation_files(index_dir) == before_files
    assert fk.free_bytes(small_disk) >= before_free - 8192
    engine = search.SearchEngine(index_dir, SYNONYMS)
    try:
        assert engine.stats()["entries"] == 18
        assert engine.search(search.SearchRequest(query='"wind"')).total == 2
    finally:
        engine.close()


# -- 3. SIGTERM drains ---------------------------------------------------------------------------

#: Quoted: unquoted, "wind" also names the energy theme (issue 13) and finds 4 entries.
WIND = "%22wind%22"
REQUEST = b"GET /api/v1/search?q=%22wind%22 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"


def _response(sock: socket.socket) -> bytes:
    """The whole response; the socket is closed once read, as a client would (gunicorn waits
    up to 2 s for the client to close before it takes the next connection)."""
    sock.settimeout(25)
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    sock.close()
    return b"".join(chunks)


def test_sigterm_finishes_every_request_already_sent_then_exits_cleanly(tmp_path):
    """SIGTERM to the gunicorn master while requests are in flight: two slow clients hold
    both workers mid-request and four more requests wait to be accepted. Every one of them
    gets its 200, the server exits with status 0 within the graceful timeout, and new
    connections are refused afterwards."""
    with (
        fk.server(LIBRARY_INDEX(tmp_path), tmp_path / "serve.log", workers=2) as running,
        ExitStack() as opened,
    ):
        connect = lambda: opened.enter_context(socket.create_connection(("127.0.0.1", running.port)))  # noqa: E731
        slow = [connect() for _ in range(2)]
        for sock in slow:
            sock.sendall(REQUEST)  # all but the blank line that ends the request
        time.sleep(0.5)  # both workers have accepted one and wait for the rest of it
        waiting = [connect() for _ in range(4)]
        for sock in waiting:
            sock.sendall(REQUEST + b"\r\n")
        time.sleep(0.2)

        running.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        for sock in slow:
            sock.sendall(b"\r\n")
        answers = [_response(sock) for sock in slow + waiting]

        statuses = [a.split(b"\r\n", 1)[0] for a in answers]
        assert statuses == [b"HTTP/1.1 200 OK"] * 6, (statuses, running.text()[-3000:])
        assert all(b'"total":2' in a for a in answers)
        assert running.proc.wait(timeout=25) == 0, running.text()[-3000:]
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", running.port), timeout=2).close()


def LIBRARY_INDEX(tmp_path: Path) -> Path:  # noqa: N802
    index_dir = tmp_path / "index"
    build_index(index_dir, [LIBRARY], rebuild=True)
    return index_dir


# -- 4. a missing or broken index ------------------------------------------------------------

PAGES = ["/", "/search?q=wind", "/entries/esop-buyout"]
API = ["/api/v1/search?q=wind", "/api/v1/entries/esop-buyout", "/api/v1/themes", "/api/v1/suggest?q=win"]


def _assert_unavailable(base: str) -> None:
    for path in API:
        reply = loadkit.fetch(base, path)
        assert reply.status == 503, (path, reply.status, reply.body)
        body = reply.json()
        assert body["error"]["code"] == "index_unavailable", body
        assert "not available" in body["error"]["message"]
        assert reply.headers.get("retry-after")
    for path in PAGES:
        reply = loadkit.fetch(base, path)
        assert reply.status == 503, (path, reply.status)
        assert reply.headers["content-type"].startswith("text/html")
        assert "index is not available" in reply.body.decode()


def _boots(log: str) -> int:
    return log.count("Booting worker")


def test_missing_index_folder_answers_503_and_serves_once_built(tmp_path):
    """`coopsearch serve --index` of a folder that does not exist: every search page and API
    answers 503 with a clear message, the log says what to run, the workers stay up (no
    crash loop), and once an index is built there it is served without a restart."""
    index_dir = tmp_path / "nowhere" / "index"
    with fk.server(index_dir, tmp_path / "serve.log", workers=2, COOPSEARCH_REFRESH_SECONDS="0.2") as running:
        for _ in range(3):
            _assert_unavailable(running.base)
        time.sleep(1)
        log = running.text()
        assert _boots(log) == 2, log
        assert f"no index at {index_dir}: run `coopsearch index SOURCE...`" in log
        assert "Traceback" not in log

        build_index(index_dir, [LIBRARY], rebuild=True)
        assert fk.wait_for(lambda: fk.total(running.base, WIND) == 2, 10, 0.1)
        for path in PAGES + API:
            assert loadkit.fetch(running.base, path).status == 200, path
        assert _boots(running.text()) == 2


CORRUPTIONS = {
    "segment truncated": lambda ix, gen: _corrupt_truncate(gen),
    "segment missing": lambda ix, gen: next(gen.glob("*.seg")).unlink(),
    "table of contents missing": lambda ix, gen: next(gen.glob("*.toc")).unlink(),
    "CURRENT names a missing generation": lambda ix, gen: (ix / "CURRENT").write_text("gen-000009\n"),
    "CURRENT is not text": lambda ix, gen: (ix / "CURRENT").write_bytes(b"\xff\xfe\x00garbage"),
    "metadata unreadable": lambda ix, gen: (gen / "coopsearch.json").write_text("{not json"),
}


def _collect_leaked_files(caplog: pytest.LogCaptureFixture) -> None:
    """Whoosh leaves files open when it fails to open a damaged index; the garbage collector
    closes them, with a ResourceWarning that would land on whichever test runs next. The
    captured log records hold the exceptions (and so the files) in their arguments."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        for record in caplog.records:
            record.msg, record.args = record.getMessage(), ()
        gc.collect()


@pytest.mark.parametrize("damage", CORRUPTIONS, ids=list(CORRUPTIONS))
def test_damaged_index_answers_503_with_a_message_for_staff(tmp_path, damage, caplog):
    """Each kind of damage makes every search page and API answer 503 (JSON for the API, an
    HTML page for the rest) and logs what is wrong, in the app's own log."""
    index_dir = LIBRARY_INDEX(tmp_path)
    CORRUPTIONS[damage](index_dir, index_dir / "gen-000001")
    app = webui.create_app(
        webui.Settings(
            index_dir=index_dir, synonyms_file=SYNONYMS, themes_file=THEMES, rate_limit=TEST_RATE_LIMIT
        )
    )
    client = app.test_client()
    try:
        for path in API:
            response = client.get(path)
            assert response.status_code == 503, (path, response.get_data(as_text=True)[:300])
            assert response.get_json()["error"]["code"] == "index_unavailable"
        for path in PAGES:
            response = client.get(path)
            assert response.status_code == 503, path
            assert "index is not available" in response.get_data(as_text=True)
        logged = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
        assert logged and all(m.startswith("index unavailable: ") for m in logged), logged
        assert str(index_dir) in logged[0]
    finally:
        _collect_leaked_files(caplog)


@pytest.mark.parametrize("damage", ["segment truncated", "CURRENT names a missing generation"])
def test_damaged_index_keeps_the_server_up_and_is_served_once_rebuilt(tmp_path, damage):
    """A server started on a damaged index answers 503, keeps its worker (no crash loop), and
    serves the index rebuilt in place without a restart."""
    index_dir = LIBRARY_INDEX(tmp_path)
    CORRUPTIONS[damage](index_dir, index_dir / "gen-000001")
    with fk.server(index_dir, tmp_path / "serve.log", workers=1, COOPSEARCH_REFRESH_SECONDS="0.2") as running:
        _assert_unavailable(running.base)
        assert "index unavailable: " in running.text()

        rebuilt = fk.run_index(index_dir, LIBRARY, rebuild=True)
        assert rebuilt.returncode == 0, rebuilt.stderr
        assert fk.wait_for(lambda: fk.total(running.base, WIND) == 2, 10, 0.1)
        assert _boots(running.text()) == 1


@pytest.mark.parametrize(
    "damage",
    [
        _corrupt_truncate,
        _not_our_index,
    ],
    ids=["truncated", "not our schema"],
)
def test_engine_keeps_the_previous_version_when_the_new_one_is_damaged(index_copy, damage, caplog):
    """A new generation that cannot be read (published by a broken disk, a bad copy) does not
    take searches down: the engine keeps the version it has, then takes the next good one."""
    engine = search.SearchEngine(index_copy, SYNONYMS, refresh_seconds=0)
    try:
        assert engine.search(search.SearchRequest(query='"wind"')).total == 2
        current = search.store.current_generation(index_copy)
        broken = index_copy / "gen-000002"
        shutil.copytree(current, broken)
        damage(broken)
        search.store.point_current(index_copy, broken)

        assert engine.search(search.SearchRequest(query='"wind"')).total == 2
        assert engine.stats()["generation"] == current.name

        build_index(index_copy, [LIBRARY], rebuild=True)
        assert engine.search(search.SearchRequest(query='"wind"')).total == 2
        assert engine.stats()["generation"] == "gen-000003"
    finally:
        engine.close()
        _collect_leaked_files(caplog)
