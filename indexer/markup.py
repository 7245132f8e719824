"""Entry bodies from Markdown to HTML that is safe to put in a page, once, when indexed.

The index stores each body's HTML beside its Markdown, so an entry page costs the same
whatever its body: markdown-it-py spends microseconds on every bracket or asterisk (100 KB of
"[" still take about half a second with the bound below), and that was paid on every visit.
Now it is paid once per change of the entry.

markdown-it-py's "js-default" preset escapes any raw HTML in the source and refuses
`javascript:`, `vbscript:`, `file:` and non-image `data:` links, so an entry cannot inject
script or markup. On top of that, headings move so that the body's highest becomes an h2 (the
entry's title is the page's only h1, and levels must not skip) and links to other sites are
marked `nofollow noopener`.

markdown-it looks for a link's closing bracket from every "[" on, walking the text after it
each time: 100 KB of "[" took 7 s to render, of "![" 15 s. The search for a closing bracket is
cut short where none can follow, and the characters it may walk over in one body are capped
(`LABEL_BUDGET`): past the cap, a "[" is text.
"""

from __future__ import annotations

from types import SimpleNamespace

from markdown_it import MarkdownIt
from markdown_it import helpers as md_helpers
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

#: Characters that looking for links' closing brackets may walk over in one body, all links
#: together: ordinary bodies use a few thousand (each link's text once), and the cap costs
#: some tens of milliseconds at most.
LABEL_BUDGET = 20_000
_BUDGET_KEY = "coopsearch_label_budget"


def _bounded_link_label(state: StateInline, start: int, disableNested: bool = False) -> int:  # noqa: N803
    """markdown-it's `parseLinkLabel` (the end of a link's text, or -1), within the body's budget."""
    if _last_close(state) <= start:
        return -1  # no closing bracket ahead: nothing to walk
    budget = state.env.get(_BUDGET_KEY, LABEL_BUDGET)
    if budget <= 0:
        return -1
    limit = state.posMax
    state.posMax = min(limit, start + budget)
    try:
        end = md_helpers.parseLinkLabel(state, start, disableNested)
    finally:
        state.posMax = limit
    state.env[_BUDGET_KEY] = budget - ((end if end >= 0 else min(limit, start + budget)) - start)
    return end


def _last_close(state: StateInline) -> int:
    """Where the last "]" before `state.posMax` is, found once per inline block and limit."""
    found = state.__dict__.setdefault("_coopsearch_last_close", {})
    if state.posMax not in found:
        found[state.posMax] = state.src.rfind("]", 0, state.posMax)
    return found[state.posMax]


_md = MarkdownIt("js-default").enable("table")
_md.helpers = SimpleNamespace(  # type: ignore[assignment]
    parseLinkLabel=_bounded_link_label,
    parseLinkDestination=md_helpers.parseLinkDestination,
    parseLinkTitle=md_helpers.parseLinkTitle,
)


def _demote_and_mark(tokens: list[Token], shift: int) -> None:
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + shift, 6)}"
        if token.type == "link_open" and str(token.attrGet("href") or "").startswith(("http:", "https:")):
            token.attrSet("rel", "nofollow noopener")
        if token.children:
            _demote_and_mark(token.children, shift)


def render_markdown(source: str) -> str:
    """The body as HTML, every piece of its text escaped."""
    tokens = _md.parse(source or "", {})
    levels = [int(t.tag[1]) for t in tokens if t.type == "heading_open"]
    _demote_and_mark(tokens, 2 - min(levels, default=2))
    return _md.renderer.render(tokens, _md.options, {})
