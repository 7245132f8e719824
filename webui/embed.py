"""The library's search on other sites: the widget script, its iframe page and the embed builder.

- `GET /embed.js`: the widget (webui/static/embed.js), cacheable for an hour by anyone, since
  partner pages load it from a fixed URL.
- `GET /embed?theme=&collection=&placeholder=&label=` (`embed.frame`): a minimal page running
  the same widget, for sites that cannot add a script. It may be framed by any site: its own
  Content-Security-Policy says `frame-ancestors *` (security.py only sets the site-wide policy
  on responses that have none). A theme that does not exist is a 400, a collection that is
  not published a 404, both shown inside the frame so the site's editor sees why.
- `GET /embed/builder`: a public GET form (theme, published collection, placeholder, label,
  iframe size) that shows both snippets and a live preview; it works without JavaScript.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, url_for
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from . import collections
from .db import get_db
from .engine import get_engine

bp = Blueprint("embed", __name__)

SCRIPT_MAX_AGE = 3600
MAX_TEXT = 120
DEFAULT_WIDTH = "100%"
DEFAULT_HEIGHT = 400
MIN_HEIGHT, MAX_HEIGHT = 80, 2000
_WIDTH = re.compile(r"^(\d{2,4})(%?)$")

#: The iframe page's own policy: the site-wide one, but any site may frame it.
FRAME_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors *",
    )
)


class EmbedError(ValueError):
    """An embed option that cannot be used; `status` is 400 (bad value) or 404 (no such thing)."""

    def __init__(self, field: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Options:
    """What a site editor chooses: the scope, the texts and, for the iframe, its size."""

    theme: str = ""
    collection: str = ""
    placeholder: str = ""
    label: str = ""
    width: str = DEFAULT_WIDTH
    height: int = DEFAULT_HEIGHT

    def data_attributes(self) -> list[tuple[str, str]]:
        pairs = [("theme", self.theme), ("collection", self.collection)]
        pairs += [("placeholder", self.placeholder), ("label", self.label)]
        return [(f"data-{name}", value) for name, value in pairs if value]

    def frame_query(self) -> str:
        pairs = [("theme", self.theme), ("collection", self.collection)]
        pairs += [("placeholder", self.placeholder), ("label", self.label)]
        return urlencode([(name, value) for name, value in pairs if value])


def _text(args: MultiDict, name: str) -> str:
    value = " ".join(args.get(name, "").split())
    if len(value) > MAX_TEXT:
        raise EmbedError(name, f"{name} is longer than {MAX_TEXT} characters")
    return value


def _height(args: MultiDict) -> int:
    raw = args.get("height", "").strip().removesuffix("px") or str(DEFAULT_HEIGHT)
    if not raw.isdigit() or not MIN_HEIGHT <= int(raw) <= MAX_HEIGHT:
        raise EmbedError("height", f"the height must be a number of pixels from {MIN_HEIGHT} to {MAX_HEIGHT}")
    return int(raw)


def _width(args: MultiDict) -> str:
    raw = args.get("width", "").strip().removesuffix("px") or DEFAULT_WIDTH
    match = _WIDTH.match(raw)
    if not match or (match.group(2) and int(match.group(1)) > 100):
        raise EmbedError("width", "the width must be pixels (such as 600) or a percentage up to 100%")
    return raw


def _scope(args: MultiDict) -> tuple[str, collections.Collection | None]:
    """The theme (which must exist) and the collection (which must be published)."""
    theme = args.get("theme", "").strip()
    if theme and theme not in {t.id for t, _ in get_engine().themes()}:
        raise EmbedError("theme", f"The library has no theme {theme[:60]!r}.")
    slug = args.get("collection", "").strip()
    if not slug:
        return theme, None
    found = collections.get(get_db(), slug) if collections.SLUG.match(slug) else None
    if found is None or not found.state.published:
        raise EmbedError("collection", f"The library has no published collection {slug[:80]!r}.", 404)
    return theme, found


def read_options(args: MultiDict, sized: bool = False) -> tuple[Options, collections.Collection | None]:
    theme, collection = _scope(args)
    size = {"width": _width(args), "height": _height(args)} if sized else {}
    texts = {name: _text(args, name) for name in ("placeholder", "label")}
    return Options(theme, collection.slug if collection else "", **texts, **size), collection


def script_snippet(options: Options) -> str:
    """The two lines a site pastes: the script and one widget."""
    attrs = "".join(f' {name}="{escape(value)}"' for name, value in options.data_attributes())
    src = url_for("embed.script", _external=True)
    return f'<script src="{src}" async></script>\n<div data-coopsearch{attrs}></div>'


def frame_url(options: Options, external: bool = True) -> str:
    query = options.frame_query()
    return url_for("embed.frame", _external=external) + (f"?{query}" if query else "")


def frame_title(options: Options, scope_label: str) -> str:
    site = current_app.config["COOPSEARCH"].site_name
    return site + (f": {scope_label}" if scope_label else "")


def frame_snippet(options: Options, title: str) -> str:
    """The iframe for sites that cannot add a script (fixed height there; add the script too
    and it follows its content)."""
    return (
        f'<iframe data-coopsearch-frame src="{escape(frame_url(options))}" title="{escape(title)}" '
        f'width="{options.width}" height="{options.height}" loading="lazy"></iframe>'
    )


def _scope_label(options: Options, collection: collections.Collection | None) -> str:
    labels = {t.id: t.label for t, _ in get_engine().themes()}
    parts = [collection.state.title] if collection else []
    return ", ".join(parts + ([labels[options.theme]] if options.theme else []))


# -- views --------------------------------------------------------------------------------------


@bp.get("/embed.js")
def script() -> Response:
    response = current_app.send_static_file("embed.js")
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.cache_control.public = True
    response.cache_control.max_age = SCRIPT_MAX_AGE
    # Harmless for a script tag; lets pages that fetch it, or isolate themselves (COEP), use it.
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


@bp.get("/embed")
def frame() -> Response:
    try:
        options, collection = read_options(request.args)
    except EmbedError as exc:
        body = render_template("embed/frame.html", error=exc.message, options=Options(), title="")
        return _framable(Response(body, status=exc.status, mimetype="text/html"))
    scope = _scope_label(options, collection)
    label = options.label or "Search the library" + (f" ({scope})" if scope else "")
    title = frame_title(options, scope)
    body = render_template("embed/frame.html", error=None, options=options, title=title, label=label)
    return _framable(Response(body, mimetype="text/html"))


def _framable(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = FRAME_CSP
    return response


@bp.get("/embed/builder")
def builder() -> tuple[str, int]:
    error: EmbedError | None = None
    try:
        options, collection = read_options(request.args, sized=True)
    except EmbedError as exc:
        error, options, collection = exc, Options(), None
    title = frame_title(options, _scope_label(options, collection))
    body = render_template(
        "embed/builder.html",
        error=error,
        args=request.args,
        options=options,
        themes=[t for t, _ in get_engine().themes()],
        published=collections.list_all(get_db(), published_only=True),
        script_snippet=script_snippet(options),
        frame_snippet=frame_snippet(options, title),
        preview_src=frame_url(options, external=False),
        frame_title=title,
        min_height=MIN_HEIGHT,
        max_height=MAX_HEIGHT,
    )
    return body, 400 if error else 200
