"""Helpers for the fault tests: generated libraries, `coopsearch` runs, a server we can signal,
a steady query load, and a small tmpfs.

Everything here drives the real programs (`coopsearch index`, `coopsearch serve`) as
subprocesses; nothing of ours is replaced by a fake.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from conftest import COOPSEARCH, TEST_RATE_LIMIT
from testdata import SYNONYMS, THEMES

#: A word every generated entry has, so one query counts a whole library.
COMMON = "cooperative"
_WORDS = (
    "members housing energy solar wind bakery grocery clinic nurse tenant rent board vote "
    "dividend share worker owner federation credit union farm market school childcare"
).split()


def write_library(folder: Path, count: int, marker: str, seed: int = 1) -> Path:
    """`count` small entries in one JSON Lines file; each has COMMON and `marker` in its title."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "entries.jsonl", "w", encoding="utf-8") as out:
        for i in range(count):
            body = " ".join(f"{rng.choice(_WORDS)}{rng.randrange(500)}" for _ in range(60))
            entry = {
                "id": f"{marker}-{i}",
                "title": f"{COMMON} {marker} {' '.join(rng.sample(_WORDS, 3))}",
                "date": f"{2000 + i % 25}-01-01",
                "authors": [f"Author {i % 40}"],
                "type": "news",
                "summary": body[:120],
                "body": body,
            }
            out.write(json.dumps(entry) + "\n")
    return folder


def index_command(index_dir: Path, *sources: Path, rebuild: bool = False) -> list[str]:
    """`coopsearch index` of `sources` into `index_dir` with the test themes, building with
    two processes (the default on two cores and more) so that Whoosh's are always involved."""
    command = [str(COOPSEARCH), "index", *map(str, sources), "--index", str(index_dir)]
    command += ["--themes", str(THEMES), "--db", str(index_dir.parent / "staff.sqlite3"), "--procs", "2"]
    return command + (["--rebuild"] if rebuild else [])


def run_index(
    index_dir: Path, *sources: Path, rebuild: bool = False, timeout: float = 60
) -> subprocess.CompletedProcess:
    return subprocess.run(
        index_command(index_dir, *sources, rebuild=rebuild), capture_output=True, text=True, timeout=timeout
    )


def children_of(pid: int) -> set[int]:
    """Processes whose parent is `pid` (read from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting to be reaped does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def kill_all(pids: set[int]) -> None:
    """SIGKILL those of `pids` still running (only processes this test started)."""
    for pid in pids:
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def wait_for(condition, timeout: float, interval: float = 0.02) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


# -- HTTP -------------------------------------------------------------------------------


def get(url: str, timeout: float = 10) -> tuple[int, dict | str, dict]:
    """Status, body (JSON when it is JSON) and headers of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status, raw, headers = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        status, raw, headers = exc.code, exc.read(), dict(exc.headers)
    text = raw.decode("utf-8", errors="replace")
    if headers.get("Content-Type", "").startswith("application/json"):
        return status, json.loads(text), headers
    return status, text, headers


def total(base: str, query: str = COMMON) -> int | None:
    status, body, _ = get(f"{base}/api/v1/search?q={query}&per_page=1")
    return body["total"] if status == 200 else None


@dataclass
class Load:
    """A steady query load from a few client threads; records every outcome."""

    base: str
    threads: int = 3
    results: list[tuple[int | str, int | None]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Load:
        for _ in range(self.threads):
            worker = threading.Thread(target=self._run, daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(timeout=15)

    def _run(self) -> None:
        while not self._stop.is_set():
            url = f"{self.base}/api/v1/search?q={COMMON}&per_page=3"
            try:
                status, body, _ = get(url)
                outcome = (status, body.get("total") if isinstance(body, dict) else None)
            except (OSError, ValueError) as exc:  # refused, reset, timed out, not JSON
                outcome = (f"{type(exc).__name__}: {exc}", None)
            self.results.append(outcome)
            time.sleep(0.01)

    def failures(self) -> list:
        return [r for r in self.results if r[0] != 200]


# -- a server we can signal -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    proc: subprocess.Popen
    base: str
    port: int
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def server(index_dir: Path, log: Path, workers: int = 2, **env: str) -> Iterator[Server]:
    """`coopsearch serve` like `conftest.serve`, but ready as soon as it answers anything (a 503
    too) and with its process at hand, to signal it and read its exit status."""
    port = free_port()
    environ = {
        **os.environ,
        "COOPSEARCH_SYNONYMS": str(SYNONYMS),
        "COOPSEARCH_THEMES": str(THEMES),
        "COOPSEARCH_RATE_LIMIT": TEST_RATE_LIMIT,
        **env,
    }
    command = [str(COOPSEARCH), "serve", "--index", str(index_dir), "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", str(workers)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environ)
    running = Server(proc, f"http://127.0.0.1:{port}", port, log)
    try:
        if not wait_for(lambda: _answers(running), 30, 0.1):
            raise AssertionError(f"coopsearch serve did not answer:\n{running.text()}")
        yield running
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _answers(running: Server) -> bool:
    if running.proc.poll() is not None:
        raise AssertionError(f"coopsearch serve exited with {running.proc.returncode}:\n{running.text()}")
    try:
        get(running.base + "/api/v1/themes", timeout=2)
        return True
    except OSError:
        return False


# -- a small disk -----------------------------------------------------------------------


class MountRefused(Exception):
    """mount(2) was refused (EPERM): not root, or a container without CAP_SYS_ADMIN."""


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` (as mount's size=, e.g. 1m) mounted at `path`, unmounted afterwards."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        if "permission denied" in done.stderr.lower() or "must be superuser" in done.stderr.lower():
            raise MountRefused(done.stderr.strip() or os.strerror(errno.EPERM))
        raise RuntimeError(f"mount failed: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True, capture_output=True)


def free_bytes(path: Path) -> int:
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize
