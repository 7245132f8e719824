"""Markdown that staff write (collection descriptions) as HTML for a page.

Entry bodies are rendered when they are indexed (`indexer.render_markdown`, whose rules this
shares: raw HTML escaped, unsafe links refused, headings moved under the page's h1).
"""

from __future__ import annotations

from markupsafe import Markup

import indexer


def render_markdown(source: str) -> Markup:
    """The text as HTML that is safe to put in a page."""
    return Markup(indexer.render_markdown(source))
