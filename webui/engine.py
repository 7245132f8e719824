"""The search engine as an app resource: one per worker process, opened on first use."""

from __future__ import annotations

from flask import Flask, current_app

from search import SearchEngine

from .config import Settings

_KEY = "coopsearch.engine"


def get_engine() -> SearchEngine:
    """The worker's engine; it refreshes itself when the index changes."""
    engine = current_app.extensions.get(_KEY)
    if engine is None:
        settings: Settings = current_app.config["COOPSEARCH"]
        engine = SearchEngine(
            settings.index_dir, settings.synonyms_file, settings.refresh_seconds, settings.cache_size
        )
        current_app.extensions[_KEY] = engine
    return engine


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = None
