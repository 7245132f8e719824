"""What a visitor's words match (search/matching.py, approx.py, words.py, theme_names.py), each
rule on a small library made for it and indexed on disk: distinctive words required, the
relaxation when no entry has them all, typo distances, the last word as a prefix, themes as
concepts, words side by side, long queries and prose operators."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import indexer
import search

THEMES = """
[law]
label = "Law and policy"
description = "Statutes and courts."
keywords = ["legal", "statute"]

[energy]
label = "Energy"
description = "Power."
keywords = ["solar", "heat pump"]
"""


def library(tmp_path: Path, entries: list[dict]) -> search.SearchEngine:
    """An engine over an index of `entries` (ids e0, e1, … unless given)."""
    source = tmp_path / "entries.jsonl"
    lines = [json.dumps({"id": f"e{i}", **entry}) for i, entry in enumerate(entries)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    themes = tmp_path / "themes.toml"
    themes.write_text(THEMES, encoding="utf-8")
    report = indexer.index_sources(tmp_path / "index", [source], themes_file=themes, rebuild=True)
    assert report.errors == []
    return search.SearchEngine(tmp_path / "index", None, refresh_seconds=60)


def opened(tmp_path: Path, entries: list[dict]):
    """A fixture's body: the engine over `entries`, closed after the test."""
    engine = library(tmp_path, entries)
    yield engine
    engine.close()


def ids(results: search.SearchResults) -> list[str]:
    return [hit.id for hit in results.hits]


def find(engine: search.SearchEngine, query: str, **options) -> search.SearchResults:
    return engine.search(search.SearchRequest(query=query, per_page=100, **options))


#: Ten co-ops, two of them bakeries, one a taxi firm's neighbour: "co-op" is everywhere.
CO_OPS = [
    {"title": "A bakery co-op opens", "body": "The bakery co-op bakes bread."},
    {"title": "Night shift at the bakery", "body": "Worker co-op bakers."},
    {"title": "Solar co-op", "body": "A co-op of solar panels."},
    {"title": "Dairy co-op", "body": "Milk from a co-op."},
    {"title": "Housing co-op", "body": "Tenants run a co-op."},
    {"title": "Grocery co-op", "body": "Members shop at the co-op."},
    {"title": "Bike co-op", "body": "Repairs at the co-op."},
    {"title": "Printing co-op", "body": "Presses in a co-op."},
    {"title": "Cleaning co-op", "body": "Cleaners own the co-op."},
    {"title": "Home care co-op", "body": "Carers own their co-op."},
]


@pytest.fixture
def co_ops(tmp_path):
    yield from opened(tmp_path, CO_OPS)


# -- the common-word rule and its relaxation --------------------------------------------------


def test_a_word_in_most_entries_does_not_make_an_entry_match(co_ops):
    results = find(co_ops, "bakery co-op")
    assert sorted(ids(results)) == ["e0", "e1"]
    assert results.total == 2 and results.relaxed is None


def test_a_query_of_common_words_finds_every_entry_with_them(co_ops):
    assert find(co_ops, "co-op").total == 10
    assert find(co_ops, "co-op cooperative").total == 10


def test_every_distinctive_word_is_required_in_a_short_query(co_ops):
    assert ids(find(co_ops, "bakery bread")) == ["e0"]


def test_three_quarters_of_many_distinctive_words_are_required(tmp_path):
    engine = library(
        tmp_path,
        [{"title": "alpha beta gamma"}, {"title": "alpha beta"}, {"title": "alpha"}]
        + [{"title": f"filler {i}"} for i in range(6)],
    )
    # Three distinctive words: two of them are enough (2 < 75%, as Elasticsearch writes it).
    assert sorted(ids(find(engine, "alpha beta gamma"))) == ["e0", "e1"]
    engine.close()


def test_a_word_the_library_lacks_is_dropped_first_and_the_results_say_so(co_ops):
    results = find(co_ops, "taxi bakery")
    assert sorted(ids(results)) == ["e0", "e1"]
    assert results.relaxed is not None
    assert results.relaxed.wanted == ("taxi", "bakery") and results.relaxed.kept == ("bakery",)
    assert results.to_dict()["relaxed"] == {"wanted": ["taxi", "bakery"], "kept": ["bakery"]}


def test_words_never_found_together_fall_back_to_the_rarer_one(co_ops):
    """"bread" (1 entry) and "tenants" (1 entry) are in no entry together: the most common is
    dropped first, and between equals the later one."""
    results = find(co_ops, "bread solar")
    assert results.relaxed.wanted == ("bread", "solar")
    assert len(results.relaxed.kept) == 1
    assert results.total == 1


def test_prose_keeps_every_entry_with_any_word(co_ops):
    results = find(co_ops, "I would like to read about bakery and dairy and solar co-ops")
    assert results.total == 10 and results.relaxed is None


# -- typos -------------------------------------------------------------------------------------

TYPOS = [
    {"title": "Sociocracy in a print shop", "body": "Consent and circles."},
    {"title": "Governance of a bakery", "body": "Boards and governance."},
    {"title": "Agriculture co-ops", "body": "Farm agriculture."},
    {"title": "A Lagun story", "body": "Lagun is a name."},
    {"title": "Lagoon walks", "body": "A lagoon by the sea."},
] + [{"title": f"Finance note {i}", "body": "finance"} for i in range(25)] + [
    {"title": "A fiance", "body": "fiance"},
]


@pytest.fixture
def typos(tmp_path):
    yield from opened(tmp_path, TYPOS)


@pytest.mark.parametrize(
    "typed, entry, kind",
    [
        ("sociocrasy", "e0", "substitution, 10 letters"),
        ("socoicracy", "e0", "swapped letters count as one edit"),
        ("gobernance", "e1", "one substitution"),
        ("goverance", "e1", "one deletion, 9 letters"),
        ("govrenanse", "e1", "a swap and a substitution: two edits from 9 letters"),
        ("agriculure", "e2", "one deletion"),
    ],
)
def test_words_within_the_allowed_edits_match(typos, typed, entry, kind):
    results = find(typos, typed)
    assert entry in ids(results), kind
    assert results.approximate[0].word == typed and results.approximate[0].kind == "typo"


@pytest.mark.parametrize(
    "typed",
    ["fnanse", "agrcltre", "gov "],  # two edits in 6 letters; three in 8; three letters
)
def test_words_beyond_the_allowed_edits_do_not(typos, typed):
    results = find(typos, typed)
    assert results.total == 0 and results.approximate == ()


def test_a_word_of_the_library_is_not_turned_into_another(typos):
    """"Lagun" is in the library (a name): "lagoon" is near, but not far more common."""
    assert ids(find(typos, "lagun")) == ["e3"]


def test_a_word_far_rarer_than_a_neighbour_also_matches_it_ranked_below_itself(typos):
    results = find(typos, "fiance")
    assert ids(results)[0] == "e30" and results.total == 26
    assert results.approximate[0].matches == ("finance",)


# -- the last word as a prefix -------------------------------------------------------------

PREFIXES = [
    {"title": "Mondragon", "body": "The Mondragon group in the Basque country."},
    {"title": "Heat pumps for a co-op", "body": "A heat pump warms homes."},
    {"title": "Cars and carpools", "body": "A car."},
] + [{"title": f"Home care {i}", "body": "care at home"} for i in range(4)]
PREFIXES += [{"title": f"Filler {i}", "body": "nothing to see"} for i in range(10)]


@pytest.fixture
def prefixes(tmp_path):
    yield from opened(tmp_path, PREFIXES)


def test_the_last_word_matches_the_words_it_begins(prefixes):
    results = find(prefixes, "mondr")
    assert ids(results) == ["e0"]
    assert results.approximate[0].kind == "prefix" and results.approximate[0].matches == ("mondragon",)
    assert ids(find(prefixes, "heat pum")) == ["e1"]


def test_only_the_last_word_is_a_prefix(prefixes):
    results = find(prefixes, "mondr basque")
    assert results.approximate == () and results.relaxed.kept == ("basque",)


def test_a_query_ending_in_a_space_has_no_unfinished_word(prefixes):
    assert find(prefixes, "mondr ").total == 0


def test_a_whole_word_also_begins_the_words_far_more_common_than_it(prefixes):
    results = find(prefixes, "home car")
    assert len(results.hits) == 4 and {"e2"}.isdisjoint(ids(results)[:4])


# -- themes as concepts ---------------------------------------------------------------------

THEMED = [
    {"title": "What the legal form says", "body": "A legal question.", "themes": ["law"]},
    {"title": "A court ruling", "body": "The court ruled on a statute.", "themes": ["law"]},
    {"title": "Bylaws", "body": "Members vote.", "themes": ["law"]},
    {"title": "A bakery", "body": "Bread, and a legal aside in a long story of flour and ovens."},
    {"title": "Solar", "body": "Panels.", "themes": ["energy"]},
] + [{"title": f"Filler {i}"} for i in range(5)]


def test_a_theme_word_also_matches_the_theme_ranked_with_the_word(tmp_path):
    engine = library(tmp_path, THEMED)
    results = find(engine, "legal")
    assert set(ids(results)) == {"e0", "e1", "e2", "e3"}
    assert ids(results)[0] == "e0"  # the word and the theme
    assert [(t.id, t.label, t.count) for t in results.themes_named] == [("law", "Law and policy", 3)]
    assert find(engine, '"legal"').themes_named == ()  # a quoted phrase is taken as written
    engine.close()


# -- proximity ----------------------------------------------------------------------------------


def test_query_words_side_by_side_rank_above_scattered_ones(tmp_path):
    engine = library(
        tmp_path,
        [
            {"title": "Irish credit unions", "body": "A union of savers, not a co-op of workers at all."},
            {"title": "Union co-ops", "body": "A union co-op joins a trade union and a co-op."},
        ]
        + [{"title": f"Co-op {i}", "body": "co-op"} for i in range(4)],
    )
    assert ids(find(engine, "union co-ops")) == ["e1", "e0"]
    engine.close()


# -- long queries and prose operators -----------------------------------------------------------


def test_a_long_query_is_cut_at_a_word_boundary_and_answered(co_ops):
    query = "bakery " * 300
    results = find(co_ops, query)
    assert results.total == 2
    assert results.query_cut is not None and len(results.query_cut) <= 1000
    assert query.startswith(results.query_cut) and results.query_cut.endswith("bakery")
    assert results.to_dict()["query"] == query


def test_operators_in_capitals_are_words_in_prose_and_operators_otherwise():
    from search.query import Group, Not, Text, parse_query

    assert parse_query("solar NOT wind") == Group(should=(Text("solar"),), must_not=(Text("wind"),))
    prose = parse_query("what is the difference between solar AND wind power")
    assert all(isinstance(n, Text) for n in prose.should) and not prose.must_not
    assert Text("AND") in prose.should
    assert not any(isinstance(n, Not) for n in prose.should)


def test_field_prefixes_quotes_and_exclusions_take_words_as_written(tmp_path):
    engine = library(tmp_path, THEMED)
    assert ids(find(engine, "title:legal")) == ["e0"]  # not the law theme, not the body's "legal"
    assert set(ids(find(engine, "bylaws -legal"))) == {"e2"}  # -legal drops the word, not the theme
    assert find(engine, "title:legl").approximate == ()
    engine.close()


def test_nothing_is_said_to_be_relaxed_when_nothing_is_found(co_ops):
    for query in ("taxi", "taxi rickshaw", '"bread oven"'):
        results = find(co_ops, query)
        assert results.total == 0 and results.relaxed is None, query


def test_a_long_query_of_lines_is_cut_between_words(co_ops):
    results = find(co_ops, "bakery\n" * 200)
    assert results.query_cut.endswith("bakery") and results.total == 2
