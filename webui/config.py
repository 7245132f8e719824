"""Every setting of the service, declared once with its default, environment variable and help.

`Settings.from_env()` reads the environment; tests and the CLI pass overrides. A bad value
fails at start-up with a message naming the variable and the value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: Any
    help: str


SETTINGS = (
    Setting("index_dir", "COOPSEARCH_INDEX", "var/index", "Folder holding the index."),
    Setting(
        "themes_file",
        "COOPSEARCH_THEMES",
        "corpus/themes.toml",
        "Themes file (labels, descriptions, keywords) used when indexing.",
    ),
    Setting(
        "synonyms_file",
        "COOPSEARCH_SYNONYMS",
        "corpus/synonyms.txt",
        "Synonyms applied at query time; re-read when it changes. Empty: none.",
    ),
    Setting("host", "COOPSEARCH_HOST", "127.0.0.1", "Address `coopsearch serve` listens on."),
    Setting("port", "COOPSEARCH_PORT", 8000, "Port `coopsearch serve` listens on."),
    Setting("workers", "COOPSEARCH_WORKERS", 2, "gunicorn worker processes for `coopsearch serve`."),
    Setting(
        "refresh_seconds",
        "COOPSEARCH_REFRESH_SECONDS",
        1.0,
        "How often a worker checks for a new index version (seconds).",
    ),
    Setting("site_name", "COOPSEARCH_SITE_NAME", "Co-op Library Search", "Name shown on pages."),
    Setting(
        "db_file",
        "COOPSEARCH_DB",
        "",
        "SQLite file for staff accounts, tokens, collections, overrides, pushed entries and "
        "analytics; empty: staff.sqlite3 beside the index folder (var/staff.sqlite3).",
    ),
    Setting(
        "secret_key",
        "COOPSEARCH_SECRET_KEY",
        "",
        "Key that signs session cookies; empty: a random key kept in the database.",
    ),
    Setting(
        "analytics_days",
        "COOPSEARCH_ANALYTICS_DAYS",
        180,
        "How many days recorded searches are kept.",
    ),
)


class SettingsError(ValueError):
    """A setting with a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("var/index")
    themes_file: Path | None = Path("corpus/themes.toml")
    synonyms_file: Path | None = Path("corpus/synonyms.txt")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    refresh_seconds: float = 1.0
    site_name: str = "Co-op Library Search"
    db_file: Path | None = None
    secret_key: str = ""
    analytics_days: int = 180

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then environment variables, then explicit overrides (None = not given)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for s in SETTINGS:
            if s.env in env:
                values[s.name] = _convert(s, env[s.env])
        for name, value in overrides.items():
            if value is not None:
                values[name] = _convert(_setting(name), value)
        return replace(cls(), **values)

    @property
    def staff_db(self) -> Path:
        """The staff database: COOPSEARCH_DB, or beside the index so the two travel together."""
        return self.db_file or Path(self.index_dir).parent / "staff.sqlite3"

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _setting(name: str) -> Setting:
    for s in SETTINGS:
        if s.name == name:
            return s
    raise SettingsError(f"unknown setting {name!r}")


def _convert(s: Setting, raw: Any) -> Any:
    kind = type(s.default)
    try:
        if s.name.endswith(("_dir", "_file")):
            return Path(raw) if str(raw).strip() else None
        value = kind(raw)
    except (TypeError, ValueError):
        raise SettingsError(f"{s.env}={raw!r}: expected {kind.__name__} ({s.help})") from None
    if kind in (int, float) and value <= 0:
        raise SettingsError(f"{s.env}={raw!r}: must be greater than 0 ({s.help})")
    if s.name == "port" and value > 65535:
        raise SettingsError(f"{s.env}={raw!r}: a port is at most 65535")
    return value
