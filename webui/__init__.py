"""The web app: HTML pages for visitors and the JSON API, built by `create_app`."""

from __future__ import annotations

from flask import Flask

from .config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from one settings object (defaults plus environment when not given)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["COOPSEARCH"] = settings
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    from . import api, engine, errors, pages

    engine.init_app(app)
    errors.init_app(app)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    return app


__all__ = ["Settings", "create_app"]
