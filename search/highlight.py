"""Snippets: the passage of an entry that shows why it matched, HTML-escaped, words in <mark>."""

from __future__ import annotations

import re
from html import escape

from whoosh import highlight as wh

from .analysis import CoopAnalyzer

_ANALYZER = CoopAnalyzer()
SNIPPET_CHARS = 240


class _MarkFormatter(wh.HtmlFormatter):
    """Escapes everything and wraps matched words in a bare <mark>."""

    def __init__(self) -> None:
        super().__init__(tagname="mark", between=" … ")

    def format_token(self, text: str, token: object, replace: bool = False) -> str:
        return "<mark>" + escape(wh.get_text(text, token, replace), quote=False) + "</mark>"


#: Markdown syntax that means nothing in a one-line snippet: heading and quote markers, list
#: bullets, emphasis, code ticks, and link targets (the link text stays).
_MARKDOWN = [
    (re.compile(r"^\s{0,3}(?:#{1,6}|>+|[-*+]|\d+[.)])\s+", re.MULTILINE), ""),
    (re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)"), r"\1"),
    (re.compile(r"(\*\*|__|`+|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w))"), ""),
    (re.compile(r"^\s*(?:-{3,}|\*{3,}|\|?[-:| ]{3,}\|?)\s*$", re.MULTILINE), ""),
]


def plain_text(markdown: str) -> str:
    """The words of a Markdown body without its markup, for snippets."""
    for pattern, replacement in _MARKDOWN:
        markdown = pattern.sub(replacement, markdown)
    return markdown


def _marked(text: str, terms: set[str], top: int) -> str:
    if not text or not terms:
        return ""
    fragmenter = wh.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70)
    return wh.highlight(text, terms, _ANALYZER, fragmenter, _MarkFormatter(), top=top)


def _plain(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return escape(text, quote=False)


def snippet(summary: str, body: str, terms: set[str]) -> str:
    """The best marked passage of the body, else the marked summary, else the summary's start."""
    body = plain_text(body)
    from_body = _marked(body, terms, top=2)
    if from_body:
        return from_body
    from_summary = _marked(summary, terms, top=1)
    if from_summary:
        return from_summary
    return _plain(summary or body)


def mark(text: str, terms: set[str]) -> str:
    """The whole of a short text (a title) escaped, with matched words marked."""
    if not terms:
        return escape(text, quote=False)
    return wh.highlight(text, terms, _ANALYZER, wh.WholeFragmenter(), _MarkFormatter(), top=1) or escape(
        text, quote=False
    )
