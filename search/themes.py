"""The library's themes, read from one TOML file that staff can edit.

The indexer copies the file into each index generation it builds, so the labels the engine
shows are always the ones the themes were assigned with.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from .models import Theme

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ThemesFileError(ValueError):
    """The themes file cannot be used; the message names the file and the theme."""


def load_themes(path: Path) -> dict[str, Theme]:
    """Themes by id, in file order."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ThemesFileError(f"{path}: cannot read the themes file ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ThemesFileError(f"{path}: not valid TOML ({exc})") from exc
    themes = {}
    for key, table in data.items():
        if not isinstance(table, dict) or not _ID_RE.match(key):
            raise ThemesFileError(
                f"{path}: [{key}] must be a table named with lowercase letters, digits and hyphens"
            )
        keywords = table.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise ThemesFileError(f"{path}: [{key}] keywords must be a list of strings")
        themes[key] = Theme(
            id=key,
            label=str(table.get("label", key.title())),
            description=str(table.get("description", "")),
            keywords=tuple(keywords),
        )
    return themes
