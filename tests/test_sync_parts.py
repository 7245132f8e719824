"""The parts of the sync on their own: the sources file, ids, HTML to text, feeds and CSV read
from bytes, sitemaps, and the fetcher's limits and manners against the real local site."""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path

import pytest
from syncsite import Site, start_site

from indexer.csvsource import read_csv
from indexer.feeds import SUMMARY_CHARS, html_to_text, read_feed
from indexer.fetch import Fetcher, FetchError, FetchPolicy
from indexer.harvest import Harvest, SourceFailed
from indexer.ids import stable_id
from indexer.records import ID_RE
from indexer.sources import (
    CsvSource,
    FeedSource,
    FolderSource,
    PagesSource,
    SourcesFileError,
    csv_sources,
    parse_sources,
    read_sources_file,
)
from indexer.webpages import sitemap_pages


@pytest.fixture
def site(tmp_path: Path):
    site = start_site(tmp_path)
    yield site
    site.stop()


# -- the sources file ---------------------------------------------------------------------

URL = "https://example.org/rss"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"colours": {}}, "f: unknown key 'colours' (known: csv, feeds, fetch, folders, pages)"),
        ({"feeds": {"n": {}}}, "f: [feeds.n]: give either url or file"),
        ({"feeds": {"n": {"url": URL, "file": "x.rss"}}}, "f: [feeds.n]: give either url or file"),
        ({"feeds": {"n": {"url": "ftp://example.org/rss"}}}, "is not an http or https URL"),
        ({"feeds": {"bad name": {"url": URL}}}, "[feeds.bad name]: a name uses letters, digits"),
        (
            {"feeds": {"a": {"url": URL}}, "csv": {"a": {"file": "a.csv"}}},
            "another source already has the name 'a'",
        ),
        ({"feeds": {"n": {"url": URL, "id_from": "title"}}}, 'id_from = \'title\': use "guid" or "link"'),
        (
            {"feeds": {"n": {"url": URL, "categories": {"X": 3}}}},
            "categories.'X' must be a theme id or a list",
        ),
        ({"feeds": {"n": {"url": URL, "type": 4}}}, "[feeds.n]: type = 4: must be text"),
        ({"feeds": {"n": "https://example.org"}}, "f: [feeds.n] must be a table"),
        (
            {"csv": {"c": {"file": "c.csv", "columns": {"headline": "H"}}}},
            "columns.headline: not an entry field",
        ),
        ({"csv": {"c": {"file": "c.csv", "delimiter": ";;"}}}, "delimiter = ';;': one character"),
        ({"csv": {"c": {"file": "c.csv", "encoding": "klingon"}}}, "encoding = 'klingon': unknown encoding"),
        ({"pages": {"p": {}}}, "[pages.p]: give either sitemap or urls"),
        ({"pages": {"p": {"urls": "https://example.org/"}}}, "[pages.p]: urls must be a list of URLs"),
        ({"pages": {"p": {"urls": [URL], "max_pages": 0}}}, "max_pages = 0: must be a number, at least 1"),
        ({"folders": {"f": {}}}, "[folders.f]: path is missing"),
        ({"fetch": {"delay": -1}}, "f: [fetch]: delay = -1: must be a number, at least 0"),
        ({"fetch": {"timeout": "fast"}}, "[fetch]: timeout = 'fast': must be a number"),
        ({"fetch": {"proxy": "x"}}, "[fetch]: unknown key 'proxy'"),
        ({"fetch": {"max_crawl_delay": -5}}, "[fetch]: max_crawl_delay = -5: must be a number, at least 0"),
        ({"fetch": {"source_budget": 0}}, "[fetch]: source_budget = 0: must be a number, at least 1"),
    ],
)
def test_a_bad_sources_file_names_the_source_the_key_and_the_value(data, message):
    with pytest.raises(SourcesFileError) as caught:
        parse_sources(data, Path("/base"), "f")
    assert message in str(caught.value)


def test_a_sources_file_in_order_with_paths_from_its_folder(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(
        '[fetch]\ndelay = 2\nmax_crawl_delay = 10\nsource_budget = 120\ncontact = "mailto:web@example.org"\n'
        '[folders.corpus]\npath = "corpus"\n'
        '[feeds.news]\nfile = "news.xml"\ntype = "News"\n[feeds.news.categories]\n"Health Care " = "Health"\n'
        '[csv.export]\nurl = "https://example.org/e.csv"\n[csv.export.columns]\ntitle = "Headline"\n'
        '[pages.site]\nurls = ["https://example.org/a", "https://example.org/b"]\n',
        encoding="utf-8",
    )
    config = read_sources_file(path)
    fetch = config.fetch
    assert (fetch.delay, fetch.max_crawl_delay, fetch.source_budget) == (2.0, 10.0, 120.0)
    assert config.fetch.user_agent.endswith("(library search indexer; +mailto:web@example.org)")
    folder, feed, export, pages = config.sources  # the kinds' order in the file, not their names'
    assert folder == FolderSource("corpus", tmp_path / "corpus")
    assert feed == FeedSource(
        "news", None, tmp_path / "news.xml", "news", "guid", {"health care": ("health",)}
    )
    assert export.columns == {"title": "Headline"} and export.key == "csv:export"
    assert pages == PagesSource("site", None, ("https://example.org/a", "https://example.org/b"), None)
    assert config.only(("site",)).sources == (pages,)
    with pytest.raises(SourcesFileError, match="no source named 'nope'"):
        config.only(("nope",))


@pytest.mark.parametrize(
    ("text", "message"),
    [(None, "no such sources file"), ("[feeds\n", "not valid TOML"), (b"\xff\xfe", "cannot read")],
)
def test_an_unreadable_sources_file(tmp_path, text, message):
    path = tmp_path / "sources.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(SourcesFileError, match=message):
        read_sources_file(path)


def test_csv_sources_from_the_command_line():
    a, b, c = csv_sources(
        ("exports/Members 2024.csv", "https://example.org/dl/members.csv", "members.csv"), ("title=Headline",)
    )
    assert (a.name, a.file, a.columns) == (
        "Members-2024",
        Path("exports/Members 2024.csv"),
        {"title": "Headline"},
    )
    assert (b.name, b.url) == ("members", "https://example.org/dl/members.csv")
    assert c.name == "members-2"
    with pytest.raises(SourcesFileError, match="use FIELD=HEADER"):
        csv_sources(("a.csv",), ("headline=Headline",))


# -- ids --------------------------------------------------------------------------------------


def test_the_same_url_in_any_spelling_is_one_id():
    same = [
        "https://geo.coop/story/solar-co-op-2023",
        "http://geo.coop/story/solar-co-op-2023",
        "HTTPS://GEO.coop:443/story/solar-co-op-2023#comments",
    ]
    assert len({stable_id(u) for u in same}) == 1
    assert stable_id(same[0]).startswith("solar-co-op-2023-")
    assert stable_id(same[0]) != stable_id(same[0] + "?page=2") != stable_id("https://geo.coop/story/other")


@pytest.mark.parametrize(
    ("identifier", "start"),
    [
        ("geo-news-101", "geo-news-101-"),
        ("https://geo.coop/node/123", "node-123-"),
        ("https://geo.coop/", "geo-coop-"),
        ("urn:uuid:2f5c0b1e-0000-4000-8000-000000000000", "urn-uuid-2f5c0b1e-0000-4000-8000-000000000000-"),
        ("Coopérative d'énergie: «Soleil»", "cooperative-d-energie-soleil-"),
        ("!!!", "item-"),
        ("x" * 500, "x" * 48 + "-"),
        ("https://geo.coop/" + "long-words-" * 30, "long-words-long-words-long-words-long-words-"),
    ],
)
def test_ids_are_readable_and_url_safe(identifier, start):
    made = stable_id(identifier)
    assert made.startswith(start)
    assert ID_RE.match(made) and len(made) <= 60


# -- HTML to text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>One</p><p>Two &amp; three</p>", "One\n\nTwo & three"),
        ("Hi<script>alert('x')</script> <style>p{}</style>there", "Hi there"),
        ("<b onclick='x()'>bold</b> <a href='javascript:x'>link</a>", "bold link"),
        ("<ul><li>a</li><li>b</li></ul>", "- a\n- b"),
        ("line<br>break", "line\nbreak"),
        ("<p>unclosed <i>tags", "unclosed tags"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script>alert(1)</script>"),
        ("<!-- comment -->text<iframe src='x'>inside</iframe>", "text"),
        ("   ", ""),
    ],
)
def test_html_is_sanitized_to_text(html, text):
    assert html_to_text(html) == text


# -- feeds and CSV from bytes -------------------------------------------------------------------

FEED = FeedSource("f", "https://example.org/rss")


def rss(*items: str, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return (
        f'{declaration}\n<rss version="2.0"><channel><title>T</title>\n'
        + "\n".join(items)
        + "\n</channel></rss>"
    )


def item(guid: str, title: str, extra: str = "") -> str:
    return f'<item><title>{title}</title><guid isPermaLink="false">{guid}</guid>{extra}</item>'


def titles(harvest: Harvest) -> list[str]:
    return [entry.title for entry, _ in harvest.items]


def test_a_feed_in_utf16_with_a_byte_order_mark():
    raw = codecs.BOM_UTF16_LE + rss(
        item("a", "Café"), declaration='<?xml version="1.0" encoding="utf-16"?>'
    ).encode("utf-16-le")
    assert titles(read_feed(raw, "f.xml", FEED)) == ["Café"]


def test_the_http_charset_wins_over_the_xml_declaration():
    raw = rss(item("a", "Café coopératif")).encode("latin-1")
    harvest = read_feed(raw, "f.xml", FEED, http_charset="iso-8859-1")
    assert (titles(harvest), harvest.problems) == (["Café coopératif"], [])


def test_an_unknown_encoding_is_reported_and_read_as_utf8():
    raw = rss(item("a", "Café"), declaration='<?xml version="1.0" encoding="x-martian"?>').encode("utf-8")
    harvest = read_feed(raw, "f.xml", FEED)
    assert titles(harvest) == ["Café"]
    assert [str(p) for p in harvest.problems] == [
        "f.xml: line 1: unknown encoding 'x-martian'; read as UTF-8"
    ]


def test_a_document_that_is_not_a_feed_fails_the_source():
    with pytest.raises(SourceFailed, match="f.html: not an RSS or Atom feed"):
        read_feed(b"<html><body><p>Hello</p></body></html>", "f.html", FEED)


def test_ids_from_links_and_long_descriptions_become_the_body():
    long = "First sentence about the wind co-op. " + "More words about turbines and members. " * 20
    source = FeedSource("f", "https://example.org/rss", id_from="link")
    harvest = read_feed(
        rss(
            item(
                "g-1",
                "Wind",
                f"<link>https://example.org/wind</link><description>{long}</description>"
                "<pubDate>the day after tomorrow</pubDate>",
            )
        ).encode(),
        "f.xml",
        source,
    )
    ((entry, key),) = harvest.items
    assert (entry.id, key, entry.date) == (stable_id("https://example.org/wind"), "feed:f", None)
    assert entry.body == long.strip() and entry.summary.endswith(".") and len(entry.summary) <= SUMMARY_CHARS
    assert harvest.warnings == [
        "f.xml: line 3, item 1: date 'the day after tomorrow' not understood; indexed undated"
    ]


CSV = CsvSource("c", None, Path("c.csv"), {"title": "Headline", "id": "Ref"})


def test_csv_header_faults_fail_the_source():
    with pytest.raises(
        SourceFailed, match=r"c.csv: line 1: no column 'Headline' for title \(columns: Ref, Title\)"
    ):
        read_csv(b"Ref,Title\nA,B\n", "c.csv", CSV)
    with pytest.raises(SourceFailed, match="c.csv: line 1: no title column"):
        read_csv(b"id,name\n1,x\n", "c.csv", CsvSource("c"))
    with pytest.raises(SourceFailed, match="no id or url column"):
        read_csv(b"title\nx\n", "c.csv", CsvSource("c"))
    with pytest.raises(SourceFailed, match="empty; a CSV export starts with a header row"):
        read_csv(b"", "c.csv", CSV)


def test_csv_with_a_bom_another_delimiter_and_encoding():
    source = CsvSource("c", None, Path("c.csv"), delimiter=";", encoding="cp1252", list_separator="|")
    raw = "ID;TITLE;Authors;Date\n1;Café €;A | B;4 July 2024\n".encode("cp1252")
    ((entry, _),) = read_csv(raw, "c.csv", source).items
    assert (entry.id, entry.title, entry.authors, entry.date.isoformat()) == (
        "1",
        "Café €",
        ("A", "B"),
        "2024-07-04",
    )
    ((entry, _),) = read_csv(codecs.BOM_UTF8 + b"id,title\n1,x\n", "c.csv", CsvSource("c")).items
    assert entry.id == "1"


# -- sitemaps -------------------------------------------------------------------------------


def test_a_gzipped_sitemap_and_a_nested_index(site: Site):
    page = site.url("/pages/food-hub.html")
    urlset = (
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>{page}</loc></url></urlset>'
    )
    (site.root / "inner.xml.gz").write_bytes(gzip.compress(urlset.encode()))
    (site.root / "outer.xml").write_text(
        f"<sitemapindex><sitemap><loc>{site.url('/inner.xml.gz')}</loc></sitemap>"
        f"<sitemap><loc>{site.url('/outer.xml')}</loc></sitemap></sitemapindex>",
        encoding="utf-8",
    )
    harvest = Harvest()
    refs = sitemap_pages(site.url("/outer.xml"), Fetcher(FetchPolicy(delay=0)), harvest)
    assert [(r.url, r.listed) for r in refs] == [(page, f"{site.url('/inner.xml.gz')}:1")]
    assert (harvest.problems, harvest.complete) == ([], True)  # outer.xml listing itself is read once


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (
            '<!DOCTYPE x [<!ENTITY a "aaaa">]><urlset><url><loc>&a;</loc></url></urlset>',
            "line 1: a DOCTYPE is not allowed in a sitemap",
        ),
        ("<html><body>Not found</body></html>", "line 1: not a sitemap (<urlset> or <sitemapindex>)"),
        ("<urlset><url><loc>", "line 1: malformed XML (no element found)"),
    ],
)
def test_a_sitemap_that_cannot_be_read_fails_the_source(site: Site, document, message):
    (site.root / "bad.xml").write_text(document, encoding="utf-8")
    with pytest.raises(SourceFailed) as caught:
        sitemap_pages(site.url("/bad.xml"), Fetcher(FetchPolicy(delay=0)), Harvest())
    assert str(caught.value) == f"{site.url('/bad.xml')}: {message}"


# -- the fetcher ------------------------------------------------------------------------------


class Sleeps(list):
    """Records the pauses asked for, without waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_requests_to_one_host_are_spaced_by_the_delay(site: Site):
    sleeps = Sleeps()
    fetcher = Fetcher(FetchPolicy(delay=30), sleep=sleeps)  # asked for, not waited
    for page in ("food-hub.html", "board-meetings.html", "care-collective.html"):
        fetcher.get(site.url(f"/pages/{page}"))
    assert len(sleeps) == 3  # after robots.txt, and between the pages
    assert all(25 < s <= 30 for s in sleeps)
    other = site.url("/pages/food-hub.html").replace("127.0.0.1", "localhost")
    assert fetcher.get(other).status == 200
    assert len(sleeps) == 4  # another host: its robots.txt at once, then one pause before the page


def test_robots_txt_crawl_delay_is_honoured(site: Site):
    (site.root / "robots.txt").write_text(
        "User-agent: *\nCrawl-delay: 7\nDisallow: /private/\n", encoding="utf-8"
    )
    sleeps = Sleeps()
    fetcher = Fetcher(FetchPolicy(delay=0.5), sleep=sleeps)
    fetcher.get(site.url("/pages/food-hub.html"))
    assert len(sleeps) == 1 and 5 < sleeps[0] <= 7


def test_robots_txt_rules_for_the_service_by_name(site: Site):
    (site.root / "robots.txt").write_text(
        "User-agent: coopsearch-sync\nDisallow: /pages/board\n\nUser-agent: *\nDisallow: /\n",
        encoding="utf-8",
    )
    fetcher = Fetcher(FetchPolicy(delay=0))
    assert fetcher.get(site.url("/pages/food-hub.html")).status == 200
    with pytest.raises(FetchError, match="disallowed by the site's robots.txt"):
        fetcher.get(site.url("/pages/board-meetings.html"))


def test_robots_txt_missing_allows_all_and_failing_disallows_all(site: Site):
    (site.root / "robots.txt").unlink()
    assert Fetcher(FetchPolicy(delay=0)).get(site.url("/private/secret.html")).status == 200
    site.robots_status = 503
    with pytest.raises(FetchError, match="disallowed by the site's robots.txt"):
        Fetcher(FetchPolicy(delay=0)).get(site.url("/pages/food-hub.html"))


def test_redirects_are_followed_on_the_same_host_only_and_not_forever(site: Site):
    fetcher = Fetcher(FetchPolicy(delay=0))
    assert fetcher.get(site.url("/dyn/moved")).url == site.url("/pages/moved-target.html")
    with pytest.raises(FetchError, match="redirected to another host"):
        fetcher.get(site.url("/dyn/away"))
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetcher.get(site.url("/dyn/loop"))
    with pytest.raises(FetchError, match="/private/secret.html, which the site's robots.txt disallows"):
        fetcher.get(site.url("/dyn/to-private"))
    assert site.fetched("/private/secret.html") == []


def test_validators_give_304(site: Site):
    fetcher = Fetcher(FetchPolicy(delay=0))
    first = fetcher.get(site.url("/pages/food-hub.html"))
    again = fetcher.get(site.url("/pages/food-hub.html"), etag=first.headers["ETag"])
    assert (first.status, again.status, again.body) == (200, 304, b"")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://127.0.0.1/file", "only http and https URLs can be fetched"),
        ("http://127.0.0.1:9/nothing", "cannot connect"),
    ],
)
def test_urls_that_cannot_be_fetched(url, reason):
    with pytest.raises(FetchError, match=reason):
        Fetcher(FetchPolicy(delay=0, robots=False, timeout=2)).get(url)
