"""Fetching over HTTP for `coopsearch sync`, politely and within limits.

One `Fetcher` serves one sync run. It asks one host at a time (requests are made one after
another, never in parallel) and waits `delay` seconds (or the site's robots.txt
`Crawl-delay`, if longer) between two requests to the same host. Every request names the
service in its User-Agent. A response larger than `max_bytes` is refused, and so is one that
takes longer than `timeout` seconds in all. Redirects are followed (at most five) only to the
same host: a redirect elsewhere is a `FetchError`, as are HTTP errors and network failures.

robots.txt follows RFC 9309: a missing one (any 4xx) allows everything; one that cannot be
fetched (5xx, network error) disallows the whole host for this run.
"""

from __future__ import annotations

import email.message
import time
import urllib.error
import urllib.request
import urllib.robotparser
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from urllib.parse import urljoin, urlsplit

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


class FetchError(Exception):
    """A URL that could not be fetched, and why."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


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
        self._opener = urllib.request.build_opener(_NoRedirect)
        self._clock = clock
        self._sleep = sleep
        self._last: dict[str, float] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Response:
        """The body at `url` (after same-host redirects), or a 304 when the validators match."""
        if self.policy.robots and not self.allowed(url):
            raise FetchError(url, "disallowed by the site's robots.txt")
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._follow(url, headers, robots=self.policy.robots)

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
        delay = self.policy.delay
        rules = self._robots.get(_origin(url))
        asked = rules.crawl_delay(self.policy.user_agent) if rules is not None else None
        return max(delay, float(asked)) if asked else delay

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
        deadline = self._clock() + self.policy.timeout
        try:
            with self._opener.open(request, timeout=self.policy.timeout) as raw:
                return Response(raw.geturl(), raw.status, raw.headers, self._read(url, raw, deadline))
        except urllib.error.HTTPError as exc:
            with exc:
                return self._http_error(url, exc)
        except TimeoutError:
            raise FetchError(url, f"timed out after {self.policy.timeout:g} s") from None
        except urllib.error.URLError as exc:
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

    def _read(self, url: str, raw, deadline: float) -> bytes:
        cap = self.policy.max_bytes
        declared = raw.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchError(url, f"{int(declared)} bytes, over the size cap of {cap} bytes")
        chunks, size = [], 0
        while chunk := raw.read(CHUNK):
            size += len(chunk)
            if size > cap:
                raise FetchError(url, f"over the size cap of {cap} bytes")
            if self._clock() > deadline:
                raise FetchError(url, f"timed out after {self.policy.timeout:g} s")
            chunks.append(chunk)
        return b"".join(chunks)

    def _wait_turn(self, url: str) -> None:
        last = self._last.get(_host(url))
        if last is not None:
            pause = last + self.crawl_delay(url) - self._clock()
            if pause > 0:
                self._sleep(pause)


def _reason(reason: object) -> str:
    if isinstance(reason, TimeoutError):
        return "timed out"
    return str(getattr(reason, "strerror", None) or reason)
