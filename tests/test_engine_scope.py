"""Searches within a scope (a collection): its saved search plus pinned minus hidden entries,
pinned ones first, facets and counts within it; on the test library (tests/testdata.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from testdata import SYNONYMS, THEME_COUNTS, facet_counts, selected_values

import indexer
from search import BadRequest, Scope, SearchEngine, SearchRequest

ENERGY = ("j-wind-turbine", "solar-coop-rooftops", "pv-array-farm", "auto-themed-energy")  # newest first
#: The energy theme, with a food entry and a missing id pinned and one energy entry hidden.
CURATED = Scope(
    themes=("energy",),
    pinned=("bakery-worker-owners", "no-such-entry", "tricycle-delivery"),
    hidden=("pv-array-farm",),
)


def search(engine: SearchEngine, scope: Scope | None, query: str = "", **options):
    options.setdefault("per_page", 100)
    return engine.search(SearchRequest(query=query, scope=scope, **options))


def ids(results) -> list[str]:
    return [hit.id for hit in results.hits]


def test_a_scope_without_curation_is_its_saved_search(engine):
    results = search(engine, Scope(themes=("energy",)))
    assert ids(results) == list(ENERGY)
    assert results.total == THEME_COUNTS["energy"]


def test_pinned_entries_join_come_first_in_their_order_and_hidden_ones_leave(engine):
    results = search(engine, CURATED)
    assert ids(results) == [
        "bakery-worker-owners",
        "tricycle-delivery",
        "j-wind-turbine",
        "solar-coop-rooftops",
        "auto-themed-energy",
    ]
    assert results.total == 5


def test_hidden_wins_over_pinned_and_over_the_saved_search(engine):
    scope = Scope(query="wind", pinned=("j-wind-turbine", "bakery-worker-owners"), hidden=("j-wind-turbine",))
    # "wind" names the energy theme (issue 13): its entries but the hidden one, after the pinned.
    assert ids(search(engine, scope)) == [
        "bakery-worker-owners",
        "auto-themed-energy",
        "solar-coop-rooftops",
        "pv-array-farm",
    ]


def test_facets_and_counts_are_within_the_scope_and_never_count_hidden_entries(engine):
    results = search(engine, CURATED)
    assert facet_counts(results, "themes") == {"energy": 3, "food": 2}
    assert facet_counts(results, "types") == {"news": 3, "article": 1, "case study": 1}
    assert facet_counts(results, "years") == {"2024": 1, "2022": 1, "2021": 2, "2016": 1}
    assert facet_counts(results, "authors") == {"Maya Chen": 2, "Tom Okafor": 2, "Lena Novak": 1}


def test_a_visitor_filter_narrows_the_scope_and_its_facet_ignores_itself(engine):
    results = search(engine, CURATED, themes=("food",))
    assert ids(results) == ["bakery-worker-owners", "tricycle-delivery"]
    assert facet_counts(results, "themes") == {"energy": 3, "food": 2}
    assert selected_values(results, "themes") == {"food"}
    assert facet_counts(results, "types") == {"case study": 1, "news": 1}


def test_a_visitor_filter_that_empties_the_scope_offers_relaxations_within_it(engine):
    results = search(engine, CURATED, themes=("housing",))
    assert results.total == 0
    assert [(r.param, r.total) for r in results.relaxations] == [("theme", 5)]


def test_the_visitors_words_search_within_the_scope_and_pinned_matches_stay_first(engine):
    # Quoted: the words themselves, not the themes they name (issue 13).
    assert ids(search(engine, None, '"bakery" OR "solar"')) == [
        "bakery-worker-owners",
        "pv-array-farm",
        "solar-coop-rooftops",
    ]
    both = ids(search(engine, CURATED, '"bakery" OR "solar"'))
    assert both == ["bakery-worker-owners", "solar-coop-rooftops"]
    # "solar" names the energy theme (issue 13): the scope's energy entries, the one that says
    # it first; the pinned food entries do not match, and pv-array-farm stays hidden.
    assert ids(search(engine, CURATED, "solar")) == [
        "solar-coop-rooftops",
        "j-wind-turbine",
        "auto-themed-energy",
    ]
    assert ids(search(engine, CURATED, "co-op")) == [
        "bakery-worker-owners",
        "tricycle-delivery",
        "j-wind-turbine",
        "solar-coop-rooftops",
        "auto-themed-energy",
    ]


@pytest.mark.parametrize(
    ("sort", "rest"),
    [
        ("newest", ["j-wind-turbine", "solar-coop-rooftops", "auto-themed-energy"]),
        ("oldest", ["auto-themed-energy", "solar-coop-rooftops", "j-wind-turbine"]),
    ],
)
def test_pinned_come_first_then_the_rest_in_the_requested_order(engine, sort, rest):
    assert ids(search(engine, CURATED, sort=sort)) == ["bakery-worker-owners", "tricycle-delivery"] + rest


def test_page_two_continues_after_the_pinned_entries(engine):
    pages = [ids(search(engine, CURATED, per_page=2, page=n)) for n in (1, 2, 3)]
    assert pages == [
        ["bakery-worker-owners", "tricycle-delivery"],
        ["j-wind-turbine", "solar-coop-rooftops"],
        ["auto-themed-energy"],
    ]
    assert [ids(search(engine, CURATED, per_page=1, page=n)) for n in (1, 2, 3)] == [
        ["bakery-worker-owners"],
        ["tricycle-delivery"],
        ["j-wind-turbine"],
    ]


def test_without_pinned_first_pinned_entries_take_their_place_in_the_order(engine):
    scope = Scope(themes=("energy",), pinned=("bakery-worker-owners",), pinned_first=False)
    assert ids(search(engine, scope, sort="newest")) == ["bakery-worker-owners", *ENERGY]
    assert ids(search(engine, scope, sort="oldest")) == [*reversed(ENERGY), "bakery-worker-owners"]


def test_with_no_words_from_the_visitor_relevance_is_the_saved_querys(engine):
    # "wind": the 2016 article says it more often than the 2021 news item; the energy theme's
    # other two entries, which the word names (issue 13), come after them.
    assert ids(search(engine, Scope(query="wind"))) == [
        "auto-themed-energy",
        "j-wind-turbine",
        "solar-coop-rooftops",
        "pv-array-farm",
    ]
    assert ids(search(engine, Scope(query="wind"), sort="newest")) == [
        "j-wind-turbine",
        "solar-coop-rooftops",
        "pv-array-farm",
        "auto-themed-energy",
    ]
    hit = search(engine, Scope(query="wind")).hits[0]
    assert "<mark>" in hit.snippet and hit.score > 0


def test_the_visitors_words_rank_when_given(engine):
    scope = Scope(query="wind OR solar")
    assert ids(search(engine, scope)) == [
        "auto-themed-energy",
        "j-wind-turbine",
        "pv-array-farm",
        "solar-coop-rooftops",
    ]
    # The visitor's "co-op" ranks as it does in the whole library, within the scope.
    assert ids(search(engine, scope, "co-op")) == [
        "j-wind-turbine",
        "pv-array-farm",
        "solar-coop-rooftops",
        "auto-themed-energy",
    ]


def test_saved_authors_and_dates_filter_the_scope(engine):
    scope = Scope(authors=("Maya Chen",), date_from=dt.date(2021, 1, 1))
    assert ids(search(engine, scope)) == ["tricycle-delivery", "solar-coop-rooftops"]
    scope = Scope(types=("news",), date_to=dt.date(2020, 12, 31))
    assert ids(search(engine, scope)) == ["j-rent-strike"]


def test_missing_lists_ids_not_in_the_index_once_in_order(engine):
    assert engine.missing(["zz", "bakery-worker-owners", "aa", "zz"]) == ("zz", "aa")
    assert engine.missing([]) == ()


def test_a_pinned_entry_deleted_from_the_index_is_simply_absent(index_copy):
    engine = SearchEngine(index_copy, SYNONYMS, refresh_seconds=0)
    try:
        assert ids(search(engine, CURATED))[:2] == ["bakery-worker-owners", "tricycle-delivery"]
        assert indexer.update(index_copy, [], deleted=["bakery-worker-owners"]).deleted == 1
        results = search(engine, CURATED)
        assert ids(results)[:2] == ["tricycle-delivery", "j-wind-turbine"]
        assert results.total == 4
        assert facet_counts(results, "types") == {"news": 3, "article": 1}
        assert engine.missing(CURATED.pinned) == ("bakery-worker-owners", "no-such-entry")
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        (Scope(query="a" * 1001), "longer than 1000"),
        (Scope(date_from=dt.date(2021, 1, 1), date_to=dt.date(2020, 1, 1)), "after"),
    ],
)
def test_a_bad_scope_is_a_bad_request(engine, scope, message):
    with pytest.raises(BadRequest, match=message) as caught:
        search(engine, scope)
    assert caught.value.param == "scope"


def test_no_scope_and_an_empty_scope_are_the_whole_library(engine):
    assert search(engine, None).total == 18
    assert search(engine, Scope()).total == 18
