"""indexer/sync.py: every kind of source synced into a real index from a real HTTP server.

The site (tests/syncsite.py) serves a copy of tests/data/sources on 127.0.0.1: feeds good and
broken, a sitemap index with two sitemaps, pages good and broken, a CSV export, robots.txt,
and routes that fail on purpose. Counts are exact: they were worked out from those files.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from syncsite import Site, start_site, touch
from testdata import LIBRARY, THEMES

import indexer
from indexer.ids import stable_id
from indexer.sources import parse_sources

#: (added, updated, deleted, unchanged, failed) of the first sync, or the reason it failed.
FIRST = {
    "news": (4, 0, 0, 0, 0),
    "partners": (2, 0, 0, 0, 0),
    "broken": (3, 0, 0, 0, 4),
    "latin": (2, 0, 0, 0, 1),
    "down": "HTTP 500 Internal Server Error",
    "slow": "timed out after 0.3 s",
    "members": (4, 0, 0, 0, 4),
    "site": (6, 0, 0, 0, 13),
    "notes": (2, 0, 0, 0, 1),
}


@pytest.fixture
def site(tmp_path: Path):
    site = start_site(tmp_path)
    yield site
    site.stop()


def sync(site: Site, index_dir: Path, *only: str, **options) -> dict[str, indexer.SourceReport]:
    config = indexer.read_sources_file(site.sources)
    config = config.only(only) if only else config
    reports = indexer.sync_sources(index_dir, config, themes_file=THEMES, **options)
    return {r.name: r for r in reports}


def counts(report: indexer.SourceReport) -> tuple[int, ...] | str:
    if report.error:
        return report.error
    return (report.added, report.updated, report.deleted, report.unchanged, report.failed)


def outcome(reports: dict[str, indexer.SourceReport]) -> dict[str, tuple[int, ...] | str]:
    result = {}
    for name, report in reports.items():
        value = counts(report)
        expected = FIRST.get(name)
        if isinstance(value, str) and isinstance(expected, str) and expected in value:
            value = expected
        result[name] = value
    return result


def entries(index_dir: Path) -> dict[str, indexer.StoredEntry]:
    return {s.entry.id: s for s in indexer.stored_entries(index_dir)}


def ids_of(index_dir: Path, source_key: str) -> set[str]:
    return {i for i, s in entries(index_dir).items() if s.source == source_key}


def page_id(site: Site, name: str) -> str:
    return stable_id(site.url(f"/pages/{name}"))


# -- the first sync -------------------------------------------------------------------------


def test_the_first_sync_reads_every_source_and_reports_each(site, tmp_path):
    reports = sync(site, tmp_path / "index")
    assert outcome(reports) == FIRST
    stored = entries(tmp_path / "index")
    assert len(stored) == 4 + 2 + 3 + 2 + 4 + 6 + 2
    by_source = {}
    for s in stored.values():
        by_source.setdefault(s.source, set()).add(s.entry.id)
    assert len(by_source["feed:news"]) == 4 and len(by_source["pages:site"]) == 6
    folder = (site.root / "folder").resolve()
    assert {Path(k).parent for k in by_source if k.startswith("/")} == {folder}


def test_feed_items_become_entries_with_sanitized_text_and_mapped_themes(site, tmp_path):
    sync(site, tmp_path / "index", "news", "partners")
    stored = entries(tmp_path / "index")
    solar = stored[stable_id("geo-news-101")]
    assert solar.entry.title == "Solar co-op lights up the valley"
    assert solar.entry.url == site.url("/news/solar-valley")
    assert solar.entry.date.isoformat() == "2023-04-04"
    assert solar.entry.authors == ("Ana Ruiz",)
    assert solar.entry.type == "news"
    assert (solar.themes, solar.theme_source) == (("energy",), "curated")  # "Renewables" -> energy
    # HTML sanitized to text by nh3: the script went with its content, entities were decoded.
    assert solar.entry.summary == (
        "Members of Valley Power switched on forty rooftop arrays.\n\nSurplus goes to the grid & the school."
    )
    assert "alert" not in solar.entry.summary and "<" not in solar.entry.summary
    tenants = stored[stable_id("geo-news-104")]
    assert tenants.entry.authors == ("Lea Ortiz", "Sam Diaz")
    assert tenants.entry.summary == "Forty households formed a housing co-op."
    assert tenants.entry.body == (
        "How they did it\n\nThe tenants' union raised a loan from a community land trust.\n\n"
        "- Forty flats\n- One vote each\n\nThe landlord accepted their offer in December."
    )
    # No category mapped: themes assigned automatically from the keywords.
    bakery = stored[stable_id("geo-news-103")]
    assert (bakery.themes, bakery.theme_source) == (("food",), "auto")
    sociocracy = stored[stable_id("tag:example.org,2024:entry-1")]
    assert sociocracy.entry.title == "Sociocracy in practice"  # an Atom title of type html
    assert sociocracy.entry.summary == "How a board of twelve learned to decide by consent."
    grocery = stored[stable_id("tag:example.org,2024:entry-2")]
    assert grocery.entry.body == "The food co-op opened with 300 members.\n\nSales beat the plan by a third."


def test_bad_feed_items_are_reported_with_their_position_and_the_rest_is_read(site, tmp_path):
    reports = sync(site, tmp_path / "index", "broken", "latin")
    feed = site.url("/feeds/broken.rss")
    assert reports["broken"].problems == [
        f"{feed}: line 25: malformed XML (mismatched tag); the items around it were read leniently",
        f"{feed}: line 12, item 2: title: missing; every entry needs a title",
        f"{feed}: line 17, item 3: duplicate id {stable_id('broken-1')!r} "
        "(first read at line 6, item 1); skipped",
        f"{feed}: item 5: id: the item has no guid or link to identify it",
    ]
    latin = str(site.root / "feeds" / "latin1.rss")
    assert reports["latin"].problems == [f"{latin}: line 11, item 2: text that is not valid utf-8; skipped"]
    assert reports["latin"].warnings == [
        f"{latin}: line 12: not valid utf-8 text (byte 0xe9); the items holding such bytes are skipped"
    ]
    titles = {s.entry.title for s in entries(tmp_path / "index").values()}
    assert titles == {
        "Wind turbine co-op meets its members",
        "Grocery co-op opens a second store",
        "Electric co-op upgrades the grid",
        "Housing co-op elects a new board",
        "Café co-op, written in UTF-8",
    }


def test_csv_rows_follow_the_column_mapping_and_bad_rows_are_reported(site, tmp_path):
    reports = sync(site, tmp_path / "index", "members")
    csv_url = site.url("/exports/members.csv")
    assert reports["members"].problems == [
        f"{csv_url}: line 4: title: missing; every entry needs a title",
        f"{csv_url}: line 5: date: 'someday' is not a date python-dateutil can read "
        "(Unknown string format: someday)",
        f"{csv_url}: line 6: duplicate id 'M-2' (first read at line 3); skipped",
        f"{csv_url}: line 9: title: not valid utf-8 text",
    ]
    stored = entries(tmp_path / "index")
    bank = stored["M-1"].entry
    assert (bank.title, bank.date.isoformat(), bank.authors) == (
        "Mondragon's bank and its members",
        "2019-03",
        ("Lea Ortiz", "Sam Diaz"),
    )
    assert (bank.summary, bank.body, bank.type) == (
        "How the co-op bank lends to member co-ops.",
        "The bank was founded in 1959.",
        "report",
    )
    care = stored["M-6"]
    assert care.themes == ("health", "governance")
    assert care.entry.body == "First line of the text.\nSecond line of the text."
    assert stored[stable_id(site.url("/members/by-link"))].entry.title == "A row found by its link"


def test_pages_are_extracted_and_every_bad_page_is_reported(site, tmp_path):
    reports = sync(site, tmp_path / "index", "site")
    index_url, pages_map, more = (
        site.url(p) for p in ("/sitemap_index.xml", "/sitemap-pages.xml", "/sitemap-more.xml")
    )
    assert index_url  # the index lists the two sitemaps, which list the pages
    care = site.url("/pages/care-collective.html")
    assert reports["site"].problems == [
        f"{pages_map}: line 12: <url> without <loc>; skipped",
        f"{pages_map}: line 10: {care} is listed twice (first at {pages_map}:4)",
        f"{pages_map}: line 11: http://elsewhere.example/pages/other.html is on another host; skipped",
        f"{site.url('/pages/no-title.html')}: listed at {pages_map}:6: "
        "title: missing; every entry needs a title",
        f"{site.url('/pages/latin1.html')}: listed at {pages_map}:7: encoding: not valid utf-8 text, "
        "as declared (byte 0xe9 at line 5)",
        f"{site.url('/pages/no-charset.html')}: listed at {pages_map}:8: encoding: not valid utf-8 text, "
        "as assumed (none declared) (byte 0xe8 at line 4)",
        f"{site.url('/private/secret.html')}: listed at {pages_map}:9: disallowed by the site's robots.txt",
        f"{site.url('/dyn/500')}: listed at {more}:6: HTTP 500 Internal Server Error",
        f"{site.url('/dyn/slow')}: listed at {more}:7: timed out after 0.3 s",
        f"{site.url('/dyn/away')}: listed at {more}:8: redirected to another host "
        f"({site.url('/pages/food-hub.html').replace('127.0.0.1', 'localhost')}); not followed",
        f"{site.url('/dyn/huge')}: listed at {more}:9: over the size cap of 200000 bytes",
        f"{site.url('/dyn/huge-declared')}: listed at {more}:10: "
        "10000000 bytes, over the size cap of 200000 bytes",
        f"{site.url('/dyn/missing.html')}: listed at {more}:11: HTTP 404 Not Found",
    ]
    assert site.fetched("/private/secret.html") == []  # robots.txt said no
    stored = entries(tmp_path / "index")
    solar = stored[page_id(site, "solar-rooftops.html")]
    assert solar.entry.title == "Solar co-op rooftops"
    assert solar.entry.authors == ("Ana Ruiz",)
    assert solar.entry.date.isoformat() == "2023-06-16"
    assert solar.entry.summary == "Forty homes share one solar co-op."
    assert "Forty homes on Elm Street share the output" in solar.entry.body
    assert (solar.entry.type, solar.entry.url) == ("article", site.url("/pages/solar-rooftops.html"))
    assert stored[page_id(site, "care-collective.html")].entry.authors == ("Kofi Mensah", "Mira Holt")
    # A same-host redirect is followed; the id comes from the canonical URL of where it led.
    assert stored[page_id(site, "moved-target.html")].entry.title == "Where the moved page lives now"


def test_every_request_names_the_service_and_robots_txt_is_read_once(site, tmp_path):
    sync(site, tmp_path / "index", "news", "site")
    assert {r.user_agent for r in site.requests} == {
        f"coopsearch-sync/{indexer.fetch._version()} (library search indexer; +https://coopsearch.test/about)"
    }
    assert len(site.fetched("/robots.txt")) == 1


# -- the second sync applies exactly the changes --------------------------------------------


def change_everything(site: Site) -> None:
    """Edits to the served files; the comments say what each must do to the index."""
    news = "feeds/news.rss"
    site.edit(news, "Nurses form a home care co-op", "Nurses form a home care co-operative")  # updated
    text = (site.root / news).read_text(encoding="utf-8")
    start, end = text.index("<item>\n  <title>Bakery"), text.index("<item>\n  <title>Tenants")
    added = (
        '<item>\n  <title>A new wind co-op</title>\n  <guid isPermaLink="false">geo-news-105</guid>\n'
        "  <description>Two turbines on the ridge.</description>\n</item>\n"
    )
    (site.root / news).write_text(text[:start] + added + text[end:], encoding="utf-8")  # kept; added
    site.edit(
        "exports/members.csv", "Mondragon's bank and its members", "Mondragon's bank and all its members"
    )
    csv = (site.root / "exports/members.csv").read_text(encoding="latin-1")
    start, end = csv.index('M-6,"Care co-op'), csv.index("M-7,")
    csv = csv[:start] + csv[end:] + "M-8,A new row,2024,,,,,,\n"  # M-6 deleted, M-8 added
    (site.root / "exports/members.csv").write_text(csv, encoding="latin-1")
    site.edit(
        "sitemap-pages.xml",
        "  <url><loc>@BASE@/pages/housing-union.html</loc><lastmod>2023-03-09</lastmod></url>\n",
        "",
    )
    site.edit(
        "sitemap-pages.xml",
        "solar-rooftops.html</loc><lastmod>2024-01-10",
        "solar-rooftops.html</loc><lastmod>2024-02-01",
    )
    site.edit("pages/solar-rooftops.html", "Forty homes on Elm Street", "Forty-two homes on Elm Street")
    shutil.copy(site.root / "pages/food-hub.html", site.root / "pages/new-page.html")
    site.edit("pages/new-page.html", "The food hub", "A new page about the food hub")
    site.edit("pages/new-page.html", "pages/food-hub.html", "pages/new-page.html")
    site.edit(
        "sitemap-more.xml",
        "<url><loc>@BASE@/dyn/moved</loc></url>",
        "<url><loc>@BASE@/dyn/moved</loc></url>\n  <url><loc>@BASE@/pages/new-page.html</loc></url>",
    )
    (site.root / "folder/worker-owned-print-shop.md").unlink()  # deleted
    site.edit("folder/credit-union-history.md", "A short history", "A brief history")  # updated
    (site.root / "folder/new-note.md").write_text(
        "---\ntitle: A new note\n---\nMembers meet.\n", encoding="utf-8"
    )


def test_a_second_sync_applies_exactly_the_changes(site, tmp_path):
    index_dir = tmp_path / "index"
    sync(site, index_dir)
    before = entries(index_dir)
    change_everything(site)
    site.requests.clear()
    second = sync(site, index_dir)
    assert outcome(second) == {
        **FIRST,
        "news": (1, 1, 0, 2, 0),  # the item gone from the feed is kept
        "partners": (0, 0, 0, 2, 0),
        "broken": (0, 0, 0, 3, 4),
        "latin": (0, 0, 0, 2, 1),
        "members": (1, 1, 1, 2, 4),
        "site": (1, 1, 1, 4, 13),
        "notes": (1, 1, 1, 0, 1),
    }
    after = entries(index_dir)
    assert stable_id("geo-news-103") in after  # vanished from the feed, kept
    assert after[stable_id("geo-news-102")].entry.title == "Nurses form a home care co-operative"
    assert page_id(site, "housing-union.html") not in after  # vanished from the sitemap, removed
    assert "Forty-two homes" in after[page_id(site, "solar-rooftops.html")].entry.body
    assert "M-6" not in after and after["M-8"].entry.title == "A new row"
    assert "worker-owned-print-shop" not in after and after["credit-union-history"].entry.title.startswith(
        "A brief"
    )
    assert set(after) - set(before) == {
        stable_id("geo-news-105"),
        page_id(site, "new-page.html"),
        "M-8",
        "new-note",
    }
    # Pages whose lastmod did not change were not fetched; those without one were asked
    # conditionally (304); the changed one was fetched again.
    assert site.fetched("/pages/care-collective.html") == []
    assert [r.conditional for r in site.fetched("/pages/food-hub.html")] == [True]
    assert len(site.fetched("/pages/solar-rooftops.html")) == 1

    third = sync(site, index_dir)
    assert outcome(third) == {
        **FIRST,
        "news": (0, 0, 0, 4, 0),
        "partners": (0, 0, 0, 2, 0),
        "broken": (0, 0, 0, 3, 4),
        "latin": (0, 0, 0, 2, 1),
        "members": (0, 0, 0, 4, 4),
        "site": (0, 0, 0, 6, 13),
        "notes": (0, 0, 0, 2, 1),
    }
    assert entries(index_dir).keys() == after.keys()


def test_full_fetches_every_page_again(site, tmp_path):
    sync(site, tmp_path / "index", "site")
    site.requests.clear()
    again = sync(site, tmp_path / "index", "site", full=True)
    assert counts(again["site"]) == (0, 0, 0, 6, 13)
    assert [r.conditional for r in site.fetched("/pages/care-collective.html")] == [False]


# -- a failed sync never deletes -------------------------------------------------------------


def test_a_source_that_fails_keeps_what_the_index_had_from_it(site, tmp_path):
    index_dir = tmp_path / "index"
    sync(site, index_dir, "site", "members", "notes")
    had = {key: ids_of(index_dir, key) for key in ("pages:site", "csv:members")}
    (site.root / "sitemap_index.xml").unlink()
    (site.root / "exports/members.csv").unlink()
    shutil.rmtree(site.root / "folder")
    reports = sync(site, index_dir, "site", "members", "notes")
    assert reports["site"].error == f"{site.url('/sitemap_index.xml')}: HTTP 404 Not Found"
    assert reports["members"].error == f"{site.url('/exports/members.csv')}: HTTP 404 Not Found"
    assert reports["notes"].error == f"{site.root / 'folder'}: no such file or folder"
    assert {key: ids_of(index_dir, key) for key in had} == had
    assert {"credit-union-history", "worker-owned-print-shop"} <= entries(index_dir).keys()


def test_a_first_source_that_brings_nothing_in_does_not_stop_the_next(site, tmp_path):
    # A new index whose first source is skipped (every page failing, here) is left with no
    # entries at all; the sources after it still sync into it.
    index_dir = tmp_path / "index"
    config = parse_sources(
        {
            "fetch": {"delay": 0},
            "pages": {"down": {"urls": [site.url("/dyn/500")]}},
            "folders": {"notes": {"path": str(site.root / "folder")}},
        },
        tmp_path,
        "sources",
    )
    reports = indexer.sync_sources(index_dir, config, themes_file=THEMES)
    assert [counts(r) for r in reports] == [(0, 0, 0, 0, 1), (2, 0, 0, 0, 1)]


def test_part_of_a_sitemap_failing_deletes_nothing(site, tmp_path):
    index_dir = tmp_path / "index"
    sync(site, index_dir, "site")
    had = ids_of(index_dir, "pages:site")
    site.edit(
        "sitemap-pages.xml",
        "<url><loc>@BASE@/pages/housing-union.html</loc>",
        "<url><loc>@BASE@/pages/gone.html</loc>",
    )
    (site.root / "sitemap-more.xml").write_text("<urlset><url><loc>truncated", encoding="utf-8")
    reports = sync(site, index_dir, "site")
    more = site.url("/sitemap-more.xml")
    assert f"{more}: line 1: malformed XML (no element found)" in reports["site"].problems
    assert reports["site"].deleted == 0
    assert ids_of(index_dir, "pages:site") == had  # housing-union left the sitemap, but is kept


def test_a_page_or_file_that_breaks_keeps_its_entry(site, tmp_path):
    index_dir = tmp_path / "index"
    sync(site, index_dir, "site", "notes")
    (site.root / "pages/board-meetings.html").unlink()
    site.edit("folder/credit-union-history.md", "title: A short history", "title: [broken")
    reports = sync(site, index_dir, "site", "notes")
    assert counts(reports["site"]) == (0, 0, 0, 5, 14)
    assert counts(reports["notes"]) == (0, 0, 0, 1, 2)
    assert page_id(site, "board-meetings.html") in entries(index_dir)
    assert "credit-union-history" in entries(index_dir)


def test_a_rebuilt_index_gets_the_pages_back_though_their_lastmod_is_the_same(site, tmp_path):
    index_dir = tmp_path / "index"
    sync(site, index_dir, "site")
    indexer.index_sources(index_dir, [LIBRARY], rebuild=True, themes_file=THEMES)
    assert ids_of(index_dir, "pages:site") == set()
    again = sync(site, index_dir, "site")
    assert counts(again["site"]) == (6, 0, 0, 0, 13)
    assert len(entries(index_dir)) == 18 + 6  # the library's entries are left alone


# -- sources side by side ---------------------------------------------------------------------


def test_one_item_in_two_sources_is_one_entry(site, tmp_path):
    (site.root / "both.csv").write_text(
        f"title,url\nThe food hub (from the CSV),{site.url('/pages/food-hub.html')}\n", encoding="utf-8"
    )
    sources = tmp_path / "both.toml"
    sources.write_text(
        f'[csv.first]\nfile = "{site.root / "both.csv"}"\n'
        f'[pages.second]\nurls = ["{site.url("/pages/food-hub.html")}"]\n'
        "[fetch]\ndelay = 0.0\n",
        encoding="utf-8",
    )
    reports = indexer.sync_sources(tmp_path / "index", indexer.read_sources_file(sources), themes_file=THEMES)
    food = page_id(site, "food-hub.html")
    assert [counts(r) for r in reports] == [(1, 0, 0, 0, 0), (0, 0, 0, 0, 1)]
    assert reports[1].problems == [
        f"{site.url('/pages/food-hub.html')}: duplicate: {food!r} is already indexed from csv:first"
    ]
    assert entries(tmp_path / "index")[food].entry.title == "The food hub (from the CSV)"


def test_sources_never_delete_each_others_entries(site, tmp_path):
    index_dir = tmp_path / "index"
    indexer.index_sources(index_dir, [LIBRARY], themes_file=THEMES)
    sync(site, index_dir, "site", "notes")
    (site.root / "sitemap-pages.xml").write_text(
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>', encoding="utf-8"
    )
    touch(site.root / "sitemap-pages.xml")
    reports = sync(site, index_dir, "site", "notes")
    assert counts(reports["site"]) == (0, 0, 3, 3, 6)  # its three pages of sitemap-pages.xml went
    assert counts(reports["notes"]) == (0, 0, 0, 2, 1)
    assert len(ids_of(index_dir, "pages:site")) == 3
    assert len(entries(index_dir)) == 18 + 3 + 2


def test_staff_choices_are_kept_for_synced_entries(site, tmp_path):
    index_dir = tmp_path / "index"
    solar, nurses = stable_id("geo-news-101"), stable_id("geo-news-102")
    pushed = indexer.Entry.from_mapping({"id": nurses, "title": "Pushed by the CMS", "themes": ["food"]})
    staff = indexer.Curation(pushed=(pushed,), overrides={solar: ("housing",)})
    reports = sync(site, index_dir, "news", curation=lambda: staff)
    assert counts(reports["news"]) == (3, 0, 0, 0, 0)
    assert reports["news"].warnings == [
        f"{site.url('/feeds/news.rss')}:16: {nurses!r} is an entry pushed through the API, "
        "which is kept in its place"
    ]
    stored = entries(index_dir)
    assert (stored[solar].themes, stored[solar].theme_source) == (("housing",), "curated")
    assert (stored[nurses].source, stored[nurses].entry.title) == ("api", "Pushed by the CMS")
    again = sync(site, index_dir, "news", curation=lambda: staff)
    assert counts(again["news"]) == (0, 0, 0, 3, 0)
