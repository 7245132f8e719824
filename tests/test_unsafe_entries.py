"""Entries that run script or break XML, as an index written before validation tightened may
hold them: every renderer of an entry's URL (entry page, Atom feeds, JSON API) checks its
scheme with `search.safe_url`, and every feed stays well-formed XML (webui/feeds.py).

The index is real and on disk. The bad entries are `indexer.Entry` values built directly,
without `Entry.from_mapping`, and pushed through the indexer's public API: exactly what an
older version's validation let into the index.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from conftest import STAFF_EMAIL, TEST_RATE_LIMIT, build_index
from pagehtml import parse
from testdata import SYNONYMS, THEMES

import indexer
import search
import webui
from webui import collections
from webui.db import open_db

ATOM = "{http://www.w3.org/2005/Atom}"
#: What an older index may hold: a script URL and characters XML 1.0 forbids.
OLD = indexer.Entry(
    id="old-script",
    title="Old\u000bScript\x00 Entry",
    summary="Summary\x1b with escape\ufffe",
    body="Body \x01 text about wind",
    authors=("Ana\x08 Ruiz",),
    themes=("energy",),
    type="news",
    url="JaVaScRiPt:alert(document.domain)",
)
OTHERS = [
    indexer.Entry(id=f"old-{scheme}", title=f"Old {scheme} entry", themes=("energy",), url=url)
    for scheme, url in [
        ("tab", "java\tscript:alert(1)"),
        ("vbscript", "vbscript:msgbox(1)"),
        ("data", "data:text/html,<script>alert(1)</script>"),
        ("space", " javascript:alert(1)"),
    ]
]
GOOD = indexer.Entry(id="old-good", title="Good entry", themes=("energy",), url="https://example.org/good")
IDS = [OLD.id, GOOD.id, *(e.id for e in OTHERS)]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """An app over an index holding the bad entries, with a published collection of them,
    and a JSON Lines file whose title has a vertical tab (the way it arrives today)."""
    folder = tmp_path_factory.mktemp("unsafe")
    feed = folder / "feed.jsonl"
    feed.write_text(json.dumps({"id": "vt-title", "title": "Vertical\u000bTab", "themes": ["energy"]}) + "\n")
    curation = indexer.Curation(pushed=(OLD, GOOD, *OTHERS))
    report = build_index(folder / "index", [feed], rebuild=True, curation=curation)
    assert report.errors == [] and report.added == 2 + len(OTHERS) + 1
    settings = webui.Settings(
        index_dir=folder / "index",
        synonyms_file=SYNONYMS,
        themes_file=THEMES,
        db_file=folder / "staff.sqlite3",
        rate_limit=TEST_RATE_LIMIT,
    )
    conn = open_db(settings.staff_db)
    state = collections.State(title="Old", slug="old", published=True, pinned=tuple(IDS))
    collections.create(conn, state, STAFF_EMAIL, "created")
    conn.close()
    return webui.create_app(settings)


@pytest.fixture
def client(app):
    return app.test_client()


def strict_feed(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return ET.fromstring(response.get_data())  # raises on any character XML 1.0 forbids


def entries_of(root: ET.Element) -> dict[str, ET.Element]:
    return {e.find(f"{ATOM}id").text.rsplit("/", 1)[1]: e for e in root.iter(f"{ATOM}entry")}


def related(entry: ET.Element) -> list[str]:
    return [link.get("href") for link in entry.iter(f"{ATOM}link") if link.get("rel") == "related"]


@pytest.mark.parametrize("url", ["/search.atom?per_page=50", "/collections/old.atom?per_page=50"])
def test_feeds_are_well_formed_and_link_only_web_urls(client, url):
    entries = entries_of(strict_feed(client, url))
    assert set(IDS) <= set(entries)
    assert entries[OLD.id].find(f"{ATOM}title").text == "OldScript Entry"
    assert {i: related(e) for i, e in entries.items() if i in IDS} == {
        **{i: [] for i in IDS},
        GOOD.id: ["https://example.org/good"],
    }


def test_a_vertical_tab_from_json_lines_does_not_break_the_feed(client):
    entries = entries_of(strict_feed(client, "/search.atom?q=vertical"))
    assert entries["vt-title"].find(f"{ATOM}title").text == "Vertical Tab"


@pytest.mark.parametrize("entry_id", IDS[:1] + IDS[2:])
def test_the_entry_page_has_no_link_to_a_script_url(client, entry_id):
    response = client.get(f"/entries/{entry_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Read the original" not in html
    assert "script:" not in html.lower().replace("<script", "")  # no javascript:/vbscript: anywhere
    assert "data:text/html" not in html


def test_the_entry_page_links_a_web_url(client):
    page = parse(client.get(f"/entries/{GOOD.id}").get_data(as_text=True))
    assert page.find("p", "original").find("a").attrs["href"] == "https://example.org/good"


def test_the_api_gives_no_script_url(client):
    hits = client.get("/api/v1/search?per_page=50").get_json()["hits"]
    urls = {h["id"]: h["url"] for h in hits if h["id"] in IDS}
    assert urls == {**{i: None for i in IDS}, GOOD.id: "https://example.org/good"}
    assert client.get(f"/api/v1/entries/{OLD.id}").get_json()["url"] is None


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "java\tscript:alert(1)",
        "\x01https://example.org/",
        " https://example.org/",
        "https://example.org/\n",
        "vbscript:x",
        "data:text/html,x",
        "//example.org/",
        "https://",
        "https://[::1",
        None,
        "",
    ],
)
def test_safe_url_refuses_anything_but_a_clean_web_url(url):
    assert search.safe_url(url) is None


@pytest.mark.parametrize("url", ["http://example.org", "HTTPS://example.org/a b?c=d#e", "https://[::1]:8080/"])
def test_safe_url_keeps_web_urls_as_they_are(url):
    assert search.safe_url(url) == url


def test_xml_text_keeps_what_xml_allows():
    from webui.feeds import xml_text

    assert xml_text("a\tb\nc\r\x00\x0b\x1f\ud800\ufffe\uffff é \U0001f32c") == "a\tb\nc\r é \U0001f32c"
