"""One JSON error shape for the API, HTML error pages for the rest.

API errors are always `{"error": {"code", "message", "param"}}` with the matching status; no
traceback ever reaches a visitor.
"""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search import BadRequest, IndexUnavailable

from .params import BadParam


def error_body(code: str, message: str, param: str | None = None) -> dict:
    return {"error": {"code": code, "message": message, "param": param}}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _respond(status: int, code: str, message: str, param: str | None = None) -> Response:
    if _wants_json():
        response = jsonify(error_body(code, message, param))
    else:
        response = Response(
            render_template("error.html", status=status, message=message), mimetype="text/html"
        )
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(BadParam)
    def bad_param(exc: BadParam) -> Response:
        return _respond(400, "bad_parameter", exc.message, exc.param)

    @app.errorhandler(BadRequest)
    def bad_request(exc: BadRequest) -> Response:
        return _respond(400, "bad_parameter", exc.message, exc.param)

    @app.errorhandler(IndexUnavailable)
    def unavailable(exc: IndexUnavailable) -> Response:
        app.logger.error("index unavailable: %s", exc)
        response = _respond(
            503,
            "index_unavailable",
            "The library's index is not available right now; please try again shortly.",
        )
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = (exc.name or "error").lower().replace(" ", "_")
        return _respond(exc.code or 500, code, exc.description or exc.name)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        app.logger.exception("unexpected error")
        return _respond(500, "internal_error", "Something went wrong on our side; it has been logged.")
