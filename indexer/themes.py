"""The themes an indexing run uses: the themes file, with staff edits laid over it.

Staff may change a theme's label, description and keywords without touching the file (the
edits live in the staff database and come in through `Curation.theme_edits`). Each index
generation keeps a copy of the themes it was built with, so the engine shows the labels the
themes were assigned with; when edits apply, that copy is written out as TOML.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from search.models import Theme
from search.themes import load_themes

from .autothemes import Keywords, compile_keywords


@dataclass
class Themes:
    """The themes in use, their compiled keywords, and whether edits changed the file's."""

    path: Path | None
    by_id: dict[str, Theme]
    keywords: list[Keywords]
    edited: bool = False

    @classmethod
    def load(cls, path: Path | None, edits: Mapping[str, Theme] | None = None) -> Themes:
        """The file's themes; an edit replaces a theme of the same id (others are ignored)."""
        by_id = load_themes(path) if path else {}
        changed = {key: theme for key, theme in (edits or {}).items() if key in by_id and by_id[key] != theme}
        by_id.update(changed)
        return cls(path, by_id, compile_keywords(by_id), bool(changed))

    def write(self, dest: Path) -> None:
        """Put these themes at `dest` (a generation's copy) in one atomic step."""
        tmp = dest.with_name(dest.name + ".tmp")
        if self.edited or self.path is None:
            tmp.write_text(themes_toml(self.by_id), encoding="utf-8")
        else:
            shutil.copyfile(self.path, tmp)
        os.replace(tmp, dest)

    def needs_writing(self, dest: Path) -> bool:
        """Whether `dest` may differ from these themes (edits, or another file than `dest`)."""
        if self.edited:
            return True
        return self.path is not None and self.path.resolve() != dest.resolve()


def themes_toml(themes: Mapping[str, Theme]) -> str:
    """Themes in the themes file's format; `search.themes.load_themes` reads them back as given."""
    lines = ["# Written by coopsearch: the themes file with the staff's edits applied."]
    for theme in themes.values():
        keywords = ", ".join(_toml_string(k) for k in theme.keywords)
        lines += [
            "",
            f"[{theme.id}]",
            f"label = {_toml_string(theme.label)}",
            f"description = {_toml_string(theme.description)}",
            f"keywords = [{keywords}]",
        ]
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    # A JSON string is a TOML basic string, except that TOML also wants DEL escaped.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
