"""Entry bodies from Markdown to HTML that is safe to put in a page.

markdown-it-py's "js-default" preset escapes any raw HTML in the source and refuses
`javascript:`, `vbscript:`, `file:` and non-image `data:` links, so an entry cannot inject
script or markup. On top of that, headings move so that the body's highest becomes an h2 (the
entry's title is the page's only h1, and levels must not skip) and links to other sites are
marked `nofollow noopener`.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

_md = MarkdownIt("js-default").enable("table")


def _demote_and_mark(tokens: list[Token], shift: int) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"
        if token.type == "link_open" and str(token.attrGet("href") or "").startswith(("http:", "https:")):
            token.attrSet("rel", "nofollow noopener")
        if token.children:
            _demote_and_mark(token.children, shift)


def render_markdown(source: str) -> Markup:
    """The body as HTML, every piece of its text escaped."""
    tokens = _md.parse(source or "")
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    _demote_and_mark(tokens, 2 - min(levels, default=2))
    return Markup(_md.renderer.render(tokens, _md.options, {}))
