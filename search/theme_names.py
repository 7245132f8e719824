"""The words that name a theme: its id, its label and its keywords, as query terms.

A visitor who types "legal" means the law theme as much as the word: the theme's entries
that say "statute" or "court" instead are what they want. A word or phrase that two themes
share names neither.
"""

from __future__ import annotations

from .analysis import index_terms
from .models import Theme

Terms = tuple[str, ...]


class ThemeNames:
    """Query terms → the theme they name, for one snapshot's themes and entries."""

    def __init__(self, themes: dict[str, Theme]) -> None:
        self._named: dict[Terms, str] = {}
        for theme in themes.values():
            for text in (theme.id.replace("-", " "), theme.label, *theme.keywords):
                self._add(index_terms(text), theme.id)

    def _add(self, terms: list[str], theme: str) -> None:
        key = tuple(terms)
        if not key:
            return
        if self._named.get(key, theme) != theme:  # a word two themes share names neither
            self._named[key] = ""
            return
        self._named[key] = theme

    def get(self, key: Terms) -> str | None:
        return self._named.get(key) or None
