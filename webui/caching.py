"""Conditional requests and cache headers for public pages and API responses.

What a public URL returns changes only when the index changes or the app is redeployed, so
its ETag is the index version plus a fingerprint of the app's templates and static files, and
its Last-Modified is when the index last changed. A request whose validators still match is
answered 304 before any search runs, unless what it names is gone (`mark_missing`: a 404
comes first) or it asks `If-None-Match: *` ("if it exists", which only the view knows).
Responses that are not the same for everyone (a recorded search with its per-request id, any
page seen by logged-in staff) are `private, no-store`, without validators. `Server-Timing`
tells a developer (and the benchmarks) how much of a request was the engine and how much the
app around it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TypeVar

from flask import Flask, Response, current_app, g, request, session

from .engine import get_engine

MAX_AGE = 60
F = TypeVar("F", bound=Callable)


def cacheable(view: F) -> F:
    """Mark a GET view as public and cacheable: same URL, same index, same response."""
    view.cacheable = True  # type: ignore[attr-defined]
    return view


def private(view: F) -> F:
    """Mark a view whose every response is private and never stored: it records the request
    (a search made) and carries a per-request id (the `ref=` of its result links), so a
    shared cache would hand one visitor's id to others and a 304 or a cached copy would go
    unrecorded."""
    view.private_when = ("*",)  # type: ignore[attr-defined]
    return view


def private_when(*params: str) -> Callable[[F], F]:
    """Mark a cacheable view whose response is private when the request sets any of `params`
    (to something other than 0): it records something (a search, an opened result) that a
    shared cache or a 304 would swallow, and it may hold a per-request id."""

    def mark(view: F) -> F:
        view.private_when = params  # type: ignore[attr-defined]
        return view

    return mark


def _private_request(view: Callable | None) -> bool:
    params = getattr(view, "private_when", ())
    return "*" in params or any(request.args.get(p, "0") not in ("", "0") for p in params)


def mark_missing() -> None:
    """Say, before the view runs (from a url_value_preprocessor), that what the URL names does
    not exist (for visitors): the view's 404 then comes before any conditional check, which
    would otherwise answer 304 to a client holding validators from when it did."""
    g.resource_missing = True


def _staff_request() -> bool:
    return bool(session.get("account_id"))


def fingerprint(package_dir: Path) -> str:
    """A short hash of the app's code version, templates and static files."""
    digest = hashlib.sha1()
    try:
        digest.update(version("coopsearch").encode())
    except PackageNotFoundError:
        pass
    for path in sorted(package_dir.glob("*/*")) + sorted(package_dir.glob("*.py")):
        if path.is_file() and path.suffix in (".py", ".html", ".xml", ".css", ".js", ".json", ".svg"):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _is_cacheable() -> bool:
    if request.method not in ("GET", "HEAD") or request.endpoint is None:
        return False
    if _staff_request():
        return False  # staff may see controls visitors do not: never share their pages
    view = current_app.view_functions.get(request.endpoint)
    return bool(getattr(view, "cacheable", False)) and not _private_request(view)


def _index_state() -> tuple[str, dt.datetime]:
    """The index version and its time, read once per request before the view runs: a worker
    that switches to a new version during the request then gives the page an older tag (the
    next request gets a 200) rather than a newer one (a cache would keep the old page as new)."""
    if "index_state" not in g:
        g.index_state = get_engine().state()
    return g.index_state


def _etag() -> str:
    tag = f"{_index_state()[0]}-{current_app.config['COOPSEARCH_FINGERPRINT']}"
    # A response that depends on more than the index (a collection's version) says so in
    # `g.etag_extra`, set by a url_value_preprocessor: those run before `start` below.
    extra = g.get("etag_extra")
    return f"{tag}-{extra}" if extra else tag


def _last_modified() -> dt.datetime:
    modified = _index_state()[1]
    extra = g.get("modified_extra")
    return max(modified, extra) if extra else modified


def _set_validators(response: Response) -> None:
    response.set_etag(_etag(), weak=True)
    response.last_modified = _last_modified()
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE


def _not_modified() -> Response | None:
    if not _is_cacheable() or g.get("resource_missing"):
        return None
    etag = _etag()
    if request.if_none_match:
        if request.if_none_match.star_tag:
            return None  # "*": 304 only if the view finds it exists (see `finish`)
        fresh = request.if_none_match.contains_weak(etag)
    elif request.if_modified_since:
        fresh = _last_modified() <= request.if_modified_since
    else:
        return None
    if not fresh:
        return None
    response = Response(status=304)
    _set_validators(response)
    return response


def _shared_by_none() -> bool:
    """Whether this response must never be stored or shared: a private request of a cacheable
    view, or any public view seen by logged-in staff (their pages carry a CSRF token)."""
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is None or not getattr(view, "cacheable", False):
        return False
    return _private_request(view) or _staff_request()


def init_app(app: Flask) -> None:
    app.config["COOPSEARCH_FINGERPRINT"] = fingerprint(Path(__file__).parent)

    @app.before_request
    def start() -> Response | None:
        g.started = time.perf_counter()
        if _is_cacheable():
            _index_state()
        return _not_modified()

    @app.after_request
    def finish(response: Response) -> Response:
        if response.status_code == 200 and _is_cacheable():
            _set_validators(response)
            if request.if_none_match.star_tag:  # it exists: the client asked to hear only if not
                response.make_conditional(request)
        elif _shared_by_none():
            response.headers["Cache-Control"] = "private, no-store"
        timings = []
        if "engine_ms" in g:
            timings.append(f"engine;dur={g.engine_ms:.2f}")
        if "started" in g:
            timings.append(f"app;dur={(time.perf_counter() - g.started) * 1000:.2f}")
        if timings:
            response.headers["Server-Timing"] = ", ".join(timings)
        return response
