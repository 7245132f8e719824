"""Client threads for load tests against a real server: every request's outcome is kept.

A load test asks what every visitor saw, so nothing here raises: a request that fails at the
socket is a `Reply` with `error` set and no status, and the test counts those as failures.
The gunicorn processes of one `coopsearch serve` are found through /proc by the port they
were started with, so a test can `kill -9` them (never by name: other servers run beside).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

TIMEOUT = 15.0


@dataclass(frozen=True)
class Reply:
    """What one request got: a status, headers and body, or the error that stopped it."""

    method: str
    url: str
    status: int | None
    headers: dict[str, str]
    body: bytes
    error: str | None
    started: float
    ended: float

    @property
    def failed(self) -> bool:
        """A visitor would call this broken: no answer at all, or a server error."""
        return self.status is None or self.status >= 500

    def json(self) -> dict:
        return json.loads(self.body)


def fetch(
    base: str, path: str, method: str = "GET", body: object = None, headers: dict[str, str] | None = None
) -> Reply:
    """One request on a fresh connection (as separate visitors make them); never raises."""
    parts = urlsplit(base)
    data = None if body is None else json.dumps(body).encode()
    started = time.monotonic()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=data, headers=headers or {})
        response = conn.getresponse()
        content = response.read()
        found = {k.lower(): v for k, v in response.getheaders()}
        return Reply(method, base + path, response.status, found, content, None, started, time.monotonic())
    except (OSError, http.client.HTTPException) as exc:
        return Reply(method, base + path, None, {}, b"", repr(exc), started, time.monotonic())
    finally:
        conn.close()


@dataclass
class Load:
    """Threads that each call `step(thread, n)` until stopped; their replies, in order."""

    step: Callable[[int, int], Reply | None]
    threads: int
    limit: int | None = None  # steps per thread, None: until `stop`
    replies: list[Reply] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def _run(self, thread: int) -> None:
        n = 0
        try:
            while not self._stop.is_set() and (self.limit is None or n < self.limit):
                reply = self.step(thread, n)
                if reply is not None:
                    with self._lock:
                        self.replies.append(reply)
                n += 1
        except Exception as exc:  # a bug in the test's own step: report it, never lose it
            with self._lock:
                self.crashes.append(repr(exc))

    def start(self) -> Load:
        self._workers = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(self.threads)
        ]
        for worker in self._workers:
            worker.start()
        return self

    def stop(self, timeout: float = 30.0) -> list[Reply]:
        self._stop.set()
        return self.join(timeout)

    def join(self, timeout: float = 30.0) -> list[Reply]:
        deadline = time.monotonic() + timeout
        for worker in self._workers:
            worker.join(max(0.0, deadline - time.monotonic()))
        assert not any(w.is_alive() for w in self._workers), "client threads did not finish"
        assert not self.crashes, self.crashes
        with self._lock:
            return list(self.replies)

    def snapshot(self) -> list[Reply]:
        with self._lock:
            return list(self.replies)


@contextmanager
def running(step: Callable[[int, int], Reply | None], threads: int) -> Iterator[Load]:
    """A `Load` running for the duration of the block, stopped (and checked) at its end."""
    load = Load(step, threads).start()
    try:
        yield load
    finally:
        load.stop()


def failures(replies: list[Reply]) -> list[str]:
    """The replies a visitor would see as broken, described for an assertion message."""
    return [f"{r.method} {r.url}: {r.status or r.error} {r.body[:200]!r}" for r in replies if r.failed]


# -- the processes of one server -----------------------------------------------------------------


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _ppid(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def server_pids(base: str) -> tuple[int, list[int]]:
    """The gunicorn master and workers serving `base`: the processes started with its port."""
    port = str(urlsplit(base).port)
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            args = _cmdline(int(entry))
            if "serve" in args and "--port" in args and args[args.index("--port") + 1] == port:
                pids.append(int(entry))
    masters = [pid for pid in pids if _ppid(pid) not in pids]
    assert len(masters) == 1, f"expected one gunicorn master for {base}, found {masters} among {pids}"
    return masters[0], [pid for pid in pids if pid != masters[0]]


def kill_server(base: str) -> list[int]:
    """`kill -9` the master (first, so it cannot fork replacements) and every worker."""
    master, workers = server_pids(base)
    for pid in [master, *workers]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return [master, *workers]


def files_open(pid: int) -> set[str]:
    """Paths a process has open or mapped (/proc/PID/fd and /proc/PID/maps)."""
    paths = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in os.listdir(fd_dir):
        try:
            paths.add(os.readlink(fd_dir / fd))
        except OSError:
            pass
    for line in Path(f"/proc/{pid}/maps").read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and parts[5].startswith("/"):
            paths.add(parts[5])
    return paths
