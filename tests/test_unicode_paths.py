"""Hostile text from end to end: random Unicode (combining marks, ligatures, controls, lone
surrogates, Markdown brackets, script URLs) in entries, through indexing into a real index on
disk, then search, snippets, the entry page, the API and the feeds of the real app.

Whatever an entry holds, an indexing run reports a bad entry with its file and line and
indexes the rest; every page answers 200 (or a 400 for a query it cannot take), never a 500;
every feed is XML a strict parser reads; no link goes anywhere but http(s).
"""

from __future__ import annotations

import json
import os
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import TEST_RATE_LIMIT, build_index
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pagehtml import parse
from testdata import SYNONYMS, THEMES

import webui

CI = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: A word every generated entry holds, so that a search finds them all.
MARKER = "zephyrine"
#: The pieces that broke something once, or that break naive folding, XML or Markdown.
PIECES = st.sampled_from(
    [
        "\u0301",  # combining acute
        "\u0308",  # combining diaeresis
        "\u0327\u0301",
        "\ufb01",  # fi ligature
        "\ufb02",
        "\ufb03",  # ffi: one character, three letters
        "\u0132",  # IJ
        "\u01c4",  # DŽ
        "ß",
        "İ",  # lower() gives two characters
        "ﬁnance",
        "Cafe\u0301 \ufb01nance",
        "\x00",
        "\x01",
        "\x08",
        "\x0b",
        "\x0c",
        "\x1b",
        "\x7f",
        "\x85",
        "\x9f",
        "\ufffe",
        "\uffff",
        "\ud800",
        "\udfff",
        "\u200f",
        "\u202e",
        "[",
        "[[[[",
        "](",
        "[a](javascript:alert(1))",
        "![x](",
        "**",
        "_",
        "`",
        "# ",
        "\n",
        "\n\n## Heading\n",
        "<script>alert(1)</script>",
        "&amp;",
        "]]>",
        "finance",
        "co-op",
        " ",
    ]  # fmt: skip
)
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=25).map("".join)
URLS = st.sampled_from(
    ["", "https://example.org/a", "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:x",
     " javascript:x", "vbscript:x", "data:text/html,<b>x</b>", "http://example.org/\x0b", "//evil.example"]
)  # fmt: skip
ENTRY = st.fixed_dictionaries(
    {"title": TEXT, "summary": TEXT, "body": TEXT, "authors": st.lists(TEXT, max_size=2), "url": URLS}
)


@pytest.fixture
def library(tmp_path: Path):
    """An index folder, the JSON Lines file that feeds it, and the app serving it."""
    index_dir = tmp_path / "index"
    source = tmp_path / "entries.jsonl"
    source.write_text(json.dumps({"id": "seed", "title": f"Seed {MARKER}"}) + "\n")
    build_index(index_dir, [source], rebuild=True)
    app = webui.create_app(
        webui.Settings(
            index_dir=index_dir,
            synonyms_file=SYNONYMS,
            themes_file=THEMES,
            rate_limit=TEST_RATE_LIMIT,
            refresh_seconds=0,
            cache_size=0,
        )
    )
    return index_dir, source, app.test_client()


def write_entries(source: Path, entries: list[dict]) -> list[dict]:
    records = []
    for i, fields in enumerate(entries):
        record = {"id": f"e{i}", **fields, "title": f"{fields['title']} {MARKER}"}
        record["body"] = f"{fields['body']} {MARKER} {fields['title']}"
        records.append(record)
    # ensure_ascii: lone surrogates and controls travel as JSON escapes, as a CMS may send them.
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    return records


def assert_ok(response, allowed=(200,)) -> str:
    text = response.get_data(as_text=True)
    assert response.status_code in allowed, (response.status_code, text[:400])
    assert "Traceback" not in text
    return text


def assert_safe_links(html: str) -> None:
    for a in parse(html).find_all("a"):
        href = a.attrs.get("href", "")
        scheme = href.split(":", 1)[0].lower() if ":" in href.split("/", 1)[0] else ""
        assert scheme in ("", "http", "https", "mailto"), href


def assert_feed(text: str) -> None:
    root = ET.fromstring(text.encode("utf-8"))  # strict: one bad character and it raises
    for link in root.iter("{http://www.w3.org/2005/Atom}link"):
        href = link.attrib.get("href", "")
        assert href.startswith(("http://", "https://", "/")), href


#: Cases found by hand: folding that keeps the length while moving positions (a combining
#: accent before a ligature), a control character in a title, a script URL.
KNOWN = [
    {"title": "Cafe\u0301 \ufb01nance", "summary": "", "body": "\ufb01nance", "authors": [], "url": ""},
    {"title": "Vertical\u000btab", "summary": "", "body": "", "authors": [], "url": "JaVaScRiPt:alert(1)"},
    {"title": "[" * 50, "summary": "", "body": "[" * 5000, "authors": [], "url": "https://example.org/a"},
]


@CI
@given(st.lists(ENTRY, min_size=1, max_size=3))
@example(KNOWN)
def test_any_entry_text_indexes_searches_and_renders(library, entries):
    index_dir, source, client = library
    # Hypothesis seeds `random` the same way for every example, and Whoosh names segments with
    # it: without this, a second commit would reuse the first one's segment name.
    random.seed(os.urandom(16))
    records = write_entries(source, entries)
    report = build_index(index_dir, [source])
    for error in report.errors:  # refused entries are reported where they are, and why
        assert error.source == str(source) and error.field and error.reason
    refused = {error.line for error in report.errors}
    indexed = [r["id"] for n, r in enumerate(records, start=1) if n not in refused]

    found = client.get("/api/v1/search", query_string={"q": MARKER, "per_page": 10})
    body = json.loads(assert_ok(found))
    assert {h["id"] for h in body["hits"]} >= set(indexed)
    for hit in body["hits"]:
        assert hit["url"] is None or hit["url"].startswith(("http://", "https://")), hit["url"]
    assert_safe_links(assert_ok(client.get("/search", query_string={"q": MARKER})))
    assert_feed(assert_ok(client.get("/search.atom", query_string={"q": MARKER})))
    for entry_id in indexed:
        assert_safe_links(assert_ok(client.get(f"/entries/{entry_id}")))
        assert_ok(client.get(f"/api/v1/entries/{entry_id}"))
    for record in records:
        words = "".join(c for c in record["title"] if not 0xD800 <= ord(c) <= 0xDFFF)  # a URL can't
        assert_ok(client.get("/search", query_string={"q": words}), allowed=(200, 400))
        assert_ok(client.get("/api/v1/search", query_string={"q": words}), allowed=(200, 400))
        assert_feed(assert_ok(client.get("/search.atom", query_string={"q": f"finance {MARKER}"})))
