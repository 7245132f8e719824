"""Helpers for the fault tests: generated libraries, `coopsearch` runs, a server we can signal,
and a small tmpfs (the steady query load is `loadkit`'s).

Everything here drives the real programs (`coopsearch index`, `coopsearch serve`) as
subprocesses; nothing of ours is replaced by a fake.
"""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import loadkit
from conftest import COOPSEARCH, start_server
from testdata import THEMES

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


def total(base: str, query: str = COMMON) -> int | None:
    """How many entries a search finds, or None when it does not answer 200."""
    reply = loadkit.fetch(base, f"/api/v1/search?q={query}&per_page=1")
    return reply.json()["total"] if reply.status == 200 else None


# -- a server we can signal -------------------------------------------------------------


def server(index_dir: Path, log: Path, workers: int = 2, **env: str):
    """`conftest.start_server`, ready as soon as it answers anything (a 503 too), with its
    process at hand to signal it and read its exit status."""
    return start_server(index_dir, log, workers, any_answer=True, **env)


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
