"""Every setting of the service, declared once with its default, environment variable and help.

`Settings.from_env()` reads the environment; tests and the CLI pass overrides. A bad value
fails at start-up with a message naming the variable and the value.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from limits import parse_many


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
    Setting(
        "base_url",
        "COOPSEARCH_BASE_URL",
        "",
        "The address visitors use, like https://library.example (scheme, host and port, no "
        "path): every absolute URL (feeds, OpenSearch, suggestions, embed snippets) is built "
        "from it, whatever the request's Host header says. Empty: they follow the request's Host.",
    ),
    Setting("host", "COOPSEARCH_HOST", "127.0.0.1", "Address `coopsearch serve` listens on."),
    Setting("port", "COOPSEARCH_PORT", 8000, "Port `coopsearch serve` listens on."),
    Setting("workers", "COOPSEARCH_WORKERS", 2, "gunicorn worker processes for `coopsearch serve`."),
    Setting(
        "threads",
        "COOPSEARCH_THREADS",
        8,
        "Threads per worker of `coopsearch serve`: requests a worker answers at once. A client "
        "holds one only while it sends a request (its headers within 10 s) and is answered.",
    ),
    Setting(
        "refresh_seconds",
        "COOPSEARCH_REFRESH_SECONDS",
        1.0,
        "How often a worker checks for a new index version (seconds).",
    ),
    Setting(
        "cache_size",
        "COOPSEARCH_CACHE_SIZE",
        1024,
        "Search results each worker keeps for repeated identical searches (0: none); a new "
        "index version or synonyms file makes older ones unusable.",
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
    Setting(
        "cors_origins",
        "COOPSEARCH_CORS_ORIGINS",
        "*",
        "Sites whose pages may read the public API and feeds from a browser (CORS): * for any, "
        "or origins separated by commas (https://partner.example); empty: none.",
    ),
    Setting(
        "rate_limit",
        "COOPSEARCH_RATE_LIMIT",
        "300/minute",
        "Requests one client address may make to public pages and the API, per worker process "
        "(Flask-Limiter syntax, e.g. 300/minute;5000/hour); off: no limit.",
    ),
    Setting(
        "rate_limit_storage",
        "COOPSEARCH_RATE_LIMIT_STORAGE",
        "memory://",
        "Where rate-limit counters live: memory:// (each worker counts on its own) or a "
        "storage the limits package supports, e.g. redis://host:6379 (with its client installed).",
    ),
    Setting(
        "proxies",
        "COOPSEARCH_PROXIES",
        0,
        "Reverse proxies in front of the app whose X-Forwarded-For, -Proto and -Host headers are "
        "trusted (Werkzeug ProxyFix); 0: the connecting address is the client.",
    ),
    Setting(
        "login_rate_limit",
        "COOPSEARCH_LOGIN_RATE_LIMIT",
        "10/minute",
        "Login attempts (POSTs to /staff/login) one client address may make, per worker process, "
        "besides the growing delays after failures (Flask-Limiter syntax); off: no limit.",
    ),
)


class SettingsError(ValueError):
    """A setting with a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    index_dir: Path = Path("var/index")
    themes_file: Path | None = Path("corpus/themes.toml")
    synonyms_file: Path | None = Path("corpus/synonyms.txt")
    base_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 8
    refresh_seconds: float = 1.0
    cache_size: int = 1024
    site_name: str = "Co-op Library Search"
    db_file: Path | None = None
    secret_key: str = ""
    analytics_days: int = 180
    cors_origins: str = "*"
    rate_limit: str = "300/minute"
    rate_limit_storage: str = "memory://"
    proxies: int = 0
    login_rate_limit: str = "10/minute"

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
    if s.name in _CHECKS:
        return _CHECKS[s.name](s, raw, value)
    if kind in (int, float) and value <= 0:
        raise SettingsError(f"{s.env}={raw!r}: must be greater than 0 ({s.help})")
    if s.name == "port" and value > 65535:
        raise SettingsError(f"{s.env}={raw!r}: a port is at most 65535")
    return value


def cors_origins(value: str) -> frozenset[str] | None:
    """The origins of COOPSEARCH_CORS_ORIGINS (lower-cased), or None for any origin (*)."""
    if value.strip() == "*":
        return None
    return frozenset(o.strip().lower().rstrip("/") for o in value.split(",") if o.strip())


_ORIGIN = re.compile(r"^https?://[a-z0-9.\-]+(:\d{1,5})?$|^https?://\[[0-9a-f:.]+\](:\d{1,5})?$")


def _check_origins(s: Setting, raw: Any, value: str) -> str:
    origins = cors_origins(value)
    for origin in sorted(origins or ()):
        if not _ORIGIN.match(origin):
            raise SettingsError(
                f"{s.env}={raw!r}: {origin!r} is not an origin like https://partner.example "
                "(scheme, host and port only, no path); use * for any"
            )
    return value.strip()


def _check_base_url(s: Setting, raw: Any, value: str) -> str:
    value = value.strip().lower().rstrip("/")
    if value and not _ORIGIN.match(value):
        raise SettingsError(
            f"{s.env}={raw!r}: expected the address visitors use, like https://library.example "
            "(scheme, host and port only, no path); empty: follow the request's Host"
        )
    return value


def _check_rate_limit(s: Setting, raw: Any, value: str) -> str:
    value = value.strip()
    if value.lower() == "off":
        return "off"
    try:
        if all(item.amount > 0 for item in parse_many(value)):
            return value
    except ValueError:
        pass
    raise SettingsError(f"{s.env}={raw!r}: expected off or limits like 300/minute or 10/second;5000/hour")


def _check_storage(s: Setting, raw: Any, value: str) -> str:
    if "://" not in value:
        raise SettingsError(f"{s.env}={raw!r}: expected a storage URI like memory:// or redis://host:6379")
    return value.strip()


def _check_cache_size(s: Setting, raw: Any, value: int) -> int:
    if not 0 <= value <= 1_000_000:
        raise SettingsError(f"{s.env}={raw!r}: expected a number of results from 0 (no cache) to 1000000")
    return value


def _check_threads(s: Setting, raw: Any, value: int) -> int:
    if not 1 <= value <= 256:
        raise SettingsError(f"{s.env}={raw!r}: expected a number of threads from 1 to 256")
    return value


def _check_proxies(s: Setting, raw: Any, value: int) -> int:
    if not 0 <= value <= 10:
        raise SettingsError(f"{s.env}={raw!r}: expected a number of proxies from 0 to 10")
    return value


_CHECKS = {
    "base_url": _check_base_url,
    "cors_origins": _check_origins,
    "rate_limit": _check_rate_limit,
    "login_rate_limit": _check_rate_limit,
    "rate_limit_storage": _check_storage,
    "proxies": _check_proxies,
    "threads": _check_threads,
    "cache_size": _check_cache_size,
}
