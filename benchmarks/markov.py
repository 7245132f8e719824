"""A word-level Markov chain of order 2 that backs off to order 1, for generating prose.

Tokens are whitespace-separated words with their punctuation attached, so sampled text keeps
the sample's capitalisation and sentence ends, and an analyzer sees the same kind of input it
sees in real entries. Each sentence is a chain from two start markers to an end marker.

Words are stored as integer ids and an order-2 state as one integer, because sampling
100,000 bodies means tens of millions of steps and int-keyed dict lookups are the cheapest
thing Python offers. Successor lists keep duplicates, so a uniform pick from a list is a
pick weighted by how often the pair was seen.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator

START, END = 0, 1
STRIDE = 1 << 24  # larger than any vocabulary, so (w1, w2) packs into w1 * STRIDE + w2
SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
URL = re.compile(r"https?://\S+")
MARKUP = re.compile(r"[*_`>#|]+")
LIST_MARK = re.compile(r"^\s*(?:[-+*]|\d+[.)])\s+")


class MarkovModel:
    """Counts of word successors; `backoff` is the chance of an order-1 step.

    With a sample of a few dozen entries most order-2 states have one successor, so a pure
    order-2 chain copies its source sentence by sentence. Occasional order-1 steps splice
    sentences together: the word statistics stay those of the sample, the text does not
    repeat it.
    """

    def __init__(self, backoff: float = 0.15) -> None:
        self.backoff = backoff
        self.words: list[str] = ["<s>", "</s>"]
        self._ids: dict[str, int] = {}
        self._order2: dict[int, list[int]] = {}
        self._order1: dict[int, list[int]] = {}

    def train(self, sentences: Iterable[list[str]]) -> MarkovModel:
        """Add sentences (lists of tokens); returns self for chaining."""
        for sentence in sentences:
            self._train_sentence([self._id(word) for word in sentence])
        return self

    def _train_sentence(self, ids: list[int]) -> None:
        if not ids:
            return
        chain = [START, START, *ids, END]
        for prev2, prev1, nxt in zip(chain, chain[1:], chain[2:], strict=False):
            self._order2.setdefault(prev2 * STRIDE + prev1, []).append(nxt)
            self._order1.setdefault(prev1, []).append(nxt)

    def _id(self, word: str) -> int:
        found = self._ids.get(word)
        if found is None:
            found = self._ids[word] = len(self.words)
            self.words.append(word)
        return found

    @property
    def empty(self) -> bool:
        """True before any sentence was trained: sampling would have nothing to say."""
        return not self._order1

    def sentence(self, rng: random.Random, max_words: int = 40) -> list[str]:
        """Sample one sentence of at most `max_words` tokens."""
        order1, order2, backoff, words = self._order1, self._order2, self.backoff, self.words
        prev2, prev1 = START, START
        out: list[str] = []
        while len(out) < max_words:
            choices = order2.get(prev2 * STRIDE + prev1) if rng.random() >= backoff else None
            if choices is None:
                choices = order1[prev1]
            nxt = choices[int(rng.random() * len(choices))]
            if nxt == END:
                break
            out.append(words[nxt])
            prev2, prev1 = prev1, nxt
        return out

    def words_from(self, rng: random.Random, count: int) -> list[str]:
        """At least `count` tokens made of whole sentences (fewer only if none can be made)."""
        out: list[str] = []
        for _ in range(count * 4):
            if len(out) >= count:
                break
            out += self.sentence(rng)
        return out


def sentences_of(text: str) -> Iterator[list[str]]:
    """Split Markdown or plain text into token lists, one per sentence.

    Blank lines, headings and list items end a sentence too, so a heading without a full
    stop does not run into the paragraph below it.
    """
    for block in _blocks(text):
        sentence: list[str] = []
        for token in block.split():
            sentence.append(token)
            if SENTENCE_END.search(token):
                yield sentence
                sentence = []
        if sentence:
            yield sentence


def _blocks(text: str) -> Iterator[str]:
    blocks: list[list[str]] = [[]]
    in_code = False
    for line in text.splitlines():
        stripped = line.strip()
        fence = stripped.startswith("```")
        in_code = in_code != fence
        if in_code or fence:
            continue
        heading = stripped.startswith("#")
        if not stripped or heading or LIST_MARK.match(line):
            blocks.append([])
        if stripped:
            blocks[-1].append(_plain(line))
        if heading:
            blocks.append([])
    return (" ".join(block) for block in blocks if block)


def _plain(line: str) -> str:
    line = LINK.sub(r"\1", LIST_MARK.sub("", line))
    return MARKUP.sub("", URL.sub("", line)).strip()
