"""Whoosh's multi-process writer, made safe to fail.

Whoosh's `MpWriter` forks indexing processes that take job files off a bounded queue. Left
as it is, a failure hangs or hides: a process that hits a full disk dies with a traceback
while the writer waits forever to queue the next job, and killing the writer leaves its
processes orphaned. Here each process dies with the writer (Linux's parent-death signal),
reports a full disk by its exit status instead of a traceback, and the writer raises as soon
as one of its processes has failed instead of waiting on it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import queue
import signal
from multiprocessing import get_context
from multiprocessing.queues import Queue

from whoosh.multiproc import MpWriter, SubWriterTask

#: Exit status of an indexing process that ran out of disk space.
DISK_FULL_EXIT = 28
_PR_SET_PDEATHSIG = 1
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when `parent` dies (Linux; elsewhere a no-op)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the writer died before prctl took effect
        os._exit(1)


class _Task(SubWriterTask):
    def start(self) -> None:
        self._parent = os.getpid()
        super().start()

    def run(self) -> None:
        _die_with_parent(self._parent)
        try:
            super().run()
        except OSError as exc:
            if exc.errno not in _DISK_FULL:
                raise
            os._exit(DISK_FULL_EXIT)  # the writer says so once, without a traceback per process


class _Jobs(Queue):
    """The job queue; `put` gives up as soon as an indexing process has failed."""

    def __init__(self, maxsize: int, tasks: list[_Task]) -> None:
        super().__init__(maxsize, ctx=get_context())
        self._tasks = tasks

    def put(self, obj, block: bool = True, timeout: float | None = None) -> None:
        while True:
            _raise_if_failed(self._tasks)
            try:
                return super().put(obj, True, 0.2)
            except queue.Full:
                continue


def _raise_if_failed(tasks: list[_Task]) -> None:
    for task in tasks:
        code = task.exitcode
        if code == DISK_FULL_EXIT:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        if code not in (None, 0):
            raise RuntimeError(f"an indexing process stopped with exit status {code}")


class SafeMpWriter(MpWriter):
    """`MpWriter` whose processes die with it and whose failures raise in the writer."""

    def __init__(self, ix, procs: int, **kwargs) -> None:
        super().__init__(ix, procs=procs, **kwargs)
        self.jobqueue = _Jobs(procs * 4, self.tasks)

    def _new_task(self) -> _Task:  # Whoosh 2.7's hook for starting one process
        task = _Task(
            self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, self.multisegment
        )
        self.tasks.append(task)
        task.start()
        return task

    def commit(self, *args, **kwargs) -> None:
        super().commit(*args, **kwargs)
        # A process that failed after taking its last job leaves no segment behind; Whoosh
        # would publish the index without its documents.
        _raise_if_failed(self.tasks)

    def cancel(self) -> None:
        """Stop the processes, then let Whoosh tidy up what it can."""
        for task in self.tasks:
            if task.is_alive():
                task.kill()
            task.join()
        super().cancel()
