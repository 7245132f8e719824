"""Generate realistic library entries, seeded, from a model trained on the sample library.

Prose comes from an order-2 word Markov chain (see markov.py) trained on the sample's titles,
summaries and bodies; lengths, themes, types and author counts follow the sample's own
distributions, so benchmark indexes look like a grown-up version of the real library.

Entry i depends only on the seed, i and the sample, never on --count: a 10,000-entry file is
the first 10,000 lines of the 100,000-entry one, so query mixes and sizes stay comparable.

    python -m benchmarks.generate --count 10000 --seed 1 --out /tmp/entries.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import random
import sys
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.markov import MarkovModel, sentences_of
from benchmarks.names import FAMILY_NAMES, GIVEN_NAMES
from benchmarks.sample import DEFAULT_CORPUS, Sample, load_sample

AUTHOR_POOL = 2_000
ZIPF_EXPONENT = 0.8  # top author on ~5% of author slots: prolific, not absurd
UNDATED_SHARE = 0.03
UNTHEMED_SHARE = 0.10
FIRST_DAY = dt.date(2008, 1, 1).toordinal()
LAST_DAY = dt.date(2026, 10, 31).toordinal()
TITLE_RANGE = (4, 14)
TITLE_TRIM = ",.;:!?-–—\"'“”‘’()"


@dataclass(frozen=True)
class Profile:
    """Distributions measured on the sample, each with a fallback for an empty sample."""

    body_words: tuple[int, ...]
    title_words: tuple[int, ...]
    themes: tuple[str, ...]
    theme_weights: tuple[float, ...]
    two_theme_share: float
    author_count_weights: tuple[float, ...]  # for 0, 1, 2 and 3 authors
    types: tuple[str, ...]
    type_weights: tuple[float, ...]
    sample_authors: tuple[str, ...]


def profile_of(sample: Sample) -> Profile:
    """Measure the sample; smoothing keeps every declared theme and author count possible."""
    entries = sample.entries
    themed = [e["themes"] for e in entries if e.get("themes")]
    theme_counts = Counter({theme: 0.5 for theme in sample.theme_ids})
    theme_counts.update(theme for themes in themed for theme in themes)
    type_counts = Counter(e["type"] for e in entries if e.get("type")) or Counter(article=1)
    author_counts = Counter(min(len(e["authors"]), 3) for e in entries)
    return Profile(
        body_words=tuple(len(e["body"].split()) for e in entries if e.get("body")) or (400,),
        title_words=tuple(len(e["title"].split()) for e in entries if e.get("title")) or (8,),
        themes=tuple(theme_counts) or ("general",),
        theme_weights=tuple(theme_counts.values()) or (1.0,),
        two_theme_share=sum(len(t) > 1 for t in themed) / len(themed) if themed else 0.3,
        author_count_weights=tuple(author_counts[n] + 1 for n in range(4)),
        types=tuple(type_counts),
        type_weights=tuple(type_counts.values()),
        sample_authors=tuple(dict.fromkeys(a for e in entries for a in e["authors"])),
    )


def train_model(sample: Sample) -> MarkovModel:
    """Train one chain on every title, summary and body: titles alone are too few to learn."""
    model = MarkovModel()
    for entry in sample.entries:
        for field in ("title", "summary", "body"):
            model.train(sentences_of(entry.get(field, "")))
    if model.empty:
        raise SystemExit("benchmarks: the sample library has no text to learn from")
    return model


def author_pool(seed: int, known: Sequence[str], size: int = AUTHOR_POOL) -> list[str]:
    """Sample authors plus random given+family names, in a seeded order of popularity."""
    rng = random.Random(f"authors-{seed}")
    made = [f"{g} {f}" for g, f in itertools.product(GIVEN_NAMES, FAMILY_NAMES)]
    rng.shuffle(made)
    pool = list(dict.fromkeys([*known, *made]))[:size]
    rng.shuffle(pool)
    return pool


class Generator:
    """Makes entry number i for a seed; see the module docstring for why per-entry seeds."""

    def __init__(self, sample: Sample, seed: int) -> None:
        self.seed = seed
        self.model = train_model(sample)
        self.profile = profile_of(sample)
        self.authors = author_pool(seed, self.profile.sample_authors)
        zipf = (1 / rank**ZIPF_EXPONENT for rank in range(1, len(self.authors) + 1))
        self._author_cum = list(itertools.accumulate(zipf))
        self._theme_cum = list(itertools.accumulate(self.profile.theme_weights))
        self._type_cum = list(itertools.accumulate(self.profile.type_weights))

    def entry(self, index: int) -> dict[str, Any]:
        """The entry at `index`, in the JSON Lines shape; keys absent when undated/unthemed."""
        rng = random.Random(self.seed * 1_000_003 + index)
        entry_id = f"gen{self.seed}-{index:06d}"
        entry: dict[str, Any] = {"id": entry_id, "title": self.title(rng)}
        if rng.random() >= UNDATED_SHARE:
            entry["date"] = dt.date.fromordinal(rng.randint(FIRST_DAY, LAST_DAY)).isoformat()
        entry["authors"] = self.pick_authors(rng)
        entry["summary"] = self.summary(rng)
        entry["body"] = self.body(rng)
        if rng.random() >= UNTHEMED_SHARE:
            entry["themes"] = self.pick_themes(rng)
        entry["type"] = rng.choices(self.profile.types, cum_weights=self._type_cum)[0]
        entry["url"] = f"https://example.org/bench/{entry_id}"
        return entry

    def revised(self, entry: dict[str, Any], salt: int) -> dict[str, Any]:
        """A copy of `entry` with a new title and body, as an editor's change would make."""
        rng = random.Random(f"revise-{self.seed}-{salt}-{entry['id']}")
        return {**entry, "title": self.title(rng), "body": self.body(rng)}

    def title(self, rng: random.Random) -> str:
        length = min(max(rng.choice(self.profile.title_words), TITLE_RANGE[0]), TITLE_RANGE[1])
        words = self.model.words_from(rng, length)[:length]
        text = " ".join(words).strip(TITLE_TRIM) or "Untitled"  # an entry needs a title
        return text[:1].upper() + text[1:]

    def summary(self, rng: random.Random) -> str:
        return " ".join(" ".join(self.model.sentence(rng)) for _ in range(rng.randint(1, 3)))

    def body(self, rng: random.Random) -> str:
        """Paragraphs of 2-5 sentences up to a length drawn from the sample's, jittered.

        The jitter (a lognormal factor) smooths a histogram of a few dozen sample lengths
        into a distribution, so that 100,000 bodies do not share 90 exact lengths.
        """
        target = max(30, round(rng.choice(self.profile.body_words) * math.exp(rng.gauss(0, 0.2))))
        paragraphs: list[str] = []
        count = 0
        while count < target:
            sentences: list[str] = []
            for _ in range(rng.randint(2, 5)):
                words = self.model.sentence(rng)
                sentences.append(" ".join(words))
                count += len(words)
                if count >= target:
                    break
            paragraphs.append(" ".join(sentences))
        return "\n\n".join(paragraphs)

    def pick_themes(self, rng: random.Random) -> list[str]:
        wanted = 2 if rng.random() < self.profile.two_theme_share else 1
        return self._distinct(rng, self.profile.themes, self._theme_cum, wanted)

    def pick_authors(self, rng: random.Random) -> list[str]:
        counts = range(len(self.profile.author_count_weights))
        wanted = rng.choices(counts, weights=self.profile.author_count_weights)[0]
        return self._distinct(rng, self.authors, self._author_cum, wanted)

    @staticmethod
    def _distinct(rng: random.Random, pool: Sequence[str], cum: list[float], k: int) -> list[str]:
        """Up to k distinct picks by weight; bounded retries, because a pool may be tiny."""
        picked: list[str] = []
        for _ in range(k * 10):
            if len(picked) >= min(k, len(pool)):
                break
            choice = rng.choices(pool, cum_weights=cum)[0]
            if choice not in picked:
                picked.append(choice)
        return picked


def generate(count: int, seed: int, sample: Sample) -> Iterator[dict]:
    """Entries 0..count-1 for `seed`, trained on `sample`."""
    generator = Generator(sample, seed)
    return (generator.entry(index) for index in range(count))


def write_jsonl(entries: Iterator[dict], path: Path) -> int:
    """Write entries as JSON Lines through a temporary file, so a killed run leaves no stub."""
    partial = path.with_name(path.name + ".partial")
    written = 0
    with partial.open("w", encoding="utf-8") as out:
        for entry in entries:
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            written += 1
    partial.replace(path)
    return written


def read_jsonl(path: Path) -> list[dict]:
    """Read entries written by write_jsonl."""
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def cached_entries(workdir: Path, count: int, seed: int, sample: Sample) -> list[dict]:
    """Entries for (count, seed, sample digest), generated once and then read from workdir.

    The caller loads the sample once per run, so a corpus edited during a long run cannot
    give one phase different entries from another.
    """
    path = workdir / f"entries-{count}-seed{seed}-{sample.digest[:10]}.jsonl"
    if not path.exists():
        started = time.perf_counter()
        write_jsonl(generate(count, seed, sample), path)
        elapsed = time.perf_counter() - started
        print(f"generated {count:,} entries in {elapsed:.1f}s -> {path}", file=sys.stderr)
    return read_jsonl(path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="entries to generate")
    parser.add_argument("--seed", type=int, default=1, help="seed; same seed, same entries")
    parser.add_argument("--out", type=Path, required=True, help="JSON Lines file to write")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="sample library")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    written = write_jsonl(generate(args.count, args.seed, load_sample(args.corpus)), args.out)
    elapsed = time.perf_counter() - started
    print(f"wrote {written:,} entries to {args.out} in {elapsed:.1f}s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
