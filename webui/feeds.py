"""Feeds and browser integration: an Atom feed for any search, and the OpenSearch description.

A visitor can follow a search ("energy co-ops from 2020") in a feed reader, and browsers
offer the library as a search engine, with its autocomplete, from `/opensearch.xml`.

A feed reader drops a whole feed that is not well-formed XML, so every XML answer goes
through `xml_response`, which removes what XML 1.0 cannot hold (C0 controls, lone
surrogates, U+FFFE and U+FFFF) from the written document: validation keeps such characters
out of new entries, but an older index, a query string or a collection title may still hold
them, and one of them would cost every subscriber the feed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from flask import Blueprint, Response, g, render_template, request

from search import PartialDate, parse_date

from .caching import cacheable
from .engine import get_engine
from .params import int_param, search_request

bp = Blueprint("feeds", __name__)

FEED_SIZE = 20
MAX_FEED_SIZE = 100
ATOM = "application/atom+xml"
#: Everything outside XML 1.0's `Char` production.
_NOT_XML = re.compile(r"[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")


def xml_text(text: str) -> str:
    """`text` without the characters an XML 1.0 document may not contain."""
    return _NOT_XML.sub("", text)


def xml_response(template: str, mimetype: str, **context: object) -> Response:
    """The template rendered as a well-formed XML answer, whatever the index holds."""
    return Response(xml_text(render_template(template, **context)), mimetype=mimetype)


def atom_time(date: str | None, fallback: dt.datetime) -> str:
    """An Atom date-time for an entry's (possibly partial) date: its first day, at midnight UTC."""
    if not date:
        return fallback.strftime("%Y-%m-%dT%H:%M:%SZ")
    partial: PartialDate = parse_date(date, "date")
    return partial.first_day().strftime("%Y-%m-%dT00:00:00Z")


@bp.get("/search.atom")
@cacheable
def search_feed() -> Response:
    """The newest entries for the search in the query string (same parameters as /search)."""
    engine = get_engine()
    themes = engine.themes()
    req = search_request(request.args, {t.id for t, _ in themes})
    size = int_param(request.args, "per_page", FEED_SIZE, 1, MAX_FEED_SIZE)
    req = replace(req, sort="newest", per_page=size, facets=False)
    results = engine.search(req)
    g.engine_ms = results.took_ms
    modified = engine.modified
    query_string = request.query_string.decode("utf-8", "replace")
    return xml_response(
        "feed.xml",
        ATOM,
        req=req,
        results=results,
        labels={t.id: t.label for t, _ in themes},
        updated=modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
        atom_time=lambda date: atom_time(date, modified),
        page_url=request.host_url + "search" + (f"?{query_string}" if query_string else ""),
    )


@bp.get("/opensearch.xml")
@cacheable
def opensearch() -> Response:
    root = request.host_url.rstrip("/")
    return xml_response("opensearch.xml", "application/opensearchdescription+xml", root=root)
