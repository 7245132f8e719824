"""Snippets read as prose: Markdown markup is dropped before the passage is chosen and marked."""

from __future__ import annotations

from search.highlight import plain_text, snippet


def test_markdown_markup_is_dropped_and_words_kept():
    source = (
        "## Training as retention\n\n**Advice for nurses** thinking about _this_? "
        "See [the guide](https://x.org).\n- item one\n1. first\n> quoted\n|---|---|\n"
    )
    assert plain_text(source).split() == (
        "Training as retention Advice for nurses thinking about this? See the guide. "
        "item one first quoted".split()
    )


def test_text_that_only_looks_like_markup_stays():
    assert plain_text("snake_case, 2*3*4 and a-b") == "snake_case, 2*3*4 and a-b"


def test_snippets_show_no_markdown():
    html = snippet("", "## Heading\n\n**Nurses** own the [agency](https://x.org).", {"nurs"})
    assert html == "Heading\n\n<mark>Nurses</mark> own the agency"
