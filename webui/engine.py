"""The search engine as an app resource: one per worker process, opened on first use."""

from __future__ import annotations

import threading

from flask import Flask, current_app

from search import SearchEngine

from .config import Settings

_KEY = "coopsearch.engine"
#: App config key: open new index versions in a thread (set by `coopsearch serve`).
BACKGROUND_REFRESH = "COOPSEARCH_BACKGROUND_REFRESH"
#: A worker's threads may ask for the engine at once: only one may create it.
_CREATING = threading.Lock()


def get_engine() -> SearchEngine:
    """The worker's engine; it refreshes itself when the index changes."""
    engine = current_app.extensions.get(_KEY)
    if engine is None:
        with _CREATING:
            return current_app.extensions.get(_KEY) or _create()
    return engine


def _create() -> SearchEngine:
    settings: Settings = current_app.config["COOPSEARCH"]
    engine = SearchEngine(
        settings.index_dir,
        settings.synonyms_file,
        settings.refresh_seconds,
        settings.cache_size,
        background_refresh=current_app.config.get(BACKGROUND_REFRESH, False),
    )
    current_app.extensions[_KEY] = engine
    return engine


def init_app(app: Flask) -> None:
    app.extensions[_KEY] = None
