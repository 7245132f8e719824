"""The web app: HTML pages for visitors and the JSON API, built by `create_app`."""

from __future__ import annotations

from flask import Flask

from search import safe_url

from .config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app from one settings object (defaults plus environment when not given)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["COOPSEARCH"] = settings
    app.json.sort_keys = False
    app.json.ensure_ascii = False
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    # Templates pass an entry's URL through this before making it a link (javascript: never).
    app.jinja_env.filters["safe_url"] = safe_url

    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 86400  # static URLs carry ?v=<fingerprint>
    app.config["MAX_CONTENT_LENGTH"] = 8 * 1024 * 1024  # 413 above; the largest body is an entry (4 MB)

    from . import (
        api,
        apidocs,
        auth,
        caching,
        collections_public,
        collections_staff,
        dashboard,
        db,
        embed,
        engine,
        entries_api,
        errors,
        feeds,
        formats,
        limits,
        pages,
        public_url,
        security,
        staff,
        themes_staff,
    )

    engine.init_app(app)
    db.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    public_url.init_app(app)  # before limits: ProxyFix must wrap it, so that it has the last word
    limits.init_app(app)  # before caching: a 304 counts too
    caching.init_app(app)
    security.init_app(app)
    formats.init_app(app)
    for blueprint in (
        pages.bp,
        api.bp,
        feeds.bp,
        apidocs.bp,
        auth.bp,
        staff.bp,
        dashboard.bp,
        collections_staff.bp,
        collections_public.bp,
        entries_api.bp,
        themes_staff.bp,
        embed.bp,
    ):
        app.register_blueprint(blueprint)
    _staff_links(app)
    return app


def _staff_links(app: Flask) -> None:
    """Sections of the staff area other than the dashboard, tokens and audit log, in menu order:
    (endpoint, label); a section's blueprint adds itself to `COOPSEARCH_STAFF_LINKS`."""
    app.config.setdefault("COOPSEARCH_STAFF_LINKS", [])

    @app.context_processor
    def staff_links() -> dict:
        return {"staff_links": app.config["COOPSEARCH_STAFF_LINKS"]}


__all__ = ["Settings", "create_app"]
