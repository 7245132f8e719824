"""Where an index lives on disk: the folder layout shared by the indexer and the engine.

An index folder holds generations, each a complete Whoosh index, and a `CURRENT` file naming
the one being served::

    INDEX/
      CURRENT         "gen-000004" (replaced atomically with os.replace)
      gen-000004/     Whoosh files, coopsearch.json (schema version, build time), themes.toml
      gen-000003/     the previous generation, kept for readers that still have it open
      .lock           held (flock) by the one process allowed to write

A rebuild writes a new generation beside the current one and only then points `CURRENT` at
it, so a crash halfway leaves the old one serving. Incremental updates commit into the current
generation; Whoosh's own commit is atomic.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import IndexUnavailable
from .schema import SCHEMA_VERSION

CURRENT = "CURRENT"
META = "coopsearch.json"
THEMES = "themes.toml"
GEN_PREFIX = "gen-"


def generation_name(number: int) -> str:
    return f"{GEN_PREFIX}{number:06d}"


def generations(root: Path) -> list[Path]:
    """Finished generation folders, oldest first."""
    if not root.is_dir():
        return []
    found = [
        p
        for p in root.iterdir()
        if p.is_dir() and p.name.startswith(GEN_PREFIX) and p.name[len(GEN_PREFIX) :].isdigit()
    ]
    return sorted(found, key=lambda p: p.name)


def current_generation(root: Path) -> Path:
    """The generation folder being served, or IndexUnavailable saying how to make one."""
    pointer = root / CURRENT
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexUnavailable(f"no index at {root}: run `coopsearch index SOURCE...` to build one") from None
    except (OSError, ValueError) as exc:  # ValueError: not text (a damaged file)
        raise IndexUnavailable(f"cannot read {pointer}: {exc}") from exc
    gen = root / name
    if not name.startswith(GEN_PREFIX) or not gen.is_dir():
        raise IndexUnavailable(
            f"{pointer} names {name!r}, which is not an index generation in {root}; "
            "run `coopsearch index --rebuild SOURCE...`"
        )
    return gen


def read_meta(gen: Path) -> dict:
    """The generation's metadata; refuses one built with another schema version."""
    try:
        meta = json.loads((gen / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexUnavailable(f"{gen} has no readable {META} ({exc}); rebuild the index") from exc
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise IndexUnavailable(
            f"the index at {gen} was built with schema version {meta.get('schema_version')}, "
            f"this coopsearch needs {SCHEMA_VERSION}: run `coopsearch index --rebuild SOURCE...`"
        )
    return meta


def modified_at(gen: Path) -> float:
    """When the generation last changed: the newest Whoosh table of contents (one per commit)."""
    tocs = [p.stat().st_mtime for p in gen.glob("*.toc")]
    return max(tocs) if tocs else (gen / META).stat().st_mtime


def write_meta(gen: Path, meta: dict) -> None:
    tmp = gen / (META + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2), encoding="utf-8")
    os.replace(tmp, gen / META)


def point_current(root: Path, gen: Path) -> None:
    """Switch readers to `gen` in one atomic step, durable across a power cut."""
    tmp = root / (CURRENT + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(gen.name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / CURRENT)
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
