"""The Atom feed of a search and the OpenSearch description, read back by real parsers."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import feedparser
import pytest

ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


def feed(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.content_type == "application/atom+xml; charset=utf-8"
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def test_feed_of_a_search_is_newest_first_with_the_same_filters(client):
    parsed = feed(client, "/search.atom?q=co-op&theme=energy&sort=relevance")
    ids = [e.link.rsplit("/", 1)[1] for e in parsed.entries]
    newest = client.get("/api/v1/search?q=co-op&theme=energy&sort=newest").get_json()["hits"]
    assert ids == [h["id"] for h in newest]
    assert parsed.feed.title == "Co-op Library Search: co-op · Energy"
    first = parsed.entries[0]
    assert first.title == "Wind Turbine Cooperative Pays Members"
    assert first.link == "http://localhost/entries/j-wind-turbine"
    assert first.published.startswith("2021-07-04T00:00:00")
    assert first.author == "Tom Okafor"
    assert [t.term for t in first.tags] == ["energy", "news"]
    assert first.content[0].type == "text/html"  # the snippet, matched words in <mark>
    raw = client.get("/search.atom?q=co-op&theme=energy").get_data(as_text=True)
    assert "wind &lt;mark&gt;cooperative&lt;/mark&gt; received" in raw
    alternate = [link.href for link in parsed.feed.links if link.rel == "alternate"]
    assert alternate == ["http://localhost/search?q=co-op&theme=energy&sort=relevance"]


def test_feed_size_and_undated_entries(client):
    parsed = feed(client, "/search.atom?per_page=50")
    assert len(parsed.entries) == 18
    undated = [e for e in parsed.entries if e.link.endswith("/entries/undated-grocery-notes")][0]
    assert "published" not in undated and undated.updated  # Atom requires <updated>
    assert len(feed(client, "/search.atom").entries) == 18
    assert len(feed(client, "/search.atom?per_page=3").entries) == 3


def test_feed_escapes_entry_text(client):
    raw = client.get("/search.atom?q=minutes+markup").get_data(as_text=True)
    assert "<script>" not in raw
    entry = feedparser.parse(raw).entries[0]
    assert entry.title == "Minutes Markup: <script> Tags in Board Minutes"


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/search.atom?per_page=500", "per_page"),
        ("/search.atom?theme=nope", "theme"),
        ("/search.atom?from=x", "from"),
    ],
)
def test_feed_bad_parameters_are_400(client, url, param):
    response = client.get(url)
    assert response.status_code == 400
    assert param in response.get_data(as_text=True)


def test_search_page_links_its_feed(client):
    html = client.get("/search?q=co-op&theme=energy").get_data(as_text=True)
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Feed of this search" '
        'href="/search.atom?q=co-op&amp;theme=energy">' in html
    )


def test_opensearch_description(client):
    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    assert response.content_type.startswith("application/opensearchdescription+xml")
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{OPENSEARCH}OpenSearchDescription"
    urls = {u.get("type"): u.get("template") for u in root.iter(f"{OPENSEARCH}Url")}
    assert urls["text/html"] == "http://localhost/search?q={searchTerms}"
    assert urls["application/atom+xml"] == "http://localhost/search.atom?q={searchTerms}"
    suggest = urls["application/x-suggestions+json"]
    assert suggest == "http://localhost/api/v1/suggest?format=opensearch&q={searchTerms}"
    assert len(root.find(f"{OPENSEARCH}ShortName").text) <= 16


def test_opensearch_suggestions_answer_what_browsers_expect(client):
    response = client.get("/api/v1/suggest?format=opensearch&q=turb")
    assert response.content_type == "application/x-suggestions+json"
    query, completions, descriptions, urls = response.get_json(force=True)
    assert query == "turb"
    assert completions[0] == "turbine"
    assert len(completions) == len(descriptions) == len(urls)
    assert any(u.startswith("http://localhost/entries/") for u in urls)
