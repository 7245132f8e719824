"""The sources file: every place the library's entries come from, and how to read each.

A TOML file (read with `tomllib`) with one table per kind of source, each source named by its
key (letters, digits, "-", "_", "."; unique across kinds):

    [fetch]                       # optional; these are the defaults
    delay = 1.0                   # seconds between two requests to one host
    timeout = 10.0                # seconds for one whole response, from connect to last byte
    max_bytes = 5_000_000         # larger responses are refused
    max_crawl_delay = 30.0        # a host whose robots.txt asks a longer Crawl-delay is skipped
    source_budget = 600.0         # seconds of fetching per source and run
    contact = "https://geo.coop/about"   # added to the User-Agent

    [feeds.geo-news]
    url = "https://geo.coop/rss.xml"     # or file = "exports/news.xml"
    type = "news"                        # optional: the entries' type
    id_from = "guid"                     # or "link"
    [feeds.geo-news.categories]          # category -> theme id(s)
    "Health care" = "health"
    "Renewables" = ["energy"]

    [csv.members]
    file = "exports/members.csv"         # or url = "https://…/members.csv"
    delimiter = ","
    encoding = "utf-8"
    list_separator = ";"                 # between authors or themes in one cell
    [csv.members.columns]                # entry field -> column header
    title = "Headline"
    date = "Published on"

    [pages.geo-site]
    sitemap = "https://geo.coop/sitemap.xml"   # a sitemap or a sitemap index; or
    # urls = ["https://geo.coop/about", …]
    max_pages = 10000

    [folders.corpus]
    path = "corpus"                      # Markdown and JSON Lines, as `coopsearch index` reads

Relative paths are read from the sources file's folder. Every error names the source, the
key and the value (`SourcesFileError`).
"""

from __future__ import annotations

import codecs
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .fetch import FetchPolicy, user_agent
from .ids import is_url

FIELDS = ("id", "title", "date", "authors", "summary", "body", "themes", "type", "url")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
KINDS = {"feeds": "feed", "csv": "csv", "pages": "pages", "folders": "folder"}


class SourcesFileError(ValueError):
    """A sources file that cannot be used: which source, which key, what is wrong."""


@dataclass(frozen=True)
class Source:
    """What every kind of source has: its name, and the key its entries are indexed under."""

    name: str

    kind = "source"

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.name}"

    @property
    def location(self) -> str:
        return ""


@dataclass(frozen=True)
class FeedSource(Source):
    """An RSS or Atom feed; entries that leave it are kept (feeds show only the latest)."""

    url: str | None = None
    file: Path | None = None
    type: str | None = None
    id_from: str = "guid"
    categories: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    kind = "feed"

    @property
    def location(self) -> str:
        return self.url or str(self.file)


@dataclass(frozen=True)
class CsvSource(Source):
    """A CSV export with a header row; rows that leave it are removed."""

    url: str | None = None
    file: Path | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    delimiter: str = ","
    encoding: str = "utf-8"
    list_separator: str = ";"
    type: str | None = None

    kind = "csv"

    @property
    def location(self) -> str:
        return self.url or str(self.file)


@dataclass(frozen=True)
class PagesSource(Source):
    """Web pages from a sitemap (or sitemap index) or a list of URLs; pages that leave it are removed."""

    sitemap: str | None = None
    urls: tuple[str, ...] = ()
    type: str | None = None
    max_pages: int = 10_000

    kind = "pages"

    @property
    def location(self) -> str:
        return self.sitemap or f"{len(self.urls)} URLs"


@dataclass(frozen=True)
class FolderSource(Source):
    """A folder (or file) of Markdown and JSON Lines entries, indexed under each file's path."""

    path: Path = Path(".")

    kind = "folder"

    @property
    def key(self) -> str:
        return str(self.path.resolve())

    @property
    def location(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class SourcesConfig:
    """A sources file read and checked: how to fetch, and the sources in the file's order."""

    fetch: FetchPolicy = field(default_factory=FetchPolicy)
    sources: tuple[Source, ...] = ()

    def only(self, names: tuple[str, ...]) -> SourcesConfig:
        unknown = [n for n in names if n not in {s.name for s in self.sources}]
        if unknown:
            known = ", ".join(s.name for s in self.sources) or "none"
            raise SourcesFileError(f"no source named {', '.join(map(repr, unknown))} (sources: {known})")
        return SourcesConfig(self.fetch, tuple(s for s in self.sources if s.name in names))

    def with_sources(self, extra: tuple[Source, ...]) -> SourcesConfig:
        taken = {s.name for s in self.sources}
        clash = [s.name for s in extra if s.name in taken]
        if clash:
            raise SourcesFileError(f"a source named {clash[0]!r} is already in the sources file")
        return SourcesConfig(self.fetch, self.sources + extra)


def read_sources_file(path: Path | str) -> SourcesConfig:
    """Read and check a sources file; raises SourcesFileError."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesFileError(f"{path}: no such sources file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourcesFileError(f"{path}: cannot read ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesFileError(f"{path}: not valid TOML ({exc})") from None
    return parse_sources(data, path.parent, str(path))


def parse_sources(data: Mapping, base: Path, name: str = "sources file") -> SourcesConfig:
    """Check the parsed TOML of a sources file; relative paths are taken from `base`."""
    _known_keys(data, {"fetch", *KINDS}, name)
    fetch = _fetch(_table(data.get("fetch", {}), f"{name}: [fetch]"), name)
    sources: list[Source] = []
    for table in (t for t in data if t in KINDS):  # in the file's order
        kind = KINDS[table]
        for source_name, options in _table(data.get(table, {}), f"{name}: [{table}]").items():
            where = f"{name}: [{table}.{source_name}]"
            if not _NAME_RE.match(source_name):
                raise SourcesFileError(f"{where}: a name uses letters, digits, '-', '_' and '.'")
            if any(s.name == source_name for s in sources):
                raise SourcesFileError(f"{where}: another source already has the name {source_name!r}")
            sources.append(_READERS[kind](source_name, _table(options, where), base, where))
    return SourcesConfig(fetch, tuple(sources))


def _fetch(options: Mapping, name: str) -> FetchPolicy:
    where = f"{name}: [fetch]"
    keys = {"delay", "timeout", "max_bytes", "max_crawl_delay", "source_budget", "contact"}
    _known_keys(options, keys, where)
    default = FetchPolicy()
    return FetchPolicy(
        user_agent=user_agent(_text(options, "contact", where) or ""),
        delay=_number(options, "delay", where, default.delay, minimum=0.0),
        timeout=_number(options, "timeout", where, default.timeout, minimum=0.001),
        max_bytes=int(_number(options, "max_bytes", where, default.max_bytes, minimum=1)),
        max_crawl_delay=_number(options, "max_crawl_delay", where, default.max_crawl_delay, minimum=0.0),
        source_budget=_number(options, "source_budget", where, default.source_budget, minimum=1.0),
    )


def _feed(name: str, options: Mapping, base: Path, where: str) -> FeedSource:
    _known_keys(options, {"url", "file", "type", "id_from", "categories"}, where)
    url, file = _url_or_file(options, base, where)
    id_from = _text(options, "id_from", where) or "guid"
    if id_from not in ("guid", "link"):
        raise SourcesFileError(f'{where}: id_from = {id_from!r}: use "guid" or "link"')
    categories = {}
    for category, themes in _table(options.get("categories", {}), f"{where} categories").items():
        listed = [themes] if isinstance(themes, str) else themes
        if not isinstance(listed, list) or not all(isinstance(t, str) and t.strip() for t in listed):
            raise SourcesFileError(f"{where}: categories.{category!r} must be a theme id or a list of them")
        categories[category.casefold().strip()] = tuple(t.strip().lower() for t in listed)
    return FeedSource(name, url, file, _type(options, where), id_from, categories)


def _csv(name: str, options: Mapping, base: Path, where: str) -> CsvSource:
    keys = {"url", "file", "columns", "delimiter", "encoding", "list_separator", "type"}
    _known_keys(options, keys, where)
    url, file = _url_or_file(options, base, where)
    columns = {}
    for entry_field, header in _table(options.get("columns", {}), f"{where} columns").items():
        if entry_field not in FIELDS:
            known = ", ".join(FIELDS)
            raise SourcesFileError(f"{where}: columns.{entry_field}: not an entry field ({known})")
        if not isinstance(header, str) or not header.strip():
            raise SourcesFileError(f"{where}: columns.{entry_field} must name a column header")
        columns[entry_field] = header.strip()
    delimiter = _text(options, "delimiter", where) or ","
    if len(delimiter) != 1:
        raise SourcesFileError(f"{where}: delimiter = {delimiter!r}: one character")
    encoding = _text(options, "encoding", where) or "utf-8"
    _check_codec(encoding, where)
    separator = _text(options, "list_separator", where) or ";"
    return CsvSource(name, url, file, columns, delimiter, encoding, separator, _type(options, where))


def _pages(name: str, options: Mapping, base: Path, where: str) -> PagesSource:
    _known_keys(options, {"sitemap", "urls", "type", "max_pages"}, where)
    sitemap = _text(options, "sitemap", where)
    urls = options.get("urls", [])
    if not isinstance(urls, list) or not all(isinstance(u, str) for u in urls):
        raise SourcesFileError(f"{where}: urls must be a list of URLs")
    if bool(sitemap) == bool(urls):
        raise SourcesFileError(f"{where}: give either sitemap or urls")
    for url in [sitemap] if sitemap else urls:
        _check_url(url, where)
    max_pages = int(_number(options, "max_pages", where, 10_000, minimum=1))
    return PagesSource(name, sitemap, tuple(u.strip() for u in urls), _type(options, where), max_pages)


def _folder(name: str, options: Mapping, base: Path, where: str) -> FolderSource:
    _known_keys(options, {"path"}, where)
    path = _text(options, "path", where)
    if not path:
        raise SourcesFileError(f"{where}: path is missing (a folder of Markdown or JSON Lines files)")
    return FolderSource(name, base / Path(path).expanduser())


_READERS = {"feed": _feed, "csv": _csv, "pages": _pages, "folder": _folder}


def _url_or_file(options: Mapping, base: Path, where: str) -> tuple[str | None, Path | None]:
    url, file = _text(options, "url", where), _text(options, "file", where)
    if bool(url) == bool(file):
        raise SourcesFileError(f"{where}: give either url or file")
    if url:
        _check_url(url, where)
        return url, None
    return None, base / Path(file).expanduser()


def _check_url(url: str, where: str) -> None:
    if not is_url(url):
        raise SourcesFileError(f"{where}: {url!r} is not an http or https URL")


def _check_codec(encoding: str, where: str) -> None:
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise SourcesFileError(f"{where}: encoding = {encoding!r}: unknown encoding") from None


def _type(options: Mapping, where: str) -> str | None:
    kind = _text(options, "type", where)
    return kind.lower() if kind else None


def _known_keys(options: Mapping, keys: set[str], where: str) -> None:
    unknown = sorted(set(options) - keys)
    if unknown:
        raise SourcesFileError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(keys))})")


def _table(value: object, where: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise SourcesFileError(f"{where} must be a table")
    return value


def _text(options: Mapping, key: str, where: str) -> str | None:
    value = options.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise SourcesFileError(f"{where}: {key} = {value!r}: must be text")
    return value.strip()


def _number(options: Mapping, key: str, where: str, default: float, minimum: float) -> float:
    value = options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise SourcesFileError(f"{where}: {key} = {value!r}: must be a number, at least {minimum:g}")
    return float(value)


def csv_columns(pairs: tuple[str, ...]) -> dict[str, str]:
    """FIELD=HEADER pairs (from the command line) as a column mapping; raises SourcesFileError."""
    columns = {}
    for pair in pairs:
        entry_field, sep, header = pair.partition("=")
        entry_field = entry_field.strip()
        if not sep or entry_field not in FIELDS or not header.strip():
            raise SourcesFileError(f"{pair!r}: use FIELD=HEADER with a field of {', '.join(FIELDS)}")
        columns[entry_field] = header.strip()
    return columns


def csv_sources(
    specs: tuple[str, ...], pairs: tuple[str, ...], base: Path = Path(".")
) -> tuple[CsvSource, ...]:
    """CSV sources given on the command line (files or URLs), all with the columns of `pairs`."""
    columns = csv_columns(pairs)
    sources: list[CsvSource] = []
    for spec in specs:
        url = spec if is_url(spec) else None
        file = None if url else base / Path(spec).expanduser()
        stem = Path(spec.rstrip("/")).stem
        name = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")[:60] or "csv"
        while any(s.name == name for s in sources):
            name += "-2"
        sources.append(CsvSource(name, url, file, columns))
    return tuple(sources)
