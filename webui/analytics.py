"""What visitors search for: recording searches and opened results, the dashboard's numbers,
retention and the CSV export, over the staff database.

A recorded search is the normalized query (trimmed, lower-cased, white space collapsed), the
filters as JSON, the number of results, whether it came from the page or the API, the hour
it happened, and where it came from: the site (the host of another site's page that made it,
from the Origin header, else the Referer; empty on the library's own pages) and the scope
(the collection and themes it was confined to). No address, no cookie, no session, no page
address, nothing that tells one visitor from another. Searches by logged-in staff are not
recorded (they are not visitors, and judging results would swamp the numbers). An opened
result is the search's id and the position clicked, carried by the result link itself
(`/entries/<id>?ref=<search>.<position>`). An iframe view is a load of the embeddable search
page (endpoint `embed.frame`) in another site's page, counted per hour, site and scope.

Recording is one INSERT, on a connection that each worker process keeps open for it (opening
and closing a connection per request costs more than the search page itself around the
engine: the close checkpoints the WAL). A database that cannot take the row loses the row,
never the search. Rows older than COOPSEARCH_ANALYTICS_DAYS are deleted at start-up and at
most once an hour while recording.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import sqlite3
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Response, current_app, request, session, url_for
from werkzeug.datastructures import MultiDict

from search import SearchEngine, SearchRequest, SearchResults

from .db import connect
from .params import int_param

PRUNE_EVERY = 3600.0
BUSY_MS = 200
_STATE = "coopsearch.analytics"
_REF = re.compile(r"^(\d{1,15})\.(\d{1,5})$")
#: The embeddable search page (webui/embed.py): its loads are iframe views.
EMBED_FRAME = "embed.frame"
#: The site of a search made inside the embedded page: the page is the library's own, and the
#: site showing it is not known to the search (the iframe view was counted under it).
FRAME_SITE = "(iframe)"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
MAX_SCOPE_THEMES = 10
MAX_HOST = 255


def normalize(text: str) -> str:
    """The form a query is counted under: trimmed, lower-cased, white space collapsed."""
    return " ".join(text.split()).lower()


def filters_json(req: SearchRequest) -> str:
    """The filters of a search, only those in use, under the API's parameter names."""
    data: dict[str, object] = {}
    for name, values in (("theme", req.themes), ("type", req.types), ("author", req.authors)):
        if values:
            data[name] = list(values)
    if req.date_from:
        data["from"] = req.date_from.isoformat()
    if req.date_to:
        data["to"] = req.date_to.isoformat()
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def stamp(moment: dt.datetime) -> str:
    """A UTC time to the hour, the only precision recorded: "2026-11-26T14:00:00Z"."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:00:00Z")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- recording -----------------------------------------------------------------------------


# -- where a search comes from -------------------------------------------------------------


def host_of(url: str) -> str:
    """The host (and port, if any) of a URL or origin, lower-cased; "" when there is none."""
    try:
        netloc = urlsplit(url.strip()).netloc
    except ValueError:
        return ""
    return netloc.rpartition("@")[2].lower()[:MAX_HOST]


def _frame_path() -> str | None:
    return url_for(EMBED_FRAME) if EMBED_FRAME in current_app.view_functions else None


def referring_site() -> str:
    """The site a request came from: the host of its Origin header, else of its Referer, when
    that is not this library; "" for the library's own pages (or when neither is sent), and
    FRAME_SITE for the embeddable search page."""
    own = request.host.lower()
    for header in ("Origin", "Referer"):
        value = request.headers.get(header, "")
        host = host_of(value)
        if not host:
            continue
        if host != own:
            return host
        in_frame = header == "Referer" and urlsplit(value).path == _frame_path()
        return FRAME_SITE if in_frame else ""
    return ""


def scope_of(themes: Iterable[str], collection: str | None = None) -> str:
    """What a search was confined to: "collection:<slug>" and/or "theme:<id>,<id>"."""
    parts = [f"collection:{collection}"] if collection else []
    themes = list(themes)
    if themes:
        parts.append("theme:" + ",".join(themes))
    return " ".join(parts)


def scope_label(scope: str) -> str:
    """A scope as staff read it: "collection community-energy, theme energy, food"."""
    if not scope:
        return "whole library"
    labels = []
    for part in scope.split(" "):
        kind, _, value = part.partition(":")
        labels.append(f"{kind} {value.replace(',', ', ')}")
    return "; ".join(labels)


def insert_search(
    conn: sqlite3.Connection,
    req: SearchRequest,
    total: int,
    via: str,
    now: dt.datetime | None = None,
    site: str = "",
    scope: str = "",
) -> int:
    cursor = conn.execute(
        "INSERT INTO searches (at, query, filters, results, via, site, scope) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (stamp(now or _now()), normalize(req.query), filters_json(req), total, via, site, scope),
    )
    return int(cursor.lastrowid or 0)


def insert_view(conn: sqlite3.Connection, site: str, scope: str, now: dt.datetime | None = None) -> None:
    """Count one iframe view in its hour, site and scope."""
    conn.execute(
        "INSERT INTO embed_views (at, site, scope, views) VALUES (?, ?, ?, 1) "
        "ON CONFLICT (at, site, scope) DO UPDATE SET views = views + 1",
        (stamp(now or _now()), site, scope),
    )


def parse_ref(ref: str) -> tuple[int, int] | None:
    """`<search id>.<position>` from a result link, or None."""
    match = _REF.match(ref)
    return (int(match.group(1)), int(match.group(2))) if match else None


def insert_click(
    conn: sqlite3.Connection, search_id: int, position: int, entry_id: str, now: dt.datetime | None = None
) -> bool:
    """Note that result `position` of a recorded search was opened (once per position).
    A search that does not exist, or a position it did not have, records nothing."""
    cursor = conn.execute(
        "INSERT OR IGNORE INTO clicks (search_id, position, entry_id, at) "
        "SELECT id, ?, ?, ? FROM searches WHERE id = ? AND ? BETWEEN 1 AND results",
        (position, entry_id, stamp(now or _now()), search_id, position),
    )
    return cursor.rowcount == 1


def prune(conn: sqlite3.Connection, days: int, now: dt.datetime | None = None) -> int:
    """Delete searches (and their clicks) older than `days` days; returns how many."""
    cutoff = stamp((now or _now()) - dt.timedelta(days=days))
    conn.execute("DELETE FROM embed_views WHERE at < ?", (cutoff,))
    return conn.execute("DELETE FROM searches WHERE at < ?", (cutoff,)).rowcount


def _is_staff() -> bool:
    return bool(session.get("account_id"))


class _Recorder:
    """The worker's own connection for recording, reopened after a fork; a lock keeps the
    INSERT and its lastrowid together when threads share it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.conn: sqlite3.Connection | None = None
        self.pid = 0
        self.pruned = time.monotonic()  # the app pruned at start-up

    def connection(self) -> sqlite3.Connection:
        if self.conn is None or self.pid != os.getpid():
            conn = connect(current_app.config["COOPSEARCH"].staff_db)
            # A lost row on power failure, or while another writer holds the database for long,
            # is acceptable for statistics; an fsync per search, or a search kept waiting, is not.
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute(f"PRAGMA busy_timeout={BUSY_MS}")
            self.conn, self.pid = conn, os.getpid()
            weakref.finalize(self, conn.close)  # closed with its app, not left to the GC
        return self.conn


def _recorder() -> _Recorder:
    return current_app.extensions.setdefault(_STATE, _Recorder())


def track_search(results: SearchResults, via: str, collection: str | None = None) -> int | None:
    """Record a visitor's search (in `collection`, if given); its id for result links, or
    None when not recorded."""
    if _is_staff():
        return None
    req = results.request
    site, scope = referring_site(), scope_of(req.themes, collection)
    recorder = _recorder()
    try:
        with recorder.lock:
            conn = recorder.connection()
            search_id = insert_search(conn, req, results.total, via, site=site, scope=scope)
            if time.monotonic() - recorder.pruned >= PRUNE_EVERY:
                recorder.pruned = time.monotonic()
                prune(conn, current_app.config["COOPSEARCH"].analytics_days)
    except sqlite3.Error as exc:
        current_app.logger.warning("search not recorded: %s", exc)
        return None
    return search_id


def track_api_search(results: SearchResults, collection: str | None = None) -> dict[str, int]:
    """For the API: `{"search_id": n}` when the request asked with analytics=1 and it was
    recorded, else nothing. Live typing does not ask, so keystrokes are not searches."""
    if not int_param(request.args, "analytics", 0, 0, 1):
        return {}
    search_id = track_search(results, "api", collection)
    return {"search_id": search_id} if search_id else {}


def track_click(ref: str | None, entry_id: str) -> bool:
    """Record an opened result from the `ref` of the link a visitor followed."""
    parsed = parse_ref(ref or "")
    if parsed is None or _is_staff():
        return False
    recorder = _recorder()
    try:
        with recorder.lock:
            return insert_click(recorder.connection(), parsed[0], parsed[1], entry_id)
    except sqlite3.Error as exc:
        current_app.logger.warning("click not recorded: %s", exc)
        return False


def frame_scope(args: MultiDict) -> str:
    """The scope of an embedded page from its theme and collection arguments (only well-formed
    ids: the arguments are whatever the embedding page wrote)."""
    themes = [t for t in args.getlist("theme") if _SLUG.match(t)][:MAX_SCOPE_THEMES]
    collection = args.get("collection", "")
    return scope_of(themes, collection if _SLUG.match(collection) else None)


def track_embed_view(response: Response) -> Response:
    """After a load of the embeddable search page, count it as a view under the site whose
    page shows it (the host of its Referer). Its own navigations (a search submitted inside
    the frame) are not new views."""
    if request.endpoint != EMBED_FRAME or request.method != "GET" or response.status_code not in (200, 304):
        return response
    site = referring_site()
    if site == FRAME_SITE or _is_staff():
        return response
    recorder = _recorder()
    try:
        with recorder.lock:
            insert_view(recorder.connection(), site, frame_scope(request.args))
    except sqlite3.Error as exc:
        current_app.logger.warning("iframe view not recorded: %s", exc)
    return response


# -- the dashboard's numbers ---------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Days `start` to `end`, both included (UTC)."""

    start: dt.date
    end: dt.date

    @property
    def bounds(self) -> tuple[str, str]:
        """As `at` values: start <= at < bounds[1]."""
        return (
            f"{self.start.isoformat()}T00:00:00Z",
            f"{(self.end + dt.timedelta(days=1)).isoformat()}T00:00:00Z",
        )

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass(frozen=True)
class QueryRow:
    query: str
    searches: int
    average_results: float = 0.0
    clicked: int = 0
    zero_with_filters: int = 0
    last: str = ""

    @property
    def click_through(self) -> float:
        return self.clicked / self.searches if self.searches else 0.0


@dataclass(frozen=True)
class Week:
    start: dt.date
    searches: int


_CLICKED = "EXISTS (SELECT 1 FROM clicks c WHERE c.search_id = s.id)"
_IN_PERIOD = "s.at >= ? AND s.at < ?"


def totals(conn: sqlite3.Connection, period: Period) -> dict[str, int]:
    row = conn.execute(
        f"SELECT COUNT(*), COUNT(DISTINCT CASE WHEN s.query != '' THEN s.query END), "
        f"COALESCE(SUM({_CLICKED}), 0), COALESCE(SUM(s.results = 0), 0) "
        f"FROM searches s WHERE {_IN_PERIOD}",
        period.bounds,
    ).fetchone()
    return dict(zip(("searches", "queries", "clicked", "zero"), map(int, row), strict=True))


def top_queries(conn: sqlite3.Connection, period: Period, limit: int = 25) -> list[QueryRow]:
    """The most searched queries (with words): searches, average results, click-through."""
    rows = conn.execute(
        f"SELECT s.query, COUNT(*), AVG(s.results), SUM({_CLICKED}) FROM searches s "
        f"WHERE {_IN_PERIOD} AND s.query != '' GROUP BY s.query "
        "ORDER BY COUNT(*) DESC, s.query LIMIT ?",
        (*period.bounds, limit),
    )
    return [QueryRow(q, n, float(avg), int(clicked)) for q, n, avg, clicked in rows]


def zero_result_queries(conn: sqlite3.Connection, period: Period, limit: int = 25) -> list[QueryRow]:
    """Queries whose searches found nothing: how often, how often with filters, last time."""
    rows = conn.execute(
        f"SELECT s.query, COUNT(*), SUM(s.filters != '{{}}'), MAX(s.at) FROM searches s "
        f"WHERE {_IN_PERIOD} AND s.query != '' AND s.results = 0 GROUP BY s.query "
        "ORDER BY COUNT(*) DESC, s.query LIMIT ?",
        (*period.bounds, limit),
    )
    return [QueryRow(q, n, zero_with_filters=int(f), last=last) for q, n, f, last in rows]


def unopened_queries(conn: sqlite3.Connection, period: Period, limit: int = 25) -> list[QueryRow]:
    """Queries that found something, where no visitor opened any result."""
    rows = conn.execute(
        f"SELECT s.query, COUNT(*), AVG(s.results), MAX(s.at) FROM searches s "
        f"WHERE {_IN_PERIOD} AND s.query != '' AND s.results > 0 GROUP BY s.query "
        f"HAVING SUM({_CLICKED}) = 0 ORDER BY COUNT(*) DESC, s.query LIMIT ?",
        (*period.bounds, limit),
    )
    return [QueryRow(q, n, float(avg), last=last) for q, n, avg, last in rows]


def weekly(conn: sqlite3.Connection, period: Period) -> list[Week]:
    """Searches per week (Monday to Sunday) for every week the period touches, empty ones too."""
    per_day = conn.execute(
        f"SELECT substr(s.at, 1, 10), COUNT(*) FROM searches s WHERE {_IN_PERIOD} GROUP BY 1",
        period.bounds,
    )
    counts: dict[dt.date, int] = {}
    for day, n in per_day:
        monday = _monday(dt.date.fromisoformat(day))
        counts[monday] = counts.get(monday, 0) + n
    weeks, monday = [], _monday(period.start)
    while monday <= period.end:
        weeks.append(Week(monday, counts.get(monday, 0)))
        monday += dt.timedelta(days=7)
    return weeks


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class SiteRow:
    """Searches and iframe views from one other site (in one scope, for the per-scope table)."""

    site: str
    scope: str | None
    searches: int
    zero: int
    views: int

    @property
    def zero_share(self) -> float:
        return self.zero / self.searches if self.searches else 0.0

    @property
    def scope_label(self) -> str:
        return scope_label(self.scope or "")


def other_sites(
    conn: sqlite3.Connection, period: Period, by_scope: bool = False, limit: int = 50
) -> list[SiteRow]:
    """Searches, zero-result searches and iframe views per other site (and per scope when
    `by_scope`), most searches first. The library's own pages (site "") are left out."""
    keys = "site, scope" if by_scope else "site"
    rows = conn.execute(
        f"SELECT {keys}, SUM(searches), SUM(zero), SUM(views) FROM ("
        f" SELECT {keys}, COUNT(*) AS searches, SUM(results = 0) AS zero, 0 AS views"
        f" FROM searches s WHERE {_IN_PERIOD} AND site != '' GROUP BY {keys}"
        " UNION ALL"
        f" SELECT {keys}, 0, 0, SUM(views) FROM embed_views s WHERE {_IN_PERIOD} AND site != ''"
        f" GROUP BY {keys}"
        f") GROUP BY {keys} ORDER BY SUM(searches) DESC, SUM(views) DESC, {keys} LIMIT ?",
        (*period.bounds, *period.bounds, limit),
    )
    if by_scope:
        return [SiteRow(site, scope, int(n), int(z), int(v)) for site, scope, n, z, v in rows]
    return [SiteRow(site, None, int(n), int(z), int(v)) for site, n, z, v in rows]


# -- CSV -----------------------------------------------------------------------------------

CSV_COLUMNS = ("time", "query", "filters", "results", "via", "opened", "site", "scope")


def csv_rows(conn: sqlite3.Connection, period: Period) -> Iterable[tuple]:
    """Every search in the period, oldest first, with the result positions opened."""
    rows = conn.execute(
        "SELECT s.at, s.query, s.filters, s.results, s.via, "
        "(SELECT group_concat(position, ' ') FROM "
        " (SELECT position FROM clicks c WHERE c.search_id = s.id ORDER BY position)), "
        f"s.site, s.scope FROM searches s WHERE {_IN_PERIOD} ORDER BY s.at, s.id",
        period.bounds,
    )
    for at, query, filters, results, via, opened, site, scope in rows:
        yield at, query, filters, results, via, opened or "", site, scope


def _cell(value: object) -> object:
    """A spreadsheet must not run a query as a formula: text starting =, +, -, @ gets a '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(rows: Iterable[tuple]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


# -- acting on a query that found nothing: a synonym rule ----------------------------------


class SynonymError(ValueError):
    """A synonym rule that cannot be added; the message says why."""


def synonym_rule(query: str, words: str, both_ways: bool = False) -> str:
    """One line of the synonyms file: `query => words` (the query finds what the words find),
    or `query, words` (each finds the others)."""
    query, words = " ".join(query.split()), " ".join(words.split())
    for name, text in (("the query", query), ("the synonym words", words)):
        if not text:
            raise SynonymError(f"{name} {'is' if name == 'the query' else 'are'} empty")
        if "#" in text or "=>" in text:
            raise SynonymError(f"{name} may not contain # or =>")
    if "," in query:
        raise SynonymError("the query may not contain a comma (commas separate synonyms)")
    phrases = [p.strip() for p in words.split(",") if p.strip()]
    if not phrases:
        raise SynonymError("the synonym words are empty")
    return f"{query}, {', '.join(phrases)}" if both_ways else f"{query} => {', '.join(phrases)}"


def _rules(text: str) -> tuple[dict, str | None]:
    """The rules of a synonyms text as the engine reads them, and its error if any. The
    engine's own reader is the judge, so what is accepted here is what searches apply."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synonyms.txt"
        path.write_text(text, encoding="utf-8")
        reader = SearchEngine(Path(tmp) / "no-index", path).synonyms
        return reader.table(), reader.error


def append_synonym(path: Path, rule: str) -> None:
    """Add `rule` at the end of the synonyms file, atomically (workers re-read the file when
    it changes, so a half-written file must never be seen). Refuses a rule that the engine
    cannot read or that changes nothing."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    new = old + ("" if not old or old.endswith("\n") else "\n") + rule + "\n"
    before, error = _rules(old)
    if error:
        raise SynonymError(f"the synonyms file has an error to fix first: {error}")
    after, error = _rules(new)
    if error:
        raise SynonymError(f"the engine cannot read this rule: {error.rsplit(':', 1)[-1].strip()}")
    if after == before:
        raise SynonymError(
            "this rule adds nothing: the search already treats these words alike, "
            "or they are all words it ignores"
        )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".synonyms-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(new)
        if path.exists():
            shutil.copymode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
