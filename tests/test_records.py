"""indexer/records.py: what `Entry` validation lets through from every source — only http(s)
links, no control characters, no lone surrogates, and a size limit per field — and that the
message names the field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer import Entry, InvalidEntry, read_source
from indexer.csvsource import read_csv
from indexer.records import LIMITS, MAX_ITEM, MAX_ITEMS
from indexer.sources import CsvSource

SCRIPT_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    " javascript:alert(1)",
    "\x01javascript:alert(1)",
    "\x00 javascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "//evil.example/x",
    "/entries/x",
    "http:/one-slash",
    "https://",
    "ftp://example.org/file",
]


def refused(data: dict) -> InvalidEntry:
    with pytest.raises(InvalidEntry) as caught:
        Entry.from_mapping({"id": "x", "title": "T", **data}, "feed.jsonl", 3)
    return caught.value


@pytest.mark.parametrize("url", SCRIPT_URLS)
def test_only_http_and_https_urls_are_accepted(url):
    error = refused({"url": url})
    assert error.field == "url"
    assert "not an http or https URL" in error.reason
    assert str(error).startswith("feed.jsonl:3: url: ")


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://example.org/a?b=1#c", "https://example.org/a?b=1#c"),
        ("  HTTP://Example.org/  ", "HTTP://Example.org/"),
        ("\x01https://example.org/\tpage", "https://example.org/page"),  # controls dropped, as browsers do
        ("", None),
    ],
)
def test_web_urls_are_kept(given, kept):
    assert Entry.from_mapping({"id": "x", "title": "T", "url": given}).url == kept


def test_control_characters_are_removed_and_bodies_and_summaries_keep_tabs_and_newlines():
    entry = Entry.from_mapping(
        {
            "id": "x",
            "title": "Wind\u000bPower\x00\nCo-op\x1b",
            "summary": "One\r\ntwo\x85three\x7f",
            "authors": ["Ana\u000cRuiz\x07"],
            "themes": ["energy\x08"],
            "type": "news\x9f",
            "body": "Line one\r\n\tLine two\rLine three\x0cpage\x00\ufffe",
        }
    )
    assert entry.title == "Wind Power Co-op"  # one line: a newline or tab in it becomes a space
    assert entry.summary == "One\ntwo three"
    assert entry.authors == ("Ana Ruiz",)
    assert entry.themes == ("energy",)
    assert entry.type == "news"
    assert entry.body == "Line one\n\tLine two\nLine three page"


@pytest.mark.parametrize("name", ["title", "summary", "body", "authors", "url"])
def test_a_lone_surrogate_is_refused_naming_the_field(name):
    # json.loads turns "\ud800" into a str that no UTF-8 writer (index, feed, page) can write.
    data = json.loads(json.dumps({"id": "x", "title": "T", name: "https://e.org/\ud800"}))
    error = refused(data)
    assert error.field == name
    assert "lone surrogate" in error.reason


def test_a_surrogate_pair_from_json_is_one_character():
    data = json.loads('{"id": "x", "title": "Wind \\ud83c\\udf2c"}')
    assert Entry.from_mapping(data).title == "Wind \U0001f32c"


@pytest.mark.parametrize(("name", "limit"), sorted(LIMITS.items()))
def test_each_text_field_has_a_limit_named_in_the_message(name, limit):
    prefix = "https://example.org/" if name == "url" else ""
    assert Entry.from_mapping({"id": "x", "title": "T", name: prefix + "a" * (limit - len(prefix))})
    error = refused({name: prefix + "a" * (limit + 1 - len(prefix))})
    assert error.field == name
    assert error.reason == f"is {limit + 1} characters; the limit is {limit}"


def test_the_limits_are_those_the_readme_states():
    assert (LIMITS["body"], LIMITS["title"], LIMITS["summary"]) == (200_000, 1_000, 10_000)
    assert (MAX_ITEMS, MAX_ITEM) == (100, 300)


@pytest.mark.parametrize("name", ["authors", "themes"])
def test_lists_are_bounded_in_items_and_item_length(name):
    assert Entry.from_mapping({"id": "x", "title": "T", name: [f"a{i}" for i in range(MAX_ITEMS)]})
    error = refused({name: [f"a{i}" for i in range(MAX_ITEMS + 1)]})
    assert (error.field, error.reason) == (name, f"has {MAX_ITEMS + 1} items; the limit is {MAX_ITEMS}")
    error = refused({name: ["ok", "b" * (MAX_ITEM + 1)]})
    too_long = f"item 2 is {MAX_ITEM + 1} characters; the limit is {MAX_ITEM}"
    assert (error.field, error.reason) == (name, too_long)


# -- the same checks reached through each file format ---------------------------------------


def test_json_lines_refuses_a_script_url_and_cleans_a_title(tmp_path: Path):
    path = tmp_path / "feed.jsonl"
    lines = [
        {"id": "bad", "title": "Bad", "url": "JaVaScRiPt:alert(document.cookie)"},
        {"id": "vt", "title": "Vertical\u000btab", "url": "https://example.org/vt"},
    ]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    error, entry = list(read_source(path))
    assert isinstance(error, InvalidEntry) and (error.line, error.field) == (1, "url")
    assert (entry.id, entry.title, entry.url) == ("vt", "Vertical tab", "https://example.org/vt")


def test_markdown_front_matter_refuses_a_script_url(tmp_path: Path):
    path = tmp_path / "note.md"
    path.write_text('---\ntitle: A note\nurl: "vbscript:msgbox(1)"\n---\nBody\n', encoding="utf-8")
    (error,) = list(read_source(path))
    assert isinstance(error, InvalidEntry) and error.field == "url"


def test_a_csv_cell_with_a_control_character_is_cleaned():
    raw = "id,title,url\n1,Wind\x0bPower,https://example.org/1\n2,Two,javascript:alert(1)\n"
    harvest = read_csv(raw.encode("utf-8"), "c.csv", CsvSource("c"))
    ((entry, _),) = harvest.items
    assert entry.title == "Wind Power"
    (problem,) = harvest.problems
    assert "url" in str(problem) and "http or https" in str(problem)
