"""Security headers on every response, and which views other sites may read (CORS).

The Content-Security-Policy allows scripts and styles only from our own origin: no inline
script, no inline style, no `eval`. Entry text is escaped wherever it is shown, and this is
the second line of defence if a template ever forgets.

The data that anyone may GET (the read API, feeds, the OpenSearch description, the embed
script) answers cross-origin requests, so partner sites can call the API from their pages:
with `Access-Control-Allow-Origin: *`, or with the request's own Origin when
COOPSEARCH_CORS_ORIGINS lists it. Never with credentials: a cross-origin request carries no
cookie, so it always sees what an anonymous visitor sees. HTML pages are for people (other
sites link to them, and frame only /embed), so they send none; nor do staff pages, the login
form, the write API and static files. A plain GET needs no preflight; a preflight (OPTIONS)
for GET or HEAD on public data is answered, one for any other method is not.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

from .config import cors_origins

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)

#: Response headers a cross-origin script may read besides the always-readable ones.
EXPOSED = "ETag, Retry-After"
READ_METHODS = ("GET", "HEAD")
PREFLIGHT_MAX_AGE = 86400
#: Blueprints that are never public, whatever their views say: the login form is a staff page.
PRIVATE_BLUEPRINTS = frozenset({"auth"})
#: Public data, as opposed to pages: the API, and files named by their type.
DATA_PREFIX = "/api/"
DATA_SUFFIXES = (".js", ".json", ".atom", ".xml")


def public_view(endpoint: str | None) -> bool:
    """Whether anyone may GET this endpoint: not a static file, not the staff login, and not
    guarded by `staff_required` or `token_required` (both mark their view `staff_only`).
    tests/test_access.py proves every other view refuses anonymous requests."""
    if endpoint is None or endpoint == "static" or endpoint.split(".")[0] in PRIVATE_BLUEPRINTS:
        return False
    view = current_app.view_functions.get(endpoint)
    return view is not None and not getattr(view, "staff_only", False)


def public_data(endpoint: str | None, path: str) -> bool:
    """Whether other sites' scripts may read this: a public view of data, not an HTML page."""
    return public_view(endpoint) and (path.startswith(DATA_PREFIX) or path.endswith(DATA_SUFFIXES))


def _read_endpoint() -> str | None:
    """The endpoint this request reads: its own for a GET or HEAD; for a preflight, the one
    that the GET or HEAD it asks about would reach (the same URL may also have a write view)."""
    if request.method in READ_METHODS:
        return request.endpoint
    asked = request.headers.get("Access-Control-Request-Method", "").upper()
    if request.method != "OPTIONS" or asked not in READ_METHODS:
        return None
    try:
        endpoint, _ = current_app.url_map.bind_to_environ(request.environ).match(method=asked)
    except HTTPException:  # no such route for that method (or a redirect): nothing to allow
        return None
    return endpoint


def cors(response: Response) -> Response:
    if not public_data(_read_endpoint(), request.path):
        return response
    allowed = cors_origins(current_app.config["COOPSEARCH"].cors_origins)
    origin = "*"
    if allowed is not None:
        response.vary.add("Origin")  # the answer depends on who asks: caches must key on it
        origin = request.headers.get("Origin", "")
        if origin.lower().rstrip("/") not in allowed:
            return response
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = origin
    if request.method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = ", ".join(READ_METHODS)
        # Any request header but Authorization (which `*` never covers): conditional requests
        # with If-None-Match need one; there are no credentials to protect.
        headers["Access-Control-Allow-Headers"] = "*"
        headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
    else:
        headers["Access-Control-Expose-Headers"] = EXPOSED
    return response


def init_app(app: Flask) -> None:
    @app.after_request
    def secure(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        return cors(response)
