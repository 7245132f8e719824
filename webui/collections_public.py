"""Published collections for visitors: the index, each collection's page, its Atom feed and JSON.

A collection's page is the search page confined to the collection: the same results, facets
and histogram partials, with every link kept under /collections/<slug>. Drafts and deleted
collections are 404, before any conditional check (a client holding validators from when the
collection was published gets the 404, not a 304). What these responses show depends on the
collection as well as on the index, so the collection's version goes into their ETag (see
`_identify`, which runs before the conditional-request check).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from flask import Blueprint, Response, g, jsonify, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from search import SearchRequest, SearchResults

from . import analytics, collections, links
from .caching import cacheable, mark_missing, private_when
from .db import get_db
from .engine import get_engine
from .feeds import ATOM, FEED_SIZE, MAX_FEED_SIZE, atom_time, xml_response
from .histogram import histogram
from .markup import render_markdown
from .pages import AUTHOR_FACET_SIZE, AUTHORS_SHOWN
from .params import int_param, search_request

bp = Blueprint("collections_public", __name__)


def within(req: SearchRequest, state: collections.State, args: MultiDict) -> SearchRequest:
    """The visitor's search (read from `args` as /search reads them) within the collection.
    Without a `sort` argument, the collection's saved sort applies."""
    sort = req.sort if args.get("sort", "").strip() else state.search.sort
    return replace(req, sort=sort, scope=state.scope())


def _search(slug: str, author_facet_size: int = 20) -> tuple[collections.Collection, SearchResults, list]:
    """Run the request's search in the collection. Parameters are read first, so a bad one
    is a 400 even where there is no collection (every documented parameter is always read)."""
    engine = get_engine()
    themes = engine.themes()
    req = search_request(request.args, {t.id for t, _ in themes}, author_facet_size=author_facet_size)
    collection = _published(slug)
    results = engine.search(within(req, collection.state, request.args))
    g.engine_ms = results.took_ms
    return collection, results, themes


class CollectionLinks:
    """`webui.links` for one collection's page: every URL stays under its path."""

    FILTER_PARAMS = links.FILTER_PARAMS

    def __init__(self, base: str, default_sort: str) -> None:
        self.base = base
        self.default_sort = default_sort

    def _here(self, url: str) -> str:
        return self.base + url.removeprefix("/search")

    def search_url(self, args: links.Args, path: str | None = None) -> str:
        return links.search_url(args, path or self.base)

    def with_args(self, args: links.Args, drop: tuple[str, ...] = (), **changes: str | None) -> str:
        if changes.get("sort", "") is None and self.default_sort != "relevance":
            changes["sort"] = "relevance"  # without sort=, the collection's own order applies
        return self._here(links.with_args(args, drop, **changes))

    def page_url(self, args: links.Args, page: int) -> str:
        return self._here(links.page_url(args, page))

    def toggle(self, args: links.Args, param: str, value: str) -> str:
        return self._here(links.toggle(args, param, value))

    def date_range(self, args: links.Args, start: str, end: str) -> str:
        return self._here(links.date_range(args, start, end))

    def without_filters(self, args: links.Args) -> str:
        return self._here(links.without_filters(args))

    def drop_filter(self, args: links.Args, param: str) -> str:
        return self._here(links.drop_filter(args, param))


def _updated(collection: collections.Collection) -> dt.datetime:
    return dt.datetime.strptime(collection.updated_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)


@bp.url_value_preprocessor
def _identify(endpoint: str | None, values: dict | None) -> None:
    """Find the collection before the conditional-request check, which then compares ETags
    that include its version (caching.py reads `g.etag_extra` and `g.modified_extra`)."""
    if values and "slug" in values:
        found = collections.get(get_db(), values["slug"])
        g.collection = found if found is not None and found.state.published else None
        if g.collection is None:
            mark_missing()  # the view still reads its parameters (a bad one is a 400), then 404s
            return
        g.etag_extra = g.collection.etag
        g.modified_extra = _updated(g.collection)
    elif endpoint == "collections_public.index":
        g.etag_extra = collections.stamp(get_db())


def _published(slug: str) -> collections.Collection:
    if g.get("collection") is None:
        raise NotFound(f"There is no published collection {slug!r}.")
    return g.collection


@bp.get("/collections")
@cacheable
def index() -> str:
    engine = get_engine()
    found = []
    for collection in collections.list_all(get_db(), published_only=True):
        req = SearchRequest(scope=collection.state.scope(), per_page=1, facets=False, snippets=False)
        found.append((collection, engine.search(req).total))
    labels = {t.id: t.label for t, _ in engine.themes()}
    return render_template("collections/index.html", found=found, theme_labels=labels)


@bp.get("/collections/<slug>")
@cacheable
def page(slug: str) -> str:
    collection, results, themes = _search(slug, AUTHOR_FACET_SIZE)
    req = results.request
    args = links.normalized(list(request.args.items(multi=True)))
    base = url_for("collections_public.page", slug=slug)
    return render_template(
        "collections/page.html",
        collection=collection,
        description=render_markdown(collection.state.description),
        req=req,
        results=results,
        args=args,
        keep=[(k, v) for k, v in args if k in links.FILTER_PARAMS or k in ("sort", "per_page")],
        links=CollectionLinks(base, collection.state.search.sort),
        base=base,
        theme_labels={t.id: t.label for t, _ in themes},
        popular=[],
        histogram=histogram(
            results.facets.get("years", ()),
            req.date_from.year if req.date_from else None,
            req.date_to.year if req.date_to else None,
        ),
        authors_shown=AUTHORS_SHOWN,
    )


@bp.get("/collections/<slug>.atom")
@cacheable
def feed(slug: str) -> Response:
    """The collection's newest entries (pinned ones in their date's place), with the visitor's
    search parameters if any."""
    engine = get_engine()
    themes = engine.themes()
    req = search_request(request.args, {t.id for t, _ in themes})
    size = int_param(request.args, "per_page", FEED_SIZE, 1, MAX_FEED_SIZE)
    collection = _published(slug)
    scope = collection.state.scope(pinned_first=False)
    results = engine.search(replace(req, sort="newest", per_page=size, facets=False, scope=scope))
    g.engine_ms = results.took_ms
    modified = max(engine.modified, _updated(collection))
    return xml_response(
        "collections/feed.xml",
        ATOM,
        collection=collection,
        results=results,
        labels={t.id: t.label for t, _ in themes},
        updated=modified.strftime("%Y-%m-%dT%H:%M:%SZ"),
        atom_time=lambda date: atom_time(date, modified),
        page_url=url_for("collections_public.page", slug=slug, _external=True),
    )


def collection_dict(collection: collections.Collection) -> dict:
    """A collection's public metadata, as the JSON API gives it."""
    state = collection.state
    return {
        "slug": state.slug,
        "title": state.title,
        "description": state.description,
        "description_html": str(render_markdown(state.description)),
        "themes": list(state.themes),
        "version": collection.version,
        "updated_at": collection.updated_at,
        "url": url_for("collections_public.page", slug=state.slug),
        "feed_url": url_for("collections_public.feed", slug=state.slug),
    }


@bp.get("/api/v1/collections/<slug>")
@cacheable
@private_when("analytics")
def api(slug: str) -> Response:
    collection, results, _ = _search(slug)
    recorded = analytics.track_api_search(results, collection=slug)  # analytics=1: a search made
    return jsonify({"collection": collection_dict(collection), "results": results.to_dict() | recorded})
