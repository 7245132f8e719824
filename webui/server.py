"""Running the app under gunicorn, from `coopsearch serve`.

Each worker process answers with threads (`DrainingWorker`), so that slow or idle clients
cannot hold it, and drains its queue when it is told to stop. Proxies are trusted only
through COOPSEARCH_PROXIES (gunicorn's own forwarded-header handling is off).

With `--sync-every`, the gunicorn master starts one `coopsearch sync --every …` process when
it is ready (before it forks the workers, so no worker ever syncs) and stops it when it exits;
that process also stops by itself if the master goes away without saying so.
"""

from __future__ import annotations

import errno
import selectors
import socket
import subprocess
import threading
import time
from functools import partial

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import TConn, ThreadWorker

from search import IndexUnavailable

from . import create_app
from .config import Settings
from .engine import BACKGROUND_REFRESH, get_engine

SYNC_STOP_SECONDS = 10
GRACEFUL_SECONDS = 20
#: How long a stopping worker keeps answering connections that were already waiting.
DRAIN_SECONDS = 10
#: From a connection's first byte, how long a client has to send its request line and
#: headers; a slower one is disconnected, so a few slow clients cannot hold every thread.
HEADER_SECONDS = 10
#: How long a connection may stay idle (before its first byte, or between two requests on a
#: kept-alive connection); idle connections wait in the worker's poller, not in a thread.
IDLE_SECONDS = 5


class DrainingWorker(ThreadWorker):
    """Gunicorn's threaded worker, made robust against slow and idle clients, that drains
    its queue when told to stop.

    Gunicorn's sync worker gives each connection the whole process until it has sent its
    request, so two clients sending header bytes slowly held both workers and everyone else
    waited 30 s. Here a connection gets a thread only once it has sent something (idle ones
    wait in the poller and are closed after IDLE_SECONDS), and a thread reading headers is
    freed after HEADER_SECONDS whatever the client does: the main loop shuts down the
    socket of a connection past its deadline, which ends the blocked read.

    Told to stop (SIGTERM), it first accepts the connections already waiting (gunicorn's
    own drops them, so clients that had sent a request saw it reset), then answers every
    connection it holds within the graceful timeout. The master has stopped listening by
    then, so the wait is bounded by what was queued (and by DRAIN_SECONDS under a flood)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._header_deadlines: dict[TConn, float] = {}
        self._deadlines_lock = threading.Lock()

    def accept(self, listener) -> None:
        """Take a new connection and let it wait in the poller for its first bytes."""
        try:
            client, address = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, client, address, listener.getsockname())  # non-blocking
        conn.timeout = time.monotonic() + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))

    def handle(self, conn: TConn):
        """In a thread: read and answer one request, with a deadline for its headers."""
        with self._deadlines_lock:
            self._header_deadlines[conn] = time.monotonic() + HEADER_SECONDS
        try:
            return super().handle(conn)
        finally:
            self._headers_read(conn)

    def handle_request(self, req, conn: TConn):
        self._headers_read(conn)  # the application's time is not the client's
        return super().handle_request(req, conn)

    def _headers_read(self, conn: TConn) -> None:
        with self._deadlines_lock:
            self._header_deadlines.pop(conn, None)

    def murder_pending(self) -> None:
        """Every turn of the main loop: close idle connections past IDLE_SECONDS (gunicorn),
        and disconnect clients still sending headers after HEADER_SECONDS."""
        super().murder_pending()
        now = time.monotonic()
        with self._deadlines_lock:
            late = [conn for conn, deadline in self._header_deadlines.items() if deadline < now]
            for conn in late:
                del self._header_deadlines[conn]
        for conn in late:
            self.log.info("closing %s: request headers not sent within %d s", conn.client, HEADER_SECONDS)
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)  # the thread's blocked read returns at once
            except OSError:
                pass

    def set_accept_enabled(self, enabled: bool) -> None:
        if not enabled and not self.alive:
            self._drain()
        super().set_accept_enabled(enabled)

    def _drain(self) -> None:
        """Accept what is already waiting on the listeners, once, as the worker stops."""
        deadline = time.monotonic() + DRAIN_SECONDS
        for listener in self.sockets if self._accepting else ():
            while time.monotonic() < deadline:
                before = self.nr_conns
                try:
                    self.accept(listener)
                except OSError:  # the socket is gone
                    break
                if self.nr_conns == before:  # nothing left waiting
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
        self.cfg.set("threads", self.settings.threads)
        self.cfg.set("keepalive", IDLE_SECONDS)
        self.cfg.set("accesslog", "-")
        self.cfg.set("graceful_timeout", GRACEFUL_SECONDS)
        self.cfg.set("worker_class", DrainingWorker)
        self.cfg.set("post_worker_init", open_index)
        # One way to trust a proxy: COOPSEARCH_PROXIES (Werkzeug's ProxyFix, in limits.py),
        # which also gives rate limits the client's address. gunicorn's own took
        # X-Forwarded-Proto (and SCRIPT_NAME, PATH_INFO headers) from any local client.
        self.cfg.set("forwarded_allow_ips", "")
        self.cfg.set("secure_scheme_headers", {})
        self.cfg.set("forwarder_headers", "")
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
