"""Visitor pages: home, search and entry pages, server-rendered and whole without JavaScript."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, render_template, request
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from search import SearchRequest

from . import analytics, links
from .caching import cacheable, private, private_when
from .engine import get_engine
from .histogram import histogram
from .params import search_request

bp = Blueprint("pages", __name__)

#: The page lists this many authors, the first AUTHORS_SHOWN of them before "more".
AUTHOR_FACET_SIZE = 50
AUTHORS_SHOWN = 10
NEWEST_ON_HOME = 6
POPULAR_THEMES = 6


@bp.get("/")
@cacheable
def home() -> str:
    engine = get_engine()
    newest = engine.search(
        SearchRequest(sort="newest", per_page=NEWEST_ON_HOME, facets=False, snippets=False)
    )
    g.engine_ms = newest.took_ms
    return render_template("home.html", themes=engine.themes(), newest=newest, stats=engine.stats())


@bp.get("/search")
@cacheable
@private  # every load is a recorded search, and its result links carry that search's id
def search_page() -> str:
    engine = get_engine()
    themes = engine.themes()
    req = search_request(request.args, {t.id for t, _ in themes}, author_facet_size=AUTHOR_FACET_SIZE)
    results = engine.search(req)
    g.engine_ms = results.took_ms
    args = links.normalized(list(request.args.items(multi=True)))
    return render_template(
        "search.html",
        req=req,
        results=results,
        args=args,
        keep=[(k, v) for k, v in args if k in links.FILTER_PARAMS or k in ("sort", "per_page")],
        links=links,
        theme_labels={t.id: t.label for t, _ in themes},
        popular=sorted(themes, key=lambda tc: -tc[1])[:POPULAR_THEMES] if not results.total else [],
        histogram=histogram(
            results.facets.get("years", ()),
            req.date_from.year if req.date_from else None,
            req.date_to.year if req.date_to else None,
        ),
        authors_shown=AUTHORS_SHOWN,
        search_id=analytics.track_search(results, "page"),
    )


@bp.get("/entries/<entry_id>")
@cacheable
@private_when("ref")
def entry_page(entry_id: str) -> str:
    engine = get_engine()
    entry = engine.get_entry(entry_id)
    if entry is None:
        raise NotFound(f"There is no entry {entry_id!r} in the library.")
    labels = {t.id: t.label for t, _ in engine.themes()}
    analytics.track_click(request.args.get("ref"), entry.id)
    return render_template("entry.html", entry=entry, body=Markup(entry.body_html), theme_labels=labels)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it on documents without a <link rel=icon>, such as the Atom feed."""
    return current_app.send_static_file("icon.svg")
