"""Fetching over HTTP for `coopsearch sync`, politely and within limits.

One `Fetcher` serves one sync run. It asks one host at a time (requests are made one after
another, never in parallel) and waits `delay` seconds (or the site's robots.txt
`Crawl-delay`, if longer) between two requests to the same host. Every request names the
service in its User-Agent. A response larger than `max_bytes` is refused, and so is one that
takes longer than `timeout` seconds in all: a wall-clock deadline from the connect to the last
byte, kept on every receive (`indexer.bounded`), so a server that drips bytes is cut at
`timeout` whatever the size of the reads. Redirects are followed (at most five) only to the
same host: a redirect elsewhere is a `FetchError`, as are HTTP errors and network failures.

A host whose robots.txt asks for a `Crawl-delay` longer than `max_crawl_delay` is skipped for
the run (each of its URLs is a `FetchError` that says so): obeying a delay of a day would stop
the sync for a day. `budget()` gives each source `source_budget` seconds: once a request
(with the pause before it) would start after that, it is a `BudgetSpent` instead, so that one
slow source cannot hold up the sources after it. A request started in time may run over by at
most its `timeout`.

robots.txt follows RFC 9309: a missing one (any 4xx) allows everything; one that cannot be
fetched (5xx, network error) disallows the whole host for this run.
"""

from __future__ import annotations

import email.message
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import metadata
from urllib.parse import urljoin, urlsplit

from .bounded import BoundedHTTPHandler, BoundedHTTPSHandler

CHUNK = 64 * 1024
REDIRECTS = (301, 302, 303, 307, 308)


def _version() -> str:
    try:
        return metadata.version("coopsearch")
    except metadata.PackageNotFoundError:
        return "dev"


def user_agent(contact: str = "") -> str:
    """The User-Agent of the sync: the service's name and version, and where to reach its owners."""
    about = f"; +{contact}" if contact else ""
    return f"coopsearch-sync/{_version()} (library search indexer{about})"


@dataclass(frozen=True)
class FetchPolicy:
    """How politely and within which limits to fetch."""

    user_agent: str = field(default_factory=user_agent)
    timeout: float = 10.0
    delay: float = 1.0
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    robots: bool = True
    max_crawl_delay: float = 30.0
    source_budget: float = 600.0


class FetchError(Exception):
    """A URL that could not be fetched, and why."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class BudgetSpent(FetchError):
    """A request not made because the source's time budget is spent; the source stops there."""


@dataclass(frozen=True)
class Response:
    """A response read whole (200), or a 304 Not Modified (empty body)."""

    url: str
    status: int
    headers: email.message.Message
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type() if self.headers.get("content-type") else ""

    @property
    def charset(self) -> str | None:
        return self.headers.get_content_charset() if self.headers.get("content-type") else None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand every redirect back to the caller, which checks where it leads."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def same_host(a: str, b: str) -> bool:
    """Whether two URLs are on one host (scheme and default port aside)."""
    return _host(a) == _host(b)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _host(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    host = (parts.hostname or "").lower()
    return host if port in (None, default) else f"{host}:{port}"


class Fetcher:
    """GET with the policy's limits, delays and robots.txt; `clock` and `sleep` for tests."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._opener = urllib.request.build_opener(_NoRedirect, BoundedHTTPHandler, BoundedHTTPSHandler)
        self._clock = clock
        self._sleep = sleep
        self._last: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._budget_end: float | None = None
        self._budget = 0.0

    @contextmanager
    def budget(self, seconds: float | None = None) -> Iterator[None]:
        """Within the block, requests start only within `seconds` (default: `source_budget`)."""
        self._budget = self.policy.source_budget if seconds is None else seconds
        self._budget_end = self._clock() + self._budget
        try:
            yield
        finally:
            self._budget_end = None

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Response:
        """The body at `url` (after same-host redirects), or a 304 when the validators match."""
        if self.policy.robots:
            self._check_robots(url)
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._follow(url, headers, robots=self.policy.robots)

    def _check_robots(self, url: str) -> None:
        if not self.allowed(url):
            raise FetchError(url, "disallowed by the site's robots.txt")
        asked, cap = self._asked_delay(url), self.policy.max_crawl_delay
        if asked > cap:
            raise FetchError(
                url,
                f"the site's robots.txt asks for a Crawl-delay of {asked:g} s, over max_crawl_delay "
                f"({cap:g} s); the host is skipped for this run",
            )

    def allowed(self, url: str) -> bool:
        """Whether the host's robots.txt lets this service fetch `url`."""
        rules = self._rules(url)
        return rules.can_fetch(self.policy.user_agent, url)

    def _rules(self, url: str) -> urllib.robotparser.RobotFileParser:
        key = _origin(url)
        rules = self._robots.get(key)
        if rules is None:
            rules = self._robots[key] = self._read_robots(key + "/robots.txt")
        return rules

    def _read_robots(self, robots_url: str) -> urllib.robotparser.RobotFileParser:
        rules = urllib.robotparser.RobotFileParser(robots_url)
        try:
            response = self._follow(robots_url, {}, robots=False)
        except BudgetSpent:
            raise  # not the host's answer: ask again in the next source's budget
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                rules.allow_all = True
            else:
                rules.disallow_all = True
            rules.modified()
            return rules
        rules.parse(response.body.decode("utf-8", errors="replace").splitlines())
        return rules

    def crawl_delay(self, url: str) -> float:
        """Seconds between two requests to the host of `url`."""
        return max(self.policy.delay, min(self._asked_delay(url), self.policy.max_crawl_delay))

    def _asked_delay(self, url: str) -> float:
        """The Crawl-delay the host's robots.txt (if read) asks of this service; 0 if none."""
        rules = self._robots.get(_origin(url))
        asked = rules.crawl_delay(self.policy.user_agent) if rules is not None else None
        return float(asked) if asked else 0.0

    def _follow(self, url: str, headers: dict[str, str], robots: bool) -> Response:
        current = url
        for _ in range(self.policy.max_redirects + 1):
            target = self._once(current, headers)
            if isinstance(target, Response):
                return target
            if not same_host(url, target):
                raise FetchError(url, f"redirected to another host ({target}); not followed")
            if robots and not self.allowed(target):
                raise FetchError(url, f"redirected to {target}, which the site's robots.txt disallows")
            current = target
        raise FetchError(url, f"more than {self.policy.max_redirects} redirects")

    def _once(self, url: str, headers: dict[str, str]) -> Response | str:
        """One request: a Response, or the URL a redirect points to."""
        if urlsplit(url).scheme.lower() not in ("http", "https"):
            raise FetchError(url, "only http and https URLs can be fetched")
        self._wait_turn(url)
        request = urllib.request.Request(
            url,
            headers={"User-Agent": self.policy.user_agent, "Accept-Encoding": "identity", **headers},
        )
        try:
            with self._opener.open(request, timeout=self.policy.timeout) as raw:
                return Response(raw.geturl(), raw.status, raw.headers, self._read(url, raw))
        except urllib.error.HTTPError as exc:
            with exc:
                return self._http_error(url, exc)
        except TimeoutError:
            raise self._timed_out(url) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise self._timed_out(url) from None
            raise FetchError(url, f"cannot connect ({_reason(exc.reason)})") from None
        except (OSError, ValueError) as exc:
            raise FetchError(url, f"failed ({_reason(exc)})") from None
        finally:
            self._last[_host(url)] = self._clock()

    def _http_error(self, url: str, exc: urllib.error.HTTPError) -> Response | str:
        if exc.code in REDIRECTS and exc.headers.get("Location"):
            return urljoin(url, exc.headers["Location"])
        if exc.code == 304:
            return Response(url, 304, exc.headers, b"")
        raise FetchError(url, f"HTTP {exc.code} {exc.reason}", exc.code) from None

    def _timed_out(self, url: str) -> FetchError:
        return FetchError(url, f"timed out after {self.policy.timeout:g} s")

    def _read(self, url: str, raw) -> bytes:
        """The body, within the size cap (the connection keeps the deadline on every receive)."""
        cap = self.policy.max_bytes
        declared = raw.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchError(url, f"{int(declared)} bytes, over the size cap of {cap} bytes")
        chunks, size = [], 0
        while chunk := raw.read(CHUNK):
            size += len(chunk)
            if size > cap:
                raise FetchError(url, f"over the size cap of {cap} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    def _wait_turn(self, url: str) -> None:
        last = self._last.get(_host(url))
        pause = 0.0 if last is None else last + self.crawl_delay(url) - self._clock()
        if self._budget_end is not None and self._clock() + max(pause, 0.0) >= self._budget_end:
            raise BudgetSpent(url, f"the source's time budget (source_budget = {self._budget:g} s) is spent")
        if pause > 0:
            self._sleep(pause)


def _reason(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "timed out"
    return str(getattr(reason, "strerror", None) or reason)
