"""The visitor pages without JavaScript: home, search (facets, chips, histogram, pages, help
when nothing is found) and entry pages, through the real app on the test library."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from conftest import build_index
from pagehtml import href_parts, parse
from testdata import ALL_IDS, THEME_LABELS, THEMES

import webui


def page(client, url: str):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.content_type == "text/html; charset=utf-8"
    return parse(response.get_data(as_text=True))


def api(client, url: str) -> dict:
    return client.get("/api/v1/search" + url[len("/search") :]).get_json()


# -- every page --------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/search", "/search?q=nurse", "/entries/esop-buyout", "/api"])
def test_every_page_has_language_skip_link_landmarks_and_no_inline_script(client, url):
    doc = page(client, url)
    assert doc.find("html").attrs["lang"] == "en"
    skip = doc.find("a", cls="skip")
    assert skip.attrs["href"] == "#main"
    assert doc.find("main", id_="main")
    assert doc.find("header") and doc.find("footer")
    assert len(doc.find_all("h1")) == 1
    scripts = doc.find_all("script")
    assert [s.attrs.get("src", "").split("?")[0] for s in scripts if s.attrs.get("src")] == ["/static/app.js"]
    # The only script without src is a JSON data block, which browsers do not run.
    assert all(s.attrs.get("type") == "application/json" for s in scripts if not s.attrs.get("src"))
    assert doc.find("link", rel="search").attrs["href"] == "/opensearch.xml"


def test_search_box_is_labelled_everywhere(client):
    for url in ("/", "/search", "/entries/esop-buyout"):
        doc = page(client, url)
        box = doc.find("input", id_="q")
        assert doc.find("label", for_="q").text
        assert box.attrs["name"] == "q" and box.attrs["type"] == "search"


# -- home ----------------------------------------------------------------------------------


def test_home_lists_themes_with_counts_and_descriptions(client):
    doc = page(client, "/")
    cards = doc.find("ul", cls="theme-cards").find_all("li")
    assert [c.find("a").text for c in cards] == list(THEME_LABELS.values())
    health = cards[list(THEME_LABELS).index("health")]
    assert health.find("a").attrs["href"] == "/search?theme=health"
    assert health.find("span", cls="count").text == "3 entries"
    assert health.find("p").text == "Care co-ops, clinics and nursing."


def test_home_lists_the_newest_entries_newest_first(client):
    doc = page(client, "/")
    newest = [path for path, _ in doc.find("ul", cls="newest").links()]
    assert newest[0] == "/entries/tricycle-delivery"  # 2024, the newest
    assert len(newest) == 6
    assert doc.find("link", rel="alternate").attrs["href"] == "/search.atom"


# -- search: results -----------------------------------------------------------------------


def test_results_show_count_query_time_and_highlighted_titles(client):
    doc = page(client, "/search?q=co-op&theme=energy")
    assert doc.find("h1").text == "Results for “co-op”"
    summary = doc.find("p", id_="summary")
    assert summary.text.startswith("4 results for “co-op” in ") and summary.text.endswith(" ms")
    hits = doc.find("ol", id_="hits").find_all("li", cls="hit")
    # Result links carry ?ref=<search>.<position> for analytics (tests/test_analytics.py).
    assert [h.find("h2").find("a").attrs["href"].split("?")[0] for h in hits] == [
        f"/entries/{hit['id']}" for hit in api(client, "/search?q=co-op&theme=energy")["hits"]
    ]
    first = hits[0]
    assert first.find("mark").text == "Cooperative"
    assert first.find("time").attrs["datetime"] == "2021-07-04"
    assert first.find("time").text == "4 July 2021"
    assert ("/search", [("author", "Tom Okafor")]) in first.links()
    assert first.find("a", cls="tag").attrs["href"] == "/search?theme=energy"
    assert first.find("p", cls="snippet").find("mark")


def test_undated_and_partial_dates_read_naturally(client):
    doc = page(client, "/search?q=grocery+notes")
    times = {
        h.find("a").attrs["href"].split("?")[0]: h.find("time").text for h in doc.find_all("li", cls="hit")
    }
    assert times["/entries/undated-grocery-notes"] == "undated"
    doc = page(client, "/search?q=photovoltaic+dairy")
    assert doc.find("li", cls="hit").find("time").text == "2020"


def test_facets_are_checkboxes_with_disjunctive_counts(client):
    doc = page(client, "/search?q=co-op&theme=energy")
    form = doc.find("form", id_="filters")
    assert (form.attrs["action"], form.attrs["method"]) == ("/search", "get")
    assert form.find("input", type="hidden", name="q").attrs["value"] == "co-op"
    themes = form.find("fieldset", data_facet="themes")
    counts = {}
    for item in themes.find_all("li"):
        box = item.find("input", type="checkbox")
        counts[box.attrs["value"]] = (int(item.find("span", cls="count").text), "checked" in box.attrs)
        assert item.find("label", for_=box.attrs["id"])
    expected = {
        v["value"]: (v["count"], v["selected"])
        for v in api(client, "/search?q=co-op&theme=energy")["facets"]["themes"]
    }
    assert counts == expected
    assert counts["energy"] == (4, True)
    # Ticking energy does not shrink the other themes' counts.
    unfiltered = {v["value"]: v["count"] for v in api(client, "/search?q=co-op")["facets"]["themes"]}
    assert {k: c for k, (c, _) in counts.items()} == unfiltered
    assert form.find("p", cls="apply").find("button").text == "Apply filters"


@pytest.fixture
def many_authors_client(tmp_path, library_copy):
    """The test library plus 12 entries by 12 new authors: more authors than the page lists."""
    lines = [
        json.dumps(
            {
                "id": f"extra-{i}",
                "title": f"Extra entry {i}",
                "date": "2010",
                "authors": [f"Author {i:02d}"],
                "themes": ["food"],
                "summary": "s",
                "body": "b",
            }
        )
        for i in range(12)
    ]
    (library_copy / "extra.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    index_dir = tmp_path / "many-authors"
    assert build_index(index_dir, [library_copy]).added == 30
    return webui.create_app(webui.Settings(index_dir=index_dir, themes_file=THEMES)).test_client()


def test_author_facet_lists_ten_then_the_rest_under_more(many_authors_client):
    doc = page(many_authors_client, "/search?author=Author+11")
    authors = doc.find("fieldset", data_facet="authors")
    more = authors.find("details", cls="more")
    hidden = more.find_all("li")
    assert len(authors.find_all("li")) - len(hidden) == 10
    assert len(authors.find_all("li")) == 18  # 6 authors of the library + 12 new ones
    assert more.find("summary").text == "8 more authors"
    # A chosen author among the hidden ones opens the list, so the ticked box is visible.
    assert "open" in more.attrs
    assert "checked" in more.find("input", value="Author 11").attrs
    assert "open" not in page(many_authors_client, "/search").find("details", cls="more").attrs


def test_chips_remove_one_filter_each_and_clear_all(client):
    doc = page(client, "/search?q=co-op&theme=energy&type=news&author=Maya+Chen&from=2020&to=2021")
    chips = {a.text: a.attrs["href"] for a in doc.find_all("a", cls="chip")}
    assert set(chips) == {
        "Remove filter Theme: Energy ×",
        "Remove filter Type: news ×",
        "Remove filter Author: Maya Chen ×",
        "Remove filter Dates: 2020–2021 ×",
    }
    base = "q=co-op&theme=energy&type=news&author=Maya+Chen&from=2020&to=2021"
    assert chips["Remove filter Theme: Energy ×"] == "/search?" + base.replace("theme=energy&", "")
    assert (
        chips["Remove filter Dates: 2020–2021 ×"] == "/search?q=co-op&theme=energy&type=news&author=Maya+Chen"
    )
    assert doc.find("a", cls="clear").attrs["href"] == "/search?q=co-op"


def test_header_search_keeps_the_filters(client):
    doc = page(client, "/search?q=co-op&theme=energy&sort=newest&page=2")
    form = doc.find("form", id_="searchform")
    kept = [(i.attrs["name"], i.attrs["value"]) for i in form.find_all("input", type="hidden")]
    assert kept == [("theme", "energy"), ("sort", "newest")]


# -- search: dates -------------------------------------------------------------------------


def test_histogram_has_a_bar_link_per_year_and_counts_undated_apart(client):
    doc = page(client, "/search")
    histogram = doc.find("section", id_="histogram")
    bars = {a.attrs["data-year"]: a for a in histogram.find_all("a", cls="bar")}
    years = {v["value"]: v["count"] for v in api(client, "/search")["facets"]["years"]}
    assert {y: int(a.attrs["data-count"]) for y, a in bars.items()} == {
        y: c for y, c in years.items() if y != "undated"
    }
    assert bars["2021"].attrs["href"] == "/search?from=2021&to=2021"
    assert bars["2021"].attrs["aria-label"] == "2021: 2 results"
    assert histogram.find("p", cls="undated").text == "2 undated entries not shown by year."
    svg = histogram.find("svg")
    assert svg.attrs["data-first"] == "2014" and svg.attrs["data-last"] == "2024"
    # Every year of the span has a slot, so gaps show: 11 years of 10 units.
    assert svg.attrs["viewbox"] == "0 0 110 60"


def test_histogram_marks_the_chosen_range_and_keeps_other_years(client):
    doc = page(client, "/search?from=2019&to=2021")
    bars = doc.find("section", id_="histogram").find_all("a", cls="bar")
    selected = {a.attrs["data-year"] for a in bars if "selected" in a.classes}
    assert selected == {"2019", "2020", "2021"}
    assert len(bars) > 3  # the other years stay clickable: a facet ignores its own filter
    assert doc.find("input", id_="from").attrs["value"] == "2019"
    assert doc.find("input", id_="from").attrs["form"] == "filters"


def test_date_range_filters_results(client):
    doc = page(client, "/search?from=2019&to=2021&per_page=50")
    years = {h.find("time").attrs["datetime"][:4] for h in doc.find_all("li", cls="hit")}
    assert years == {"2019", "2020", "2021"}


# -- search: order, pages -------------------------------------------------------------------


def test_sort_and_page_size_links(client):
    doc = page(client, "/search?q=co-op&sort=newest")
    sort = doc.find("p", cls="sort")
    current = sort.find("a", aria_current="true")
    assert current.text == "newest first"
    assert ("/search", [("q", "co-op"), ("sort", "oldest")]) in sort.links()
    assert ("/search", [("q", "co-op")]) in sort.links()  # relevance is the default
    sizes = doc.find("p", cls="per-page")
    assert ("/search", [("q", "co-op"), ("sort", "newest"), ("per_page", "20")]) in sizes.links()


def test_pager_links_previous_next_and_numbers(client):
    doc = page(client, "/search?per_page=2&page=5")
    pager = doc.find("nav", cls="pager")
    assert pager.attrs["aria-label"] == "Pages of results"
    assert pager.find("a", rel="prev").attrs["href"] == "/search?per_page=2&page=4"
    assert pager.find("a", rel="next").attrs["href"] == "/search?per_page=2&page=6"
    assert pager.find("a", aria_current="page").text == "Page 5"
    numbers = [a.text.replace("Page ", "") for a in pager.find_all("a") if "rel" not in a.attrs]
    assert numbers == ["1", "3", "4", "5", "6", "7", "9"]  # 18 entries, 2 a page
    assert pager.find_all("li", cls="gap")
    assert doc.find("ol", id_="hits").attrs["start"] == "9"


def test_page_one_link_has_no_page_parameter(client):
    doc = page(client, "/search?per_page=2&page=2")
    assert doc.find("nav", cls="pager").find("a", rel="prev").attrs["href"] == "/search?per_page=2"


# -- search: help ---------------------------------------------------------------------------


def test_did_you_mean_is_said_once_when_nothing_is_found(client):
    doc = page(client, "/search?q=bakkery&theme=energy")
    assert not doc.find_all("p", cls="suggestion")
    assert not doc.find_all("div", cls="notices")  # "bakery" matched, but found nothing
    link = doc.find("div", id_="noresults").find("a")
    assert link.text == "bakery"
    assert link.attrs["href"] == "/search?theme=energy&q=bakery"


def test_zero_results_offer_the_filters_to_drop_with_counts_and_popular_themes(client):
    doc = page(client, "/search?q=nurses&theme=energy&from=2023")
    assert doc.find("p", id_="summary").text.startswith("0 results")
    help_ = doc.find("div", id_="noresults")
    relax = {
        a.text: (a.attrs["href"], li.text)
        for li in help_.find("ul", cls="relax").find_all("li")
        for a in li.find_all("a")
    }
    body = api(client, "/search?q=nurses&theme=energy&from=2023")
    assert body["total"] == 0 and body["relaxations"]
    for r in body["relaxations"]:
        matches = [v for k, v in relax.items() if r["label"] in k]
        assert matches, (r, relax)
        assert matches[0][1].endswith(f"{r['total']} result" + ("" if r["total"] == 1 else "s"))
    theme = [v for k, v in relax.items() if "theme" in k][0]
    assert theme[0] == "/search?q=nurses&from=2023"
    assert api(client, "/search?q=nurses&from=2023")["total"] == int(theme[1].split(": ")[1].split()[0])
    popular = [a.text for a in help_.find("ul", cls="popular").find_all("a")]
    assert popular[0] == "Governance"  # the biggest theme of the test library
    assert ("/search", [("q", "nurses")]) in help_.links()  # search without any filter


def test_zero_results_without_filters_still_help(client):
    doc = page(client, "/search?q=zzzqqqxxx")
    help_ = doc.find("div", id_="noresults")
    assert not help_.find_all("ul", cls="relax")
    assert help_.find("ul", cls="popular").find_all("a")


# -- escaping -------------------------------------------------------------------------------


def test_query_and_entry_text_are_escaped_on_the_search_page(client):
    raw = client.get("/search?q=<script>alert(1)</script>").get_data(as_text=True)
    assert "<script>alert(1)" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "Minutes Markup: &lt;<mark>script</mark>&gt; Tags" in raw


def test_page_data_block_cannot_be_closed_by_entry_text(client):
    doc = page(client, "/search")
    data = json.loads(doc.find("script", id_="page-data").text)
    assert data["themes"] == THEME_LABELS
    raw = client.get("/search?q=</script><b>x").get_data(as_text=True)
    assert "</script><b>" not in raw


# -- entry pages ----------------------------------------------------------------------------


def test_entry_page_shows_everything_about_the_entry(client):
    doc = page(client, "/entries/pv-array-farm")
    article = doc.find("article", cls="entry")
    assert article.find("h1").text == "Photovoltaic Panels for a Dairy Cooperative"
    meta = article.find("p", cls="meta")
    assert ("/search", [("author", "Maya Chen")]) in meta.links()
    assert ("/search", [("type", "report")]) in meta.links()
    assert article.find("a", cls="tag").attrs["href"] == "/search?theme=energy"
    assert article.find("small", cls="theme-source").text == "Themes chosen by the library"
    assert article.find("p", cls="lede").text
    related = doc.find("section", cls="related")
    paths = [path for path, _ in related.links()]
    assert paths and all(p.removeprefix("/entries/") in ALL_IDS for p in paths)
    assert "/entries/pv-array-farm" not in paths


def test_entry_page_says_when_themes_were_assigned_automatically(client):
    doc = page(client, "/entries/auto-themed-energy")
    assert doc.find("small", cls="theme-source").text == "Themes assigned automatically"


def test_entry_body_is_rendered_markdown_with_the_html_escaped(client):
    raw = client.get("/entries/script-escape-entry").get_data(as_text=True)
    assert '&lt;script&gt;alert("owned")&lt;/script&gt;' in raw or "&lt;script&gt;alert(&quot;owned" in raw
    assert "<script>alert" not in raw
    body = parse(raw).find("div", cls="body")
    assert body.find("p").text.startswith("Never paste raw HTML such as <script>")


def test_unknown_entry_is_a_404_page(client):
    response = client.get("/entries/nope")
    assert response.status_code == 404
    assert "There is no entry 'nope'" in parse(response.get_data(as_text=True)).find("main").text


def test_links_are_built_from_the_values_the_search_reads(client):
    # Typed by hand: capitals, spaces and empty fields as a no-JS form sends them.
    doc = page(client, "/search?q=solar&theme=Energy+&type=&from=&author=Maya+Chen")
    chips = {a.text: a.attrs["href"] for a in doc.find_all("a", cls="chip")}
    assert chips["Remove filter Theme: Energy ×"] == "/search?q=solar&author=Maya+Chen"
    assert "checked" in doc.find("input", type="checkbox", value="energy").attrs


def test_no_did_you_mean_above_results_when_the_notices_say_what_was_searched(client):
    doc = page(client, "/search?q=solar+bakkery")
    assert doc.find("ol", id_="hits").find_all("li")
    assert not doc.find_all("p", cls="suggestion")
    assert doc.find("p", cls="approximate").text == "Including results for bakery"


# -- notices: what the search did with the words -------------------------------------------


def notices(client, url: str) -> list[str]:
    found = page(client, url).find_all("div", cls="notices")
    return [p.text for p in found[0].find_all("p", cls="notice")] if found else []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/search?q=gobernance", ["Including results for governance", "Filter by theme: Governance (7)"]),
        ("/search?q=mondr", ["Including words beginning with mondr: mondragon"]),
        (
            "/search?q=turbine+bakery",
            ["No entry has all of turbine, bakery; showing entries with turbine."],
        ),
        (
            "/search?q=cooperative+qqqzz",
            ["No entry has qqqzz; showing entries with any of your other words."],
        ),
        ("/search?q=board", ["Filter by theme: Governance (7)"]),
        # Every result is in the theme: filtering on it would change nothing.
        ("/search?q=nursing", []),
        # A theme filter in use: another theme would widen the results, so none is offered.
        ("/search?q=gobernance&theme=governance", ["Including results for governance"]),
        ("/search?q=tricycle", []),
        ("/search", []),
    ],
)
def test_notices_say_what_the_search_did_with_the_words(client, url, expected):
    assert notices(client, url) == expected


def test_notices_come_first_under_the_count_and_mark_the_words(client):
    html = page(client, "/search?q=turbine+bakery")
    results = html.find("div", id="results")
    first = next(c for c in results.children if not isinstance(c, str))
    assert first.attrs.get("id") == "notices"
    relaxed = results.find("p", cls="relaxed")
    assert [em.text for em in relaxed.find_all("em")] == ["turbine", "bakery", "turbine"]
    typo = page(client, "/search?q=gobernance").find("p", cls="approximate")
    assert [s.text for s in typo.find_all("strong")] == ["governance"]


def test_a_theme_the_query_names_links_to_its_filter(client):
    link = page(client, "/search?q=board&sort=newest").find("a", cls="theme-filter")
    assert href_parts(link.attrs["href"]) == (
        "/search",
        [("q", "board"), ("sort", "newest"), ("theme", "governance")],
    )
    filtered = page(client, link.attrs["href"])
    assert filtered.find("p", id="summary").text.startswith("7 results")
    assert filtered.find_all("a", cls="theme-filter") == []


def test_a_query_cut_to_the_limit_says_so(client):
    query = "tricycle " * 130  # 1,170 characters: cut after the last whole word within 1,000
    cut = len(("tricycle " * 111).rstrip())
    said = notices(client, "/search?" + urllib.parse.urlencode({"q": query}))
    assert said == [f"Your query was cut to its first {cut} characters."]


def test_the_api_answer_carries_what_the_notices_say(client):
    typo = api(client, "/search?q=gobernance")
    assert typo["approximate"] == [{"word": "gobernance", "kind": "typo", "matches": ["governance"]}]
    assert typo["themes_named"] == [{"id": "governance", "label": "Governance", "count": 7}]
    assert api(client, "/search?q=mondr")["approximate"][0]["matches"] == ["mondragon"]
    assert api(client, "/search?q=turbine+bakery")["relaxed"] == {
        "wanted": ["turbine", "bakery"],
        "kept": ["turbine"],
    }
    plain = api(client, "/search?q=tricycle")
    assert (plain["approximate"], plain["relaxed"], plain["themes_named"], plain["query_cut"]) == (
        [],
        None,
        [],
        None,
    )
