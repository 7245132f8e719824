"""Web pages from a sitemap (or a sitemap index) or a list of URLs, fetched politely.

Pages are fetched one at a time through the sync's `Fetcher` (robots.txt, a delay per host,
a size cap, a timeout, same-host redirects only). Each page's main text and metadata (title,
authors, date, description, canonical URL) are extracted with trafilatura; its id comes from
the canonical URL (when that is on the same host), else the URL fetched.

A page is fetched again only when it may have changed: when the sitemap gives it a `lastmod`
different from the last run's (kept in the sync state), or, without a lastmod, when the server
does not answer 304 to the last run's ETag / Last-Modified. Pages that leave the sitemap are
removed from the index; a page that fails keeps what the index had of it, and when part of the
sitemap cannot be read, nothing is removed.

When the source's time budget is spent (`BudgetSpent`), the pages not fetched yet keep what
the index had of them, nothing is removed, and the state remembers the first of them: the
next run starts there (and goes round to the others), so that every page is fetched in turn
even when a run never reaches the end of the sitemap.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from html.parser import HTMLParser
from xml.parsers import expat

from .fetch import BudgetSpent, Fetcher, FetchError, Response, same_host
from .harvest import Harvest, SourceFailed
from .ids import canonical_url, stable_id
from .records import Entry, InvalidEntry
from .sources import PagesSource

MAX_SITEMAPS = 100
MAX_DEPTH = 3
HTML_TYPES = ("text/html", "application/xhtml+xml")


@dataclass(frozen=True)
class PageRef:
    """A page to index: its URL, the sitemap's lastmod for it, and where it was listed."""

    url: str
    lastmod: str | None
    listed: str


def harvest_pages(
    source: PagesSource, fetcher: Fetcher, state: Mapping, indexed: Mapping[str, str], full: bool = False
) -> Harvest:
    """The source's pages that changed since the last run; `indexed`: id -> source key of the index."""
    harvest = Harvest(delete_missing=True)
    refs = sitemap_pages(source.sitemap, fetcher, harvest) if source.sitemap else _listed(source)
    if len(refs) > source.max_pages:
        harvest.problem(
            source.location, "", f"lists {len(refs)} pages; only the first {source.max_pages} read"
        )
        harvest.complete = False
        refs = refs[: source.max_pages]
    before = state.get("pages", {})
    after: dict[str, dict] = {}
    resume = None
    for i, ref in enumerate(_starting_at(refs, state.get("resume"))):
        known = before.get(ref.url)
        if known is not None and indexed.get(known.get("id")) != source.key:
            known = None  # the index lost it (a rebuild, another source): fetch it again
        try:
            after[ref.url] = _page(ref, known, source, fetcher, harvest, full)
        except BudgetSpent as exc:
            resume = ref.url
            _stopped(harvest, source, exc, i, len(refs))
            break
    if not harvest.complete:
        after = {**before, **after}
    harvest.state = {"pages": {url: page for url, page in after.items() if page}}
    if resume:
        harvest.state["resume"] = resume
    return harvest


def _stopped(harvest: Harvest, source: PagesSource, exc: BudgetSpent, read: int, total: int) -> None:
    reason = f"{exc.reason}: {read} of {total} pages read; the next run starts with the {total - read} others"
    harvest.problem(source.location, "", reason)
    harvest.complete = False


def _starting_at(refs: list[PageRef], url: str | None) -> list[PageRef]:
    """The pages from `url` on, then the ones before it (all of them, in order, if it is not listed)."""
    start = next((i for i, ref in enumerate(refs) if ref.url == url), 0)
    return refs[start:] + refs[:start]


def _listed(source: PagesSource) -> list[PageRef]:
    return [PageRef(url, None, f"urls[{i}]") for i, url in enumerate(dict.fromkeys(source.urls))]


def _page(
    ref: PageRef, known: dict | None, source: PagesSource, fetcher: Fetcher, harvest: Harvest, full: bool
) -> dict:
    """Fetch and read one page if it may have changed; its state for the next run."""
    if known and not full and ref.lastmod and known.get("lastmod") == ref.lastmod:
        return _unchanged(known, harvest)
    validators = (
        {} if full or not known else {"etag": known.get("etag"), "last_modified": known.get("modified")}
    )
    try:
        response = fetcher.get(ref.url, **validators)
        if response.status == 304 and known:
            return _unchanged({**known, "lastmod": ref.lastmod}, harvest)
        entry = page_entry(response, source, ref.listed)
    except BudgetSpent:
        raise
    except (FetchError, InvalidEntry) as exc:
        reason = exc.reason if isinstance(exc, FetchError) else f"{exc.field}: {exc.reason}"
        harvest.problem(ref.url, f"listed at {ref.listed}", reason)
        if known:
            harvest.keep_ids.add(known["id"])
        return known or {}
    harvest.add(entry, source.key)
    return {
        "id": entry.id,
        "lastmod": ref.lastmod,
        "etag": response.headers.get("ETag"),
        "modified": response.headers.get("Last-Modified"),
    }


def _unchanged(known: dict, harvest: Harvest) -> dict:
    harvest.keep_ids.add(known["id"])
    harvest.unchanged += 1
    return known


# -- sitemaps -------------------------------------------------------------------------------


def sitemap_pages(url: str, fetcher: Fetcher, harvest: Harvest) -> list[PageRef]:
    """Every page of a sitemap, following sitemap indexes; problems go to `harvest`."""
    pages: dict[str, PageRef] = {}
    queue, seen = [(url, 0)], {url}
    while queue:
        sitemap, depth = queue.pop(0)
        document = _sitemap_document(sitemap, fetcher, harvest, root=sitemap == url)
        if document is None:
            continue
        kind, items = _parse_sitemap(document, sitemap, harvest)
        if not kind and sitemap == url:
            raise SourceFailed(str(harvest.problems.pop()))
        for loc, lastmod, line in items:
            listed = f"{sitemap}:{line}"
            if not same_host(loc, url):
                harvest.problem(sitemap, f"line {line}", f"{loc} is on another host; skipped")
            elif kind == "sitemapindex":
                _queue_sitemap(loc, depth + 1, listed, queue, seen, harvest)
            elif loc in pages:
                harvest.problem(
                    sitemap, f"line {line}", f"{loc} is listed twice (first at {pages[loc].listed})"
                )
            else:
                pages[loc] = PageRef(loc, lastmod, listed)
    return list(pages.values())


def _queue_sitemap(loc: str, depth: int, listed: str, queue: list, seen: set, harvest: Harvest) -> None:
    if loc in seen:
        return
    if depth > MAX_DEPTH or len(seen) >= MAX_SITEMAPS:
        harvest.problem(listed, "", f"{loc}: too many or too deeply nested sitemaps; not read")
        harvest.complete = False
        return
    seen.add(loc)
    queue.append((loc, depth))


def _sitemap_document(url: str, fetcher: Fetcher, harvest: Harvest, root: bool) -> bytes | None:
    try:
        body = fetcher.get(url).body
        if body[:2] == b"\x1f\x8b":
            body = _gunzip(body, fetcher.policy.max_bytes, url)
        return body
    except FetchError as exc:
        if root:
            raise SourceFailed(str(exc)) from None
        harvest.problem(url, "", f"{exc.reason}; the pages it lists are kept as they were")
        harvest.complete = False
        return None


def _gunzip(data: bytes, cap: int, url: str) -> bytes:
    try:
        inflated = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data, cap + 1)
    except zlib.error as exc:
        raise FetchError(url, f"not valid gzip ({exc})") from None
    if len(inflated) > cap:
        raise FetchError(url, f"over the size cap of {cap} bytes once decompressed")
    return inflated


class _Doctype(Exception):
    pass


class _SitemapReader:
    """Reads <url> (or <sitemap>) elements with their <loc>, <lastmod> and line, streaming."""

    def __init__(self, where: str, harvest: Harvest) -> None:
        self.where, self.harvest = where, harvest
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.CharacterDataHandler = self._text
        self.parser.StartDoctypeDeclHandler = self._doctype  # no DTD, so no entity expansion
        self.root = ""
        self.items: list[tuple[str, str | None, int]] = []
        self._path: list[str] = []
        self._current: dict = {}
        self._chars: list[str] = []

    def _start(self, name: str, attrs: dict) -> None:
        local = name.rsplit(" ", 1)[-1]
        self.root = self.root or local
        self._path.append(local)
        self._chars.clear()
        if local in ("url", "sitemap") and len(self._path) == 2:
            self._current = {"line": self.parser.CurrentLineNumber}

    def _end(self, name: str) -> None:
        local = self._path.pop()
        if local in ("loc", "lastmod") and len(self._path) == 2:
            self._current[local] = "".join(self._chars).strip()
        elif local in ("url", "sitemap") and len(self._path) == 1:
            line = self._current["line"]
            if self._current.get("loc"):
                self.items.append((self._current["loc"], self._current.get("lastmod") or None, line))
            else:
                self.harvest.problem(self.where, f"line {line}", f"<{local}> without <loc>; skipped")

    def _text(self, data: str) -> None:
        self._chars.append(data)

    def _doctype(self, *args: object) -> None:
        raise _Doctype

    def read(self, data: bytes) -> bool:
        """Parse `data`; False (with the problem reported) if it is not well-formed."""
        try:
            self.parser.Parse(data, True)
        except _Doctype:
            line = self.parser.CurrentLineNumber
            self.harvest.problem(self.where, f"line {line}", "a DOCTYPE is not allowed in a sitemap")
            return False
        except expat.ExpatError as exc:
            reason = f"malformed XML ({expat.ErrorString(exc.code)})"
            self.harvest.problem(self.where, f"line {exc.lineno}", reason)
            return False
        return True


def _parse_sitemap(
    data: bytes, where: str, harvest: Harvest
) -> tuple[str, list[tuple[str, str | None, int]]]:
    """("urlset" or "sitemapindex", [(loc, lastmod, line)]) as far as the XML is well-formed;
    ("", []) when nothing of it can be used."""
    reader = _SitemapReader(where, harvest)
    if not reader.read(data):
        harvest.complete = False
        if not reader.items or reader.root not in ("urlset", "sitemapindex"):
            return "", []
    if reader.root not in ("urlset", "sitemapindex"):
        harvest.problem(where, "line 1", "not a sitemap (<urlset> or <sitemapindex>)")
        harvest.complete = False
        return "", []
    return reader.root, reader.items


# -- one page -------------------------------------------------------------------------------


def page_entry(response: Response, source: PagesSource, listed: str) -> Entry:
    """The entry of an HTML page: main text and metadata; InvalidEntry if it has none."""
    where = response.url
    if response.content_type not in HTML_TYPES:
        raise InvalidEntry(
            where, 0, "page", f"not an HTML page (content type {response.content_type or 'none'})"
        )
    text = _decode_page(response)
    import trafilatura  # here: it brings lxml and dateparser, which nothing else needs

    document = trafilatura.bare_extraction(
        text, url=response.url, with_metadata=True, include_comments=False, include_tables=True
    )
    if document is None:
        raise InvalidEntry(where, 0, "page", "no main text found")
    canonical = document.url if document.url and same_host(document.url, response.url) else response.url
    data = {
        "id": stable_id(canonical),
        "title": document.title,
        "date": document.date,
        "authors": [a.strip() for a in (document.author or "").split(";") if a.strip()],
        "summary": document.description,
        "body": (document.text or "").replace("\n", "\n\n"),
        "type": source.type,
        "url": canonical_url(canonical),
    }
    return Entry.from_mapping(data, where, 0)


def _decode_page(response: Response) -> str:
    """The page as text: in the HTTP charset, else its <meta> charset, else UTF-8; strictly."""
    head = _HeadScan()
    head.feed(response.body[:4096].decode("ascii", errors="replace"))
    encoding = response.charset or head.charset or "utf-8"
    try:
        return response.body.decode(encoding)
    except LookupError:
        raise InvalidEntry(response.url, 0, "encoding", f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        line = response.body[: exc.start].count(b"\n") + 1
        byte = response.body[exc.start]
        declared = "declared" if response.charset or head.charset else "assumed (none declared)"
        raise InvalidEntry(
            response.url,
            line,
            "encoding",
            f"not valid {encoding} text, as {declared} (byte {byte:#04x} at line {line})",
        ) from None


class _HeadScan(HTMLParser):
    """The charset a page declares in a <meta> of its head."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.charset: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "meta" or self.charset:
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        if values.get("charset"):
            self.charset = values["charset"].strip()
        elif values.get("http-equiv", "").lower() == "content-type" and "charset=" in values.get(
            "content", ""
        ):
            self.charset = values["content"].split("charset=", 1)[1].split(";")[0].strip()
