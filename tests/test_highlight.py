"""Snippets read as prose: Markdown markup is dropped before the passage is chosen and marked."""

from __future__ import annotations

from search.highlight import plain_text, snippet


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
