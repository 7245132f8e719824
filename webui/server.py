"""Running the app under gunicorn, from `coopsearch serve`.

With `--sync-every`, the gunicorn master starts one `coopsearch sync --every …` process when
it is ready (before it forks the workers, so no worker ever syncs) and stops it when it exits;
that process also stops by itself if the master goes away without saying so.
"""

from __future__ import annotations

import subprocess
import time

from gunicorn.app.base import BaseApplication
from gunicorn.workers.sync import SyncWorker

from search import IndexUnavailable

from . import create_app
from .config import Settings
from .engine import BACKGROUND_REFRESH, get_engine

SYNC_STOP_SECONDS = 10
GRACEFUL_SECONDS = 20
#: How long a stopping worker keeps answering connections that were already waiting.
DRAIN_SECONDS = 10


class DrainingWorker(SyncWorker):
    """Gunicorn's sync worker that, told to stop (SIGTERM), first answers the connections
    already waiting to be accepted: gunicorn's own drops them, so clients that had sent a
    request saw it reset. The master has stopped listening by then, so the wait is bounded
    by what was queued (and by DRAIN_SECONDS under a flood)."""

    def run(self) -> None:
        super().run()
        deadline = time.monotonic() + DRAIN_SECONDS
        for listener in self.sockets:
            while time.monotonic() < deadline:
                try:
                    self.accept(listener)
                except OSError:  # nothing left waiting (EAGAIN), or the socket is gone
                    break


def open_index(worker) -> None:
    """Open the index as the worker starts, so that its first visitor does not wait for it
    (seconds at 100,000 entries). Without a usable index the worker starts anyway and
    answers 503 until there is one."""
    app = worker.wsgi
    with app.app_context():
        try:
            get_engine().snapshot()
        except IndexUnavailable as exc:
            worker.log.warning("index not opened yet: %s", exc)


class _Server(BaseApplication):
    def __init__(self, settings: Settings, sync_command: list[str] | None = None) -> None:
        self.settings = settings
        self.sync_command = sync_command
        self.sync_process: subprocess.Popen | None = None
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", f"{self.settings.host}:{self.settings.port}")
        self.cfg.set("workers", self.settings.workers)
        self.cfg.set("accesslog", "-")
        self.cfg.set("graceful_timeout", GRACEFUL_SECONDS)
        self.cfg.set("worker_class", DrainingWorker)
        self.cfg.set("post_worker_init", open_index)
        if self.sync_command:
            self.cfg.set("when_ready", self.start_sync)
            self.cfg.set("on_exit", self.stop_sync)

    def load(self):
        app = create_app(self.settings)
        # Served: a worker opens a new index version in a thread while it goes on answering
        # from the old one (in-process uses, tests among them, open it on the spot).
        app.config[BACKGROUND_REFRESH] = True
        return app

    def start_sync(self, arbiter) -> None:
        self.sync_process = subprocess.Popen(self.sync_command)
        arbiter.log.info("Syncing the sources in process %s", self.sync_process.pid)

    def stop_sync(self, arbiter) -> None:
        process = self.sync_process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(SYNC_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(settings: Settings, sync_command: list[str] | None = None) -> None:
    """Serve until interrupted; SIGTERM lets in-flight requests finish.

    `sync_command`: a command (`coopsearch sync --every …`) run beside the server, once.
    """
    _Server(settings, sync_command).run()
