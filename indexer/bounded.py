"""HTTP connections that must finish one whole exchange within their timeout.

A socket timeout bounds each wait for the network, not a response: a server that sends one
byte a second never lets a read time out, and a buffered read of 64 KB (or a header line)
waits for all of it. So the connections here take `timeout` as a wall-clock deadline that
starts when the connection is made: the connect, the TLS handshake (the ssl module bounds it
as a whole by the socket's timeout), the request, the status line, the headers and every read
of the body are each given only the time left, and a read that would start after the
deadline raises `TimeoutError`. It holds whatever size the caller reads in, and without a
thread: the deadline is checked before every `recv` on the socket itself.

`urllib` reaches them through the two handlers, which replace its default HTTP and HTTPS
handlers in an opener (`urllib.request.build_opener(BoundedHTTPHandler, BoundedHTTPSHandler)`).
"""

from __future__ import annotations

import http.client
import io
import socket
import time
import urllib.request


class Deadline:
    """A point in time (`time.monotonic`, since sockets wait in real time) and what is left of it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left; `TimeoutError` once there are none."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no response within {self.seconds:g} s")
        return left


class _DeadlineSocket:
    """A connected socket whose every send, and every receive of what it reads, gets only the time left."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def sendall(self, data: bytes) -> None:
        self._sock.settimeout(self._deadline.left())
        self._sock.sendall(data)

    def makefile(self, mode: str = "rb", *args, **kwargs) -> io.BufferedReader:
        """What http.client reads a response from: buffered, over receives that each keep the deadline."""
        if mode != "rb":
            raise ValueError(f"a bounded socket is read as 'rb', not {mode!r}")
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def __getattr__(self, name: str):
        return getattr(self._sock, name)


class _DeadlineReader(io.RawIOBase):
    """The socket's own raw reader (which keeps the socket open while it is read), one
    receive at a time, each with the socket's timeout set to the time left."""

    def __init__(self, sock: socket.socket, deadline: Deadline) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int | None:
        self._sock.settimeout(self._deadline.left())
        return self._raw.readinto(buffer)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Bounded:
    """Mixin for http.client connections: `timeout` is the deadline of the whole exchange."""

    timeout: float
    sock: object

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = Deadline(self.timeout)
        self._create_connection = self._open_socket

    def _open_socket(self, address, timeout, source_address=None) -> socket.socket:
        sock = socket.create_connection(address, self.deadline.left(), source_address)
        sock.settimeout(self.deadline.left())  # what a TLS handshake, if any, may take
        return sock

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        self.sock = _DeadlineSocket(self.sock, self.deadline)  # type: ignore[arg-type]


class BoundedHTTPConnection(_Bounded, http.client.HTTPConnection):
    """An HTTP connection that must answer within its timeout, in all."""


class BoundedHTTPSConnection(_Bounded, http.client.HTTPSConnection):
    """An HTTPS connection (default certificate checks) that must answer within its timeout, in all."""


class BoundedHTTPHandler(urllib.request.HTTPHandler):
    """urllib's HTTP handler, on bounded connections (the request's timeout is their deadline)."""

    def http_open(self, req):
        return self.do_open(BoundedHTTPConnection, req)


class BoundedHTTPSHandler(urllib.request.HTTPSHandler):
    """urllib's HTTPS handler, on bounded connections with the default certificate checks."""

    def https_open(self, req):
        return self.do_open(BoundedHTTPSConnection, req)
