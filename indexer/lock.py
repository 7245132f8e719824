"""One writer at a time per index folder, with a lock the kernel frees if the writer dies."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

#: Descriptors of the locks this process holds, closed in any process it forks.
_held: set[int] = set()


def _close_in_child() -> None:
    """A forked child (one of Whoosh's indexing processes) must not keep the lock: flock
    belongs to the open file, so a child holding a copy would keep the index locked after
    the writer itself is killed."""
    for fd in _held:
        os.close(fd)
    _held.clear()


os.register_at_fork(after_in_child=_close_in_child)


class IndexLocked(RuntimeError):
    """Another process is writing the index."""


class WriteLock:
    """An exclusive flock on INDEX/.lock; waits up to `wait` seconds, then fails clearly.

    flock is released by the kernel when its holder exits, even by kill -9, so a crashed run
    never leaves a stale lock behind (processes it forks close their copy at once).
    """

    def __init__(self, root: Path, wait: float = 0.0) -> None:
        self.path = Path(root) / ".lock"
        self.wait = wait
        self._fd: int | None = None

    def __enter__(self) -> WriteLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                    os.close(fd)
                    raise IndexLocked(
                        f"another process (pid {holder}) is writing the index at {self.path.parent}; "
                        "wait for it to finish, or pass --wait SECONDS to queue behind it"
                    ) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        _held.add(fd)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            _held.discard(self._fd)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
