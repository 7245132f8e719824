"""The JSON API, version 1: search, entries, autocomplete and themes.

Its OpenAPI document is `webui/openapi.json`, served by `apidocs`; a test checks real responses
against it.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, g, jsonify, request
from werkzeug.exceptions import NotFound

from . import analytics
from .caching import cacheable, private_when
from .engine import get_engine
from .params import BadParam, int_param, search_request

bp = Blueprint("api", __name__, url_prefix="/api/v1")

SUGGEST_LIMIT = 8
MAX_SUGGEST_LIMIT = 20


def _theme_ids() -> set[str]:
    return {theme.id for theme, _ in get_engine().themes()}


@bp.get("/search")
@cacheable
@private_when("analytics")
def search() -> Response:
    results = get_engine().search(search_request(request.args, _theme_ids()))
    g.engine_ms = results.took_ms
    return jsonify(results.to_dict() | analytics.track_api_search(results))


@bp.get("/entries/<entry_id>")
@cacheable
def entry(entry_id: str) -> Response:
    found = get_engine().get_entry(entry_id)
    if found is None:
        raise NotFound(f"no entry with id {entry_id!r}")
    data = found.to_dict()
    data["related"] = data.pop("related")
    return jsonify(data)


@bp.get("/suggest")
@cacheable
def suggest() -> Response:
    """Autocomplete; `format=opensearch` gives the array browsers expect from a search engine."""
    text = request.args.get("q", "")
    limit = int_param(request.args, "limit", SUGGEST_LIMIT, 1, MAX_SUGGEST_LIMIT)
    style = request.args.get("format", "json")
    if style not in ("json", "opensearch"):
        raise BadParam("format", f"format must be json or opensearch, not {style[:40]!r}")
    completions = get_engine().complete(text, limit)
    if style == "opensearch":
        root = request.host_url.rstrip("/")
        urls = [f"{root}/entries/{c.id}" if c.id else "" for c in completions]
        body = [text, [c.text for c in completions], [""] * len(completions), urls]
        return Response(json.dumps(body, ensure_ascii=False), mimetype="application/x-suggestions+json")
    return jsonify({"query": text, "suggestions": [c.to_dict() for c in completions]})


@bp.get("/themes")
@cacheable
def themes() -> Response:
    return jsonify(
        {
            "themes": [
                {"id": t.id, "label": t.label, "description": t.description, "count": count}
                for t, count in get_engine().themes()
            ]
        }
    )
