"""`coopsearch serve` (webui/server.py) against clients a stranger would send: clients that
send their headers a byte at a time, connections that send nothing, and requests that say
they came through a proxy. Everything runs against a real gunicorn on 127.0.0.1."""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import loadkit
import pytest
from conftest import start_server

from webui.server import HEADER_SECONDS

SLOW_CLIENTS = 4
#: An ordinary request with the slow clients connected answers within this (it takes a few
#: milliseconds alone; before, it waited for gunicorn's 30 s worker timeout).
ORDINARY_BOUND = 2.0


class Dripper:
    """A client that sends the first bytes of a request, then one byte every half second,
    never finishing its headers; `closed` is set when the server hangs up on it."""

    HEAD = b"GET /api/v1/search?q=wind HTTP/1.1\r\nHost: test\r\nX-Slow: "

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.closed = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._drip, daemon=True)
        self.thread.start()

    def _drip(self) -> None:
        try:
            self.sock.sendall(self.HEAD)
            self.sock.settimeout(0.5)
            while not self.stop.is_set():
                try:
                    if self.sock.recv(1024) == b"":
                        break  # the server closed the connection
                except TimeoutError:
                    pass
                self.sock.sendall(b"x")
        except OSError:
            pass
        self.closed.set()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


@contextmanager
def slow_clients(port: int, count: int) -> Iterator[list[Dripper]]:
    """`count` clients sending headers slowly and `count` idle connections, all connected."""
    with ExitStack() as stack:
        drippers = [Dripper(port) for _ in range(count)]
        for dripper in drippers:
            stack.callback(dripper.close)
        for _ in range(count):
            stack.enter_context(socket.create_connection(("127.0.0.1", port)))
        time.sleep(1.0)  # the server has taken them all and the drippers have started
        yield drippers


def latencies(base: str, count: int = 5) -> list[float]:
    found = []
    for _ in range(count):
        reply = loadkit.fetch(base, "/api/v1/search?q=wind")
        assert reply.status == 200, (reply.status, reply.error)
        found.append(reply.ended - reply.started)
    return found


@pytest.fixture(scope="module")
def single_worker(library_index, tmp_path_factory):
    """One worker process, so that nothing but its threads can answer."""
    with start_server(library_index, tmp_path_factory.mktemp("slow") / "serve.log", workers=1) as served:
        yield served


def test_slow_and_idle_clients_never_delay_other_visitors(single_worker):
    """Four clients sending header bytes slowly and four idle connections on one worker:
    ordinary requests still answer at once, and the slow clients are cut off once their
    headers take longer than HEADER_SECONDS."""
    with slow_clients(single_worker.port, SLOW_CLIENTS) as drippers:
        took = latencies(single_worker.base)
        assert max(took) < ORDINARY_BOUND, took
        assert statistics.median(took) < ORDINARY_BOUND / 4, took
        assert all(d.closed.wait(HEADER_SECONDS + 3) for d in drippers), single_worker.text()[-2000:]
    assert "request headers not sent within" in single_worker.text()


# -- behind a reverse proxy ------------------------------------------------------------------

#: What a TLS-terminating proxy in front adds to a request.
FORWARDED = {
    "X-Forwarded-For": "203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "library.example",
}


def _login_cookie(base: str) -> str:
    reply = loadkit.fetch(base, "/staff/login", headers=FORWARDED)
    assert reply.status == 200, reply.status
    return reply.headers["set-cookie"]


def test_without_proxies_forwarded_headers_are_ignored(single_worker):
    """A client connecting directly (here from 127.0.0.1, which gunicorn trusted by default)
    cannot make the app believe it came over HTTPS or from another address."""
    assert "Secure" not in _login_cookie(single_worker.base)
    reply = loadkit.fetch(single_worker.base, "/opensearch.xml", headers=FORWARDED)
    assert b"https://" not in reply.body and b"library.example" not in reply.body


def test_serve_proxies_trusts_the_proxy_in_front(library_index, tmp_path):
    """`coopsearch serve --proxies 1`, as the README says to run behind one proxy: the
    scheme and host come from the proxy's X-Forwarded-* headers (so the session cookie is
    Secure behind a TLS-terminating proxy)."""
    with start_server(library_index, tmp_path / "serve.log", args=("--proxies", "1")) as served:
        assert "Secure" in _login_cookie(served.base)
        reply = loadkit.fetch(served.base, "/opensearch.xml", headers=FORWARDED)
        assert b'template="https://library.example/search?' in reply.body, reply.body
