"""Read the sample library that the entry generator learns from.

The sample corpus is written while the benchmark is, so every reader here tolerates missing
files, missing keys and malformed entries: it skips what it cannot use and says so on stderr,
instead of refusing to generate. Entries come back as plain dicts in the JSON Lines shape.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sys
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from dateutil import parser as date_parser

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT / "corpus"
FENCE = "---"


@dataclass(frozen=True)
class Sample:
    """What the generator learns from: entries, the declared themes, and a digest.

    The digest covers every file read, so a cache of generated entries notices when the
    sample library has grown since it was made.
    """

    entries: tuple[dict[str, Any], ...]
    theme_ids: tuple[str, ...]
    digest: str


def load_sample(corpus_dir: Path = DEFAULT_CORPUS) -> Sample:
    """Read entries/*.md, news.jsonl and themes.toml under `corpus_dir`, whichever exist."""
    digest = hashlib.sha256()
    entries = [*_markdown_entries(corpus_dir / "entries", digest)]
    entries += _news_entries(corpus_dir / "news.jsonl", digest)
    themes = _theme_ids(corpus_dir / "themes.toml", digest)
    return Sample(tuple(entries), themes, digest.hexdigest())


def _markdown_entries(folder: Path, digest: Any) -> Iterator[dict[str, Any]]:
    for path in sorted(folder.glob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        digest.update(path.name.encode() + text.encode())
        entry = parse_markdown_entry(text)
        if entry is None:
            _warn(f"{path}: no readable YAML front matter, skipped")
        else:
            yield entry


def parse_markdown_entry(text: str) -> dict[str, Any] | None:
    """Split `---` front matter from the body; None when there is no usable front matter."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != FENCE:
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
        meta = yaml.safe_load("\n".join(lines[1:end]))
    except (StopIteration, yaml.YAMLError):
        return None
    if not isinstance(meta, dict):
        return None
    return normalise({**meta, "body": "\n".join(lines[end + 1 :]).strip()})


def _news_entries(path: Path, digest: Any) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        digest.update(line.encode())
        try:
            raw = json.loads(line) if line.strip() else None
        except json.JSONDecodeError as exc:
            _warn(f"{path}:{number}: {exc.msg}, skipped")
            continue
        if isinstance(raw, dict):
            entries.append(normalise(raw))
    return entries


def _theme_ids(path: Path, digest: Any) -> tuple[str, ...]:
    if not path.exists():
        return ()
    data = path.read_bytes()
    digest.update(data)
    try:
        return tuple(tomllib.loads(data.decode("utf-8")))
    except tomllib.TOMLDecodeError as exc:
        _warn(f"{path}: {exc}, themes ignored")
        return ()


def normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """Coerce one raw entry to the JSON Lines shape: lists of strings, ISO date or none."""
    entry = {key: _text(raw.get(key)) for key in ("id", "title", "summary", "body", "type", "url")}
    entry["authors"] = _strings(raw.get("authors"))
    entry["date"] = iso_date(raw.get("date"))
    if raw.get("themes") is not None:
        entry["themes"] = _strings(raw["themes"])
    return entry


def iso_date(value: Any) -> str | None:
    """Return an ISO date for a YAML date, a year, or free text like 'March 3, 2016'."""
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    text = _text(value)
    if not text:
        return None
    if text.isdigit() and len(text) == 4:
        return f"{text}-01-01"
    try:
        return date_parser.parse(text, default=dt.datetime(2000, 1, 1)).date().isoformat()
    except (ValueError, OverflowError):
        return None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, Iterable):
        return []
    return [text for text in (_text(item) for item in value) if text]


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _warn(message: str) -> None:
    print(f"benchmarks: {message}", file=sys.stderr)
