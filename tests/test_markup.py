"""Entry bodies: Markdown rendered when indexed, anything that could run or restyle the page escaped."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from indexer import render_markdown

CORPUS = Path(__file__).resolve().parent.parent / "corpus" / "entries"


def test_markdown_is_rendered():
    html = render_markdown("Some **bold** text.\n\n- one\n- two\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<strong>bold</strong>" in html
    assert "<ul>\n<li>one</li>" in html
    assert "<td>1</td>" in html


def test_the_highest_heading_of_the_body_becomes_h2_under_the_entry_title():
    assert render_markdown("# Top\n\n## Next\n\n###### Deepest") == (
        "<h2>Top</h2>\n<h3>Next</h3>\n<h6>Deepest</h6>\n"
    )
    # Most entries start their sections at ##: no level may be skipped after the page's h1.
    assert render_markdown("## Section\n\n### Sub") == "<h2>Section</h2>\n<h3>Sub</h3>\n"
    assert render_markdown("### Only") == "<h2>Only</h2>\n"


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "<a href='javascript:alert(1)'>x</a>",
        '<div style="position:fixed">cover</div>',
    ],
)
def test_raw_html_is_shown_as_text(source):
    html = render_markdown(f"Before {source} after")
    assert "<" + source[1:] not in html
    assert html.startswith("<p>Before &lt;")


@pytest.mark.parametrize(
    "href", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "vbscript:x", "data:text/html,x"]
)
def test_dangerous_link_targets_are_not_linked(href):
    assert "<a " not in render_markdown(f"[click]({href})")


def test_links_to_other_sites_are_nofollow_noopener():
    assert render_markdown("[site](https://example.org/a)") == (
        '<p><a href="https://example.org/a" rel="nofollow noopener">site</a></p>\n'
    )
    assert render_markdown("[entry](/entries/x)") == '<p><a href="/entries/x">entry</a></p>\n'


def test_empty_body():
    assert render_markdown("") == ""


#: 100 KB of the sample library's entries: headings, lists, links and emphasis.
LIBRARY_TEXT = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.md")))[:100_000]


def _seconds(source: str) -> float:
    start = time.perf_counter()
    render_markdown(source)
    return time.perf_counter() - start


@pytest.mark.parametrize("unit", ["[", "![", "[a]["])
def test_brackets_cost_about_what_prose_costs(unit):
    """100 KB of brackets that never make a link, rendered when indexed (a PUT, a sync): markdown-it
    looked for a closing bracket from every one of them and took 7 to 15 s, some 300 times as
    long as 100 KB of the library's entries. markdown-it-py spends more per bracket than per word whatever we
    do, so the bound is loose: a hundred times."""
    _seconds("[warm] up")
    prose = min(_seconds(LIBRARY_TEXT) for _ in range(3))
    brackets = _seconds(unit * (100_000 // len(unit)))
    assert brackets <= 100 * prose + 0.1, (prose, brackets)
