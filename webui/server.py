"""Running the app under gunicorn, from `coopsearch serve`."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from . import create_app
from .config import Settings


class _Server(BaseApplication):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        super().__init__()

    def load_config(self) -> None:
        self.cfg.set("bind", f"{self.settings.host}:{self.settings.port}")
        self.cfg.set("workers", self.settings.workers)
        self.cfg.set("accesslog", "-")
        self.cfg.set("graceful_timeout", 20)

    def load(self):
        return create_app(self.settings)


def run(settings: Settings) -> None:
    """Serve until interrupted; SIGTERM lets in-flight requests finish."""
    _Server(settings).run()
