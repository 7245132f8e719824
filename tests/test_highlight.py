"""Snippets read as prose: Markdown markup is dropped before the passage is chosen and marked."""

from __future__ import annotations

import re
import time
from html import escape

from conftest import build_index
from hypothesis import given, settings
from hypothesis import strategies as st
from testdata import SYNONYMS

import webui
from search.analysis import WORD_RE, normalize_word
from search.highlight import _matches, mark, plain_text, snippet


def test_markdown_markup_is_dropped_and_words_kept():
    source = (
        "## Training as retention\n\n**Advice for nurses** thinking about _this_? "
        "See [the guide](https://x.org).\n- item one\n1. first\n> quoted\n|---|---|\n"
    )
    assert plain_text(source).split() == (
        "Training as retention Advice for nurses thinking about this? See the guide. "
        "item one first quoted".split()
    )


def test_text_that_only_looks_like_markup_stays():
    assert plain_text("snake_case, 2*3*4 and a-b") == "snake_case, 2*3*4 and a-b"


def test_snippets_show_no_markdown():
    html = snippet("", "## Heading\n\n**Nurses** own the [agency](https://x.org).", {"nurs"})
    assert html == "Heading\n\n<mark>Nurses</mark> own the agency"


def _texts() -> list[str]:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    files = sorted((root / "corpus" / "entries").glob("*.md"))
    files += sorted((root / "tests" / "data").rglob("*.md"))
    extra = [
        "O'Brien's worker-owned co-operation, the co-op's CO-OPS; cry, skies, dying, lying, idly.",
        "Mondragón, Éire and the café; ﬁnance with a ligature; naïve’s; 2020-2024 figures.",
        "Non-co-operative -owned don't won’t e-mail __init__ snake_case x-y-z.",
    ]
    return [plain_text(path.read_text(encoding="utf-8")) for path in files] + extra


def test_the_fast_word_finder_agrees_with_checking_every_word():
    """Snippets find matching words by the first letters of each term: every word a full
    scan would mark must be found, for every term of every text we have."""
    from search.analysis import WORD_RE, normalize_word
    from search.highlight import _matches

    def every_word(text: str, terms: set[str]) -> list:
        found = ((m, terms.intersection(normalize_word(m.group()))) for m in WORD_RE.finditer(text))
        return [(m.start(), m.end(), hit) for m, hit in found if hit]

    texts = _texts()
    assert len(texts) > 50
    for text in texts:
        vocabulary = sorted({t for w in WORD_RE.findall(text) for t in normalize_word(w)})
        for i in range(0, len(vocabulary), 20):
            terms = set(vocabulary[i : i + 20])
            assert _matches(text, terms) == every_word(text, terms), (text[:60], terms)


# -- folded and original positions ----------------------------------------------------------

#: Characters whose folding changes the text's length or its words: a combining accent (dropped),
#: ligatures (one becomes two), signs that fold to letters without being word characters,
#: a capital that lowercases to two characters, joiners, controls and a right-to-left mark.
FOLDING = ["\u0301", "\u0308", "\ufb01", "\ufb02", "\u338f", "\u00bd", "\u2460", "\u0130", "\u03a3"]
FOLDING += ["'", "\u2019", "-", " ", "\n", "\x00", "\x1f", "\u200f", "\u00e9", "\u00df", "s"]
PIECES = st.one_of(
    st.sampled_from(FOLDING),
    st.sampled_from(["finance", "Cafe", "co-op", "nurses", "skies", "O'Brien"]),
    st.characters(exclude_categories=("Cs",)),
)


def _every_word(text: str, terms: set[str]) -> list[tuple[int, int, set[str]]]:
    """The words a full scan marks: each word of the text as the index splits it."""
    found = ((m, terms.intersection(normalize_word(m.group()))) for m in WORD_RE.finditer(text))
    return [(m.start(), m.end(), hit) for m, hit in found if hit]


def test_a_combining_accent_before_a_ligature_marks_the_ligature_word():
    # Folding drops the accent and splits the ligature: as long as before, every position
    # after the accent off by one (this was an AttributeError, and a 500 on every search page).
    title = "Cafe\u0301 \ufb01nance"
    assert mark(title, {"financ"}) == "Cafe\u0301 <mark>\ufb01nance</mark>"
    assert snippet("", title, {"financ"}) == "Cafe\u0301 <mark>\ufb01nance</mark>"


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.lists(PIECES, max_size=30).map("".join), st.data())
def test_marking_any_text_marks_exactly_the_words_of_the_terms(text, data):
    vocabulary = sorted({t for w in WORD_RE.findall(text) for t in normalize_word(w)})
    chosen = data.draw(st.lists(st.sampled_from(vocabulary), max_size=4) if vocabulary else st.just([]))
    terms = set(chosen) | {"financ"}
    expected = _every_word(text, terms)
    assert _matches(text, terms) == expected
    marked = mark(text, terms)
    assert marked.count("<mark>") == len(expected)
    assert [m for m in re.findall(r"<mark>(.*?)</mark>", marked, re.S)] == [
        escape(text[start:end], quote=False) for start, end, _ in expected
    ]
    snippet("", text, terms)
    snippet(text, "", terms)


def test_one_long_hyphenated_word_costs_what_as_many_words_do():
    """Every part of "ab-ab-ab-..." starts a candidate; walking back to the word's start from
    each one made the work quadratic in the word (seconds for one snippet of 20,000
    characters). The bound is loose: ten times the same parts as separate words."""

    def seconds(body: str) -> float:
        start = time.perf_counter()
        snippet("", body, {"ab"})
        return time.perf_counter() - start

    words = min(seconds("ab " * 7_000) for _ in range(3))
    chain = seconds("ab-" * 7_000)
    assert chain <= 10 * words + 0.05, (words, chain)


def test_search_pages_answer_for_a_title_whose_folding_shifts_positions(tmp_path):
    library = tmp_path / "library"
    library.mkdir()
    front = '---\nid: cafe-finance\ntitle: "Cafe\u0301 \ufb01nance"\ndate: "2021"\n---\n'
    (library / "cafe.md").write_text(front + "How the \ufb01nance works.\n", encoding="utf-8")
    build_index(tmp_path / "index", [library], rebuild=True)
    settings = webui.Settings(index_dir=tmp_path / "index", synonyms_file=SYNONYMS)
    client = webui.create_app(settings).test_client()
    for path in ("/search", "/api/v1/search", "/search.atom"):
        response = client.get(path, query_string={"q": "finance"})
        assert response.status_code == 200, (path, response.status_code)
        assert re.search("(<|&lt;)mark(>|&gt;)\ufb01nance", response.get_data(as_text=True)), path
