"""search/analysis.py: what words become in the index, by both paths (fast and Whoosh)."""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import CoopAnalyzer, NameAnalyzer, fold, index_terms, name_terms


def analyzer_terms(text: str) -> list[str]:
    return [token.text for token in CoopAnalyzer()(text)]


@pytest.mark.parametrize(
    "word",
    [
        "co-op",
        "co-ops",
        "coop",
        "coops",
        "co-operative",
        "co-operatives",
        "cooperative",
        "cooperatives",
        "Co-Op",
        "CO-OPERATIVES",
        "co-op's",
        "coop’s",
        "cooperatives'",
    ],
)
def test_every_coop_spelling_is_the_term_coop(word):
    assert index_terms(word) == ["coop"]
    assert analyzer_terms(word) == ["coop"]


def test_coop_run_gives_coop_and_run():
    assert index_terms("a co-op-run bakery") == ["coop", "run", "bakeri"]


def test_coop_spellings_in_a_sentence_all_match():
    text = "The co-op joined other coops, co-operatives and cooperatives."
    assert index_terms(text).count("coop") == 4


@pytest.mark.parametrize(
    ("accented", "plain"),
    [("Mondragón", "Mondragon"), ("São Paulo", "Sao Paulo"), ("Zürich", "Zurich"), ("CAFÉ", "cafe")],
)
def test_accents_fold(accented, plain):
    assert index_terms(accented) == index_terms(plain)
    assert fold(accented) == plain.lower()


def test_mondragon_term():
    assert index_terms("Mondragón") == ["mondragon"]


def test_stemming_joins_word_forms():
    assert index_terms("nurses nursing nurse") == ["nurs", "nurs", "nurs"]
    assert index_terms("members") == index_terms("member")


def test_stop_words_are_dropped():
    assert index_terms("the history of the co-op and its members") == ["histori", "coop", "member"]
    assert index_terms("the and of to with") == []


def test_hyphenated_words_are_found_by_their_parts():
    assert index_terms("worker-owned") == index_terms("worker owned") == ["worker", "own"]


def test_possessives_lose_the_s():
    assert index_terms("workers' council") == index_terms("workers council")
    assert index_terms("Ana’s bakery") == index_terms("Ana bakery")


def test_possessive_of_a_name_with_an_apostrophe_keeps_the_name():
    # "O'Brien" indexes as "obrien"; its possessive must too, or searching O'Brien misses it.
    assert index_terms("O'Brien") == ["obrien"]
    assert index_terms("O'Brien's") == index_terms("O'Brien")


@pytest.mark.parametrize(
    "text",
    [
        "Caja Laboral and the Mondragón Co-operatives",
        "Nurses start a home-care co-op; the co-op-run agency's workers' council",
        "In 2019, 420 members sold 12 kWh — “fair” prices!",
        "Ünïcödé  wörds\tand\nnewlines, co‐op with a Unicode hyphen",
        "",
    ],
)
def test_index_terms_equal_the_analyzer_terms(text):
    assert index_terms(text) == analyzer_terms(text)


def test_analyzer_positions_count_terms_and_chars_point_at_words():
    text = "The Mondragón co-ops grew"
    tokens = [
        (t.text, t.pos, t.startchar, t.endchar) for t in CoopAnalyzer()(text, positions=True, chars=True)
    ]
    assert [(term, pos) for term, pos, _, _ in tokens] == [("mondragon", 0), ("coop", 1), ("grew", 2)]
    assert [text[start:end] for _, _, start, end in tokens] == ["Mondragón", "co-ops", "grew"]


def test_analyzer_pickles():
    analyzer = CoopAnalyzer()
    restored = pickle.loads(pickle.dumps(analyzer))
    assert restored == analyzer
    assert [t.text for t in restored("Nursing co-operatives")] == ["nurs", "coop"]


def test_name_analyzer_folds_without_stemming_and_pickles():
    assert name_terms("José Núñez Hill") == ["jose", "nunez", "hill"]
    restored = pickle.loads(pickle.dumps(NameAnalyzer()))
    assert [t.text for t in restored("Nurses Hill")] == ["nurses", "hill"]


@settings(max_examples=3000, derandomize=True, deadline=None)
@given(st.text())
def test_folding_runs_of_non_ascii_equals_folding_every_character(text):
    """`fold` decomposes only non-ASCII runs; it must drop exactly the marks a decomposition
    of the whole text would, or index terms would change."""
    import unicodedata

    whole = unicodedata.normalize("NFKD", text.lower())
    assert fold(text) == "".join(c for c in whole if not unicodedata.combining(c))
