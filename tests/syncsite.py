"""A real HTTP server on 127.0.0.1 for the sync tests: a copy of tests/data/sources, served.

Files are served with "@BASE@" replaced by the server's address, with Last-Modified (the
file's mtime) and an ETag, and answer conditional requests with 304. Routes under /dyn/ fail
on purpose: /dyn/500, /dyn/slow (answers after SLOW_SECONDS), /dyn/away (a redirect to another
host), /dyn/moved (a redirect on the same host), /dyn/huge (a body larger than any test's size
cap, without Content-Length), /dyn/huge-declared (a Content-Length of 10 MB), /dyn/loop (a
redirect to itself), /dyn/to-private (a redirect to a page robots.txt disallows), and servers
that drip, one byte every DRIP_SECONDS for up to DRIP_FOR seconds: /dyn/drip (the body),
/dyn/drip-headers (a header line) and /dyn/drip-chunked (a chunked body). Set
`Site.robots_status` to make /robots.txt answer with that status. Every request is logged
(path, whether it was conditional, user agent), so tests can tell what the sync fetched.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from testdata import ROOT

DATA = ROOT / "tests" / "data" / "sources"
SLOW_SECONDS = 1.0
DRIP_SECONDS = 0.05
DRIP_FOR = 120.0
TYPES = {
    ".rss": "application/rss+xml",
    ".xml": "application/xml",
    ".html": "text/html",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".toml": "text/plain",
}


@dataclass
class Request:
    path: str
    conditional: bool
    user_agent: str


@dataclass
class Site:
    """The served copy: `root` (edit files there), `base` URL, `sources` file, `requests` log."""

    root: Path
    base: str = ""
    requests: list[Request] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    robots_status: int | None = None

    @property
    def sources(self) -> Path:
        return self.root / "sources.toml"

    def url(self, path: str) -> str:
        return self.base + path

    def fetched(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def edit(self, relative: str, old: str, new: str) -> None:
        """Replace text in a served file and move its mtime on (Last-Modified has 1 s steps)."""
        path = self.root / relative
        text = path.read_text(encoding="utf-8", errors="surrogateescape")  # some are not UTF-8
        assert old in text, (relative, old)
        path.write_text(text.replace(old, new), encoding="utf-8", errors="surrogateescape")
        touch(path)

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def touch(path: Path) -> None:
    stamp = time.time() + 10
    os.utime(path, (stamp, stamp))


def start_site(tmp: Path) -> Site:
    root = tmp / "site"
    shutil.copytree(DATA, root)
    site = Site(root)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.server = server
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    sources = site.sources.read_text(encoding="utf-8").replace("@BASE@", site.base)
    site.sources.write_text(sources, encoding="utf-8")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return site


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            conditional = bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since"))
            site.requests.append(Request(path, conditional, self.headers.get("User-Agent", "")))
            try:
                if path == "/robots.txt" and site.robots_status:
                    self.send_error(site.robots_status)
                elif path.startswith("/dyn/"):
                    self._dynamic(path)
                else:
                    self._static(path)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the sync gave up on this response, as it should

        def _static(self, path: str) -> None:
            file = (site.root / path.lstrip("/")).resolve()
            if not file.is_file() or site.root.resolve() not in file.parents:
                self.send_error(404)
                return
            body = file.read_bytes().replace(b"@BASE@", site.base.encode())
            mtime = int(file.stat().st_mtime)
            etag = '"' + hashlib.blake2b(body, digest_size=8).hexdigest() + '"'
            if self._not_modified(etag, mtime):
                self.send_response(304)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", TYPES.get(file.suffix, "application/octet-stream"))
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Last-Modified", email.utils.formatdate(mtime, usegmt=True))
            self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def _not_modified(self, etag: str, mtime: int) -> bool:
            if self.headers.get("If-None-Match"):
                return self.headers["If-None-Match"] == etag
            since = self.headers.get("If-Modified-Since")
            parsed = email.utils.parsedate_to_datetime(since) if since else None
            return parsed is not None and mtime <= parsed.timestamp()

        def _dynamic(self, path: str) -> None:
            if path == "/dyn/500":
                self.send_error(500, "Internal Server Error")
            elif path == "/dyn/slow":
                time.sleep(SLOW_SECONDS)
                self._html(b"<html><head><title>Too late</title></head><body><p>Slow.</p></body></html>")
            elif path == "/dyn/away":
                host = site.base.replace("127.0.0.1", "localhost")
                self._redirect(302, host + "/pages/food-hub.html")
            elif path == "/dyn/to-private":
                self._redirect(302, "/private/secret.html")
            elif path == "/dyn/loop":
                self._redirect(302, "/dyn/loop")
            elif path == "/dyn/moved":
                self._redirect(301, "/pages/moved-target.html")
            elif path == "/dyn/huge":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                for _ in range(100):
                    self.wfile.write(b"<p>" + b"co-op " * 1000 + b"</p>\n")
            elif path.startswith("/dyn/drip"):
                self._drip(path)
            elif path == "/dyn/huge-declared":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "10000000")
                self.end_headers()
                self.wfile.write(b"<html>")
            else:
                self.send_error(404)

        def _drip(self, path: str) -> None:
            """Never time out a socket read, never finish: one byte at a time."""
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            if path == "/dyn/drip-chunked":
                self.send_header("Transfer-Encoding", "chunked")
            if path == "/dyn/drip-headers":
                self.flush_headers()  # and never the blank line that ends them
            else:
                self.end_headers()
            start = {"/dyn/drip-headers": b"X-Drip: ", "/dyn/drip": b"<html><p>"}
            self.wfile.write(start.get(path, b""))
            byte = b"1\r\na\r\n" if path == "/dyn/drip-chunked" else b"a"  # a chunk of one byte
            stop = time.monotonic() + DRIP_FOR
            while time.monotonic() < stop:
                self.wfile.write(byte)
                self.wfile.flush()
                time.sleep(DRIP_SECONDS)

        def _html(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _redirect(self, code: int, location: str) -> None:
            self.send_response(code)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return Handler
