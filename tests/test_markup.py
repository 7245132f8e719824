"""Entry bodies: Markdown rendered, anything that could run or restyle the page escaped."""

from __future__ import annotations

import pytest

from webui.markup import render_markdown


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
