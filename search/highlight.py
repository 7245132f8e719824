"""Snippets: the passage of an entry that shows why it matched, HTML-escaped, words in <mark>.

Matching words are found with the analyzer's own word pattern and normalisation
(`normalize_word`, cached), so a word is marked exactly when the index would match it. This
replaces Whoosh's highlighter, which built a token object per word of every body and took
about three quarters of a search's time at 10,000 entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from html import escape

from .analysis import COOP_TERM, WORD_RE, fold, normalize_word

SNIPPET_CHARS = 240
#: Words within this many characters of a matched word are shown around it.
SURROUND = 70
#: Fragments shown from a body; the best by score, then in the order of the text.
BODY_FRAGMENTS = 2
SEPARATOR = " … "

#: Markdown syntax that means nothing in a one-line snippet: heading and quote markers, list
#: bullets, emphasis, code ticks, and link targets (the link text stays). Each pattern runs
#: only on text holding one of its characters: most bodies have no emphasis at all. Every
#: pattern is linear in the text (bodies come from partner feeds): link text holds no bracket
#: and a target no parenthesis beyond one balanced pair, so a failed try stops at the next
#: one instead of rescanning the line, and no two quantifiers can share the same characters.
_MARKDOWN = [
    ("", re.compile(r"^\s{0,3}(?:#{1,6}|>+|[-*+]|\d+[.)])\s+", re.MULTILINE), ""),
    ("[", re.compile(r"!?\[([^\[\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)"), r"\1"),
    ("*_`", re.compile(r"(?=[*_`])(?:\*\*|__|`+|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w))"), ""),
    ("-*|", re.compile(r"^(?:[ \t]*\*{3,}[ \t]*|[-:| \t]{3,})$", re.MULTILINE), ""),
]
#: Snippets look at this much of a body (and of a summary) at most, so that a search costs
#: the same whatever the size of the entries it finds; a word only found further on gives
#: the summary's passage instead.
WINDOW_CHARS = 20_000


def plain_text(markdown: str) -> str:
    """The words of a Markdown body without its markup, for snippets."""
    for triggers, pattern, replacement in _MARKDOWN:
        if not triggers or any(c in markdown for c in triggers):
            markdown = pattern.sub(replacement, markdown)
    return markdown


@dataclass
class _Fragment:
    matches: list[tuple[int, int]]  # spans of its matched words, in order
    terms: set[str]  # distinct query terms it shows
    start: int = 0  # first character shown
    end: int = 0  # one past the last character shown

    @property
    def score(self) -> tuple[int, int]:
        """Different query words count first, repeats second."""
        return len(self.terms), len(self.matches)


#: Where a whole word starts: not after a word character, nor after a joiner after one.
_BEFORE = r"(?<!\w)(?<!\w['’\-])"
_WORD_START = re.compile(_BEFORE + r"\w")
_PARTIAL_WORD = re.compile(r"[\w'’\-]+\Z")
_TRAILING = re.compile(r"\W+\Z")
_WORD_CHAR = re.compile(r"\w")


@lru_cache(maxsize=4096)
def _heads(terms: frozenset[str]) -> re.Pattern[str]:
    """Where a word giving one of `terms` can start in folded text.

    A Snowball stem keeps the first letters of its word except that a final "y" may become
    "i" ("cry" -> "cri", "skies" -> "sky") and "dying" stems to "die": so the stem's first
    three letters, short of its last, start the word, taking "i" for "y"; apostrophes and
    the hyphen of "co-op" may sit between them.
    """
    heads = set()
    for term in terms:
        head = "co" if term == COOP_TERM else term[: max(1, min(len(term) - 1, 3))]
        letters = ("[iy]" if c == "i" else re.escape(c) for c in head)
        heads.add(r"['’\-]?".join(letters))
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(heads)) + ")")


def _matches(text: str, terms: set[str]) -> list[tuple[int, int, set[str]]]:
    """Spans of the words that give one of `terms`, with the terms each gives.

    Only the words whose start could give a term are normalised (a loop over every word of
    every body was most of a search's time). Candidates are found in the folded text and
    mapped back to the original through `_folded`'s exact positions. Each word is taken once
    and a candidate inside it skipped, so the work stays linear in the text.
    """
    folded, origin = _folded(text)
    out = []
    done = 0  # one past the last word taken: candidates before it are inside it
    for candidate in _heads(frozenset(terms)).finditer(folded):
        position = origin[candidate.start()] if origin else candidate.start()
        if position < done:
            continue
        token = WORD_RE.match(text, _token_start(text, position, done))
        if token is None or token.end() <= position:
            continue  # folded from a character that is no word character (a "㎏" sign, say)
        done = token.end()
        hit = terms.intersection(normalize_word(token.group()))
        if hit:
            out.append((token.start(), token.end(), hit))
    return out


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


@lru_cache(maxsize=20_000)
def _fold_char(char: str) -> str:
    """One character as `fold` makes it; a character that is no word character stays as it is,
    so that the folded text has the words of the original (a combining accent after a letter
    ends a word, and must not join it to the next one once dropped)."""
    return fold(char) if _WORD_CHAR.match(char) else char


def _folded(text: str) -> tuple[str, list[int] | None]:
    """The text folded for finding candidates, and for each of its characters the position
    of the character it came from (None when positions are the same: ASCII text).

    Folding one character can give none (a combining accent) or several (the "ﬁ" ligature), so
    lengths alone cannot tell whether positions line up: "Café ﬁnance" with a combining accent
    is as long folded as not, with every position after the accent off by one.
    """
    if text.isascii():
        return text.lower(), None
    pieces: list[str] = []
    origin: list[int] = []
    position = 0
    for run in _NON_ASCII_RUN.finditer(text):
        pieces.append(text[position : run.start()].lower())
        origin.extend(range(position, run.start()))
        for offset, char in enumerate(run.group()):
            folded = _fold_char(char)
            pieces.append(folded)
            origin.extend([run.start() + offset] * len(folded))
        position = run.end()
    pieces.append(text[position:].lower())
    origin.extend(range(position, len(text)))
    return "".join(pieces), origin


def _token_start(text: str, position: int, floor: int = 0) -> int:
    """The start of the word `position` is in (after a hyphen or apostrophe, say), not before
    `floor` (the end of the word before, which the walk must not cross again)."""
    while position > floor and (
        _WORD_CHAR.match(text, position - 1)
        or (position > floor + 1 and text[position - 1] in "'’-" and _WORD_CHAR.match(text, position - 2))
    ):
        position -= 1
    return position


def _fragments(matches: list[tuple[int, int, set[str]]]) -> list[_Fragment]:
    """Group the matched words that fit in one passage with room for context around them."""
    groups: list[_Fragment] = []
    core = SNIPPET_CHARS - 2 * SURROUND
    for start, end, hit in matches:
        group = groups[-1] if groups else None
        if group and end - group.matches[0][0] <= core:
            group.matches.append((start, end))
            group.terms |= hit
        else:
            groups.append(_Fragment([(start, end)], set(hit)))
    return groups


def _widen(text: str, fragment: _Fragment) -> None:
    """Whole words around the matches: `SURROUND` characters before, and after them up to a
    passage of `SNIPPET_CHARS` (at least `SURROUND`); no punctuation at either end."""
    first, last = fragment.matches[0][0], fragment.matches[-1][1]
    found = _WORD_START.search(text, max(0, first - SURROUND))
    fragment.start = found.start() if found and found.start() < first else first
    stop = min(len(text), max(last + SURROUND, fragment.start + SNIPPET_CHARS))
    tail = text[last:stop]
    if stop < len(text) and _PARTIAL_WORD.match(text, stop):
        tail = _PARTIAL_WORD.sub("", tail)
    fragment.end = last + len(_TRAILING.sub("", tail))


def _render(text: str, fragment: _Fragment) -> str:
    out = []
    position = fragment.start
    for start, end in fragment.matches:
        out.append(escape(text[position:start], quote=False))
        out.append("<mark>" + escape(text[start:end], quote=False) + "</mark>")
        position = end
    out.append(escape(text[position : fragment.end], quote=False))
    return "".join(out)


def _marked(text: str, terms: set[str], top: int) -> str:
    matches = _matches(text, terms) if text and terms else []
    if not matches:
        return ""
    best = sorted(_fragments(matches), key=lambda f: f.score, reverse=True)[:top]
    best.sort(key=lambda f: f.matches[0])
    for fragment in best:
        _widen(text, fragment)
    return SEPARATOR.join(_render(text, f) for f in best)


def _plain(text: str, limit: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    return escape(text, quote=False)


def snippet(summary: str, body: str, terms: set[str]) -> str:
    """The best marked passages of the body, else the marked summary, else the summary's start;
    from the first `WINDOW_CHARS` of each, so that its cost has a bound whatever their size."""
    body, summary = plain_text(body[:WINDOW_CHARS]), summary[:WINDOW_CHARS]
    from_body = _marked(body, terms, top=BODY_FRAGMENTS)
    if from_body:
        return from_body
    from_summary = _marked(summary, terms, top=1)
    if from_summary:
        return from_summary
    return _plain(summary or body)


def mark(text: str, terms: set[str]) -> str:
    """The whole of a short text (a title) escaped, with matched words marked."""
    matches = _matches(text, terms) if text and terms else []
    whole = _Fragment([(start, end) for start, end, _ in matches], set(), 0, len(text))
    return _render(text, whole)
