"""The JSON API, version 1."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import NotFound

from .engine import get_engine
from .params import search_request

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _theme_ids() -> set[str]:
    return {theme.id for theme, _ in get_engine().themes()}


@bp.get("/search")
def search() -> Response:
    engine = get_engine()
    results = engine.search(search_request(request.args, _theme_ids()))
    return jsonify(results.to_dict())


@bp.get("/entries/<entry_id>")
def entry(entry_id: str) -> Response:
    found = get_engine().get_entry(entry_id)
    if found is None:
        raise NotFound(f"no entry with id {entry_id!r}")
    return jsonify(found.to_dict())
