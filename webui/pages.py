"""Visitor pages: the search page (also the home page) and entry pages, plain HTML."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template, request
from werkzeug.exceptions import NotFound

from search import SearchRequest

from .engine import get_engine
from .params import search_request

bp = Blueprint("pages", __name__)

#: Query-string parameter for each facet in results.
FACET_PARAMS = {"themes": "theme", "authors": "author", "types": "type"}


def url_with(args: list[tuple[str, str]], drop: tuple[str, ...] = (), **changes: str | None) -> str:
    """The search URL for the current arguments with some replaced or removed."""
    kept = [(k, v) for k, v in args if k not in changes and k not in drop and k != "page"]
    kept.extend((k, v) for k, v in changes.items() if v)
    return "/search?" + urlencode(kept)


def toggle_url(args: list[tuple[str, str]], param: str, value: str) -> str:
    """Add the facet value to the filters, or take it away if it is there."""
    pair = (param, value)
    kept = [a for a in args if a != pair and a[0] != "page"]
    if pair not in args:
        kept.append(pair)
    return "/search?" + urlencode(kept)


def year_url(args: list[tuple[str, str]], year: str) -> str:
    kept = [a for a in args if a[0] not in ("from", "to", "page")]
    return "/search?" + urlencode(kept + [("from", year), ("to", year)])


@bp.get("/")
@bp.get("/search")
def search_page() -> str:
    engine = get_engine()
    themes = engine.themes()
    req = search_request(request.args, {t.id for t, _ in themes})
    results = engine.search(req)
    newest = None
    if not request.args:
        newest = engine.search(SearchRequest(sort="newest", per_page=5, facets=False, snippets=False))
    args = list(request.args.items(multi=True))
    return render_template(
        "search.html",
        req=req,
        results=results,
        themes=themes,
        newest=newest,
        args=args,
        facet_params=FACET_PARAMS,
        toggle_url=toggle_url,
        url_with=url_with,
        year_url=year_url,
        theme_labels={t.id: t.label for t, _ in themes},
    )


@bp.get("/entries/<entry_id>")
def entry_page(entry_id: str) -> str:
    engine = get_engine()
    entry = engine.get_entry(entry_id)
    if entry is None:
        raise NotFound(f"There is no entry {entry_id!r} in the library.")
    paragraphs = [p.strip() for p in entry.body.split("\n\n") if p.strip()]
    labels = {t.id: t.label for t, _ in engine.themes()}
    return render_template("entry.html", entry=entry, paragraphs=paragraphs, theme_labels=labels)
