"""Entry bodies from Markdown to HTML that is safe to put in a page.

markdown-it-py's "js-default" preset escapes any raw HTML in the source and refuses
`javascript:`, `vbscript:`, `file:` and non-image `data:` links, so an entry cannot inject
script or markup. On top of that, headings move one level down (the entry's title is the
page's only h1) and links to other sites are marked `nofollow noopener`.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

_md = MarkdownIt("js-default").enable("table")


def _demote_and_mark(tokens: list[Token]) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"
        if token.type == "link_open" and str(token.attrGet("href") or "").startswith(("http:", "https:")):
            token.attrSet("rel", "nofollow noopener")
        if token.children:
            _demote_and_mark(token.children)


def render_markdown(source: str) -> Markup:
    """The body as HTML, every piece of its text escaped."""
    tokens = _md.parse(source or "")
    _demote_and_mark(tokens)
    return Markup(_md.renderer.render(tokens, _md.options, {}))
