"""The fixed workloads: a seeded mix of short queries, and a batch of edited entries.

The query mix imitates a search box: 1-3 words, drawn with weights equal to their document
frequency (people search for words that occur, and common words make large result sets whose
facets cost the most), half of them with one facet filter. Words and filter values come from
the first entries only, and generation is prefix-stable, so every size gets the same mix.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from whoosh.analysis import STOP_WORDS

from benchmarks.common import BenchQuery, Entry, year_of

VOCAB_ENTRIES = 5_000
WORD = re.compile(r"[^\W\d_]{3,}")
FILTER_KINDS = ("theme", "year", "type")


def document_frequencies(entries: Sequence[Entry]) -> Counter[str]:
    """In how many entries each non-stop word of 3+ letters occurs (title, summary, body)."""
    df: Counter[str] = Counter()
    for entry in entries:
        text = " ".join((entry.get("title", ""), entry.get("summary", ""), entry.get("body", "")))
        df.update(set(WORD.findall(text.lower())) - STOP_WORDS)
    return df


def query_mix(entries: Sequence[Entry], seed: int, count: int = 200) -> list[BenchQuery]:
    """`count` queries, the odd-numbered ones filtered by a theme, a year range or a type."""
    head = entries[:VOCAB_ENTRIES]
    df = document_frequencies(head)
    words = sorted(word for word, n in df.items() if n >= 2)
    cum = list(itertools.accumulate(df[word] for word in words))
    values = _filter_values(head)
    rng = random.Random(f"queries-{seed}")
    queries = []
    for number in range(count):
        text = " ".join(_distinct_words(rng, words, cum, rng.randint(1, 3)))
        filters = _random_filter(rng, values) if number % 2 else {}
        queries.append(BenchQuery(text, **filters))
    return queries


def _distinct_words(rng: random.Random, words: list[str], cum: list[int], k: int) -> list[str]:
    picked: list[str] = []
    while len(picked) < k:
        word = rng.choices(words, cum_weights=cum)[0]
        if word not in picked:
            picked.append(word)
    return picked


def _filter_values(entries: Sequence[Entry]) -> dict[str, list[Any]]:
    """Themes and types as they occur (so frequent ones are picked more), and the years."""
    years = sorted({y for y in map(year_of, entries) if y is not None})
    return {
        "theme": [t for e in entries for t in e.get("themes") or []],
        "type": [e["type"] for e in entries if e.get("type")],
        "year": years,
    }


def _random_filter(rng: random.Random, values: dict[str, list[Any]]) -> dict[str, Any]:
    kind = rng.choice([k for k in FILTER_KINDS if values[k]])
    if kind != "year":
        return {kind: rng.choice(values[kind])}
    start = rng.choice(values["year"][:-4] or values["year"])
    return {"year_from": start, "year_to": start + rng.randint(0, 4)}


def changed_entries(
    entries: Sequence[Entry], revise: Any, seed: int, count: int = 100
) -> list[dict[str, Any]]:
    """`count` existing entries, chosen by seed, passed through `revise(entry, salt)`."""
    rng = random.Random(f"changes-{seed}")
    chosen = rng.sample(range(len(entries)), min(count, len(entries)))
    return [revise(dict(entries[index]), index) for index in chosen]


def visitor_mix(queries: Sequence[BenchQuery]) -> list[BenchQuery]:
    """The same queries as a visitor might send them unfinished or misspelt: every other one
    with its last word cut to its first letters (at least 3), the rest with two neighbouring
    letters of its longest word swapped; the filters are kept."""
    out = []
    for number, query in enumerate(queries):
        words = query.text.split()
        if number % 2 == 0:
            last = words[-1]
            words[-1] = last[: max(3, (len(last) * 3) // 5)]
        else:
            i = max(range(len(words)), key=lambda k: len(words[k]))
            word = words[i]
            if len(word) >= 5:
                words[i] = word[:2] + word[3] + word[2] + word[4:]
        out.append(replace(query, text=" ".join(words)))
    return out
