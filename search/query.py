"""From what a visitor types to a query tree: a small, forgiving parser with no Whoosh in it.

The grammar, loosest binding first::

    group   := item*                    words side by side: ranked by how many match
    item    := ["+" | "-" | "NOT"] or
    or      := and ("OR" and)*
    and     := unary ("AND" unary)*
    unary   := ("NOT" | "-") unary | atom
    atom    := "(" group ")" | '"' words '"' | field ":" value | word

Fields: title, summary, body, author (or authors, by) search those texts; theme, type filter
on exact values; year (or date) takes 2019, 2010-2015, 2010..2015, >=2015, <2010. Operators
are only operators in capitals, and not in prose (`is_prose`); anything that does not parse
(a lone quote, a stray parenthesis, an unknown field) is read as words. Parsing never raises.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TEXT_FIELD_ALIASES = {
    "title": "title",
    "summary": "summary",
    "body": "body",
    "author": "authors",
    "authors": "authors",
    "by": "authors",
}
EXACT_FIELD_ALIASES = {"theme": "themes", "themes": "themes", "type": "types"}
YEAR_FIELDS = ("year", "date", "years")


@dataclass(frozen=True)
class Text:
    """Words to find; `field` None means every text field; `phrase` keeps them in order."""

    text: str
    field: str | None = None
    phrase: bool = False


@dataclass(frozen=True)
class Exact:
    """An exact facet value: theme:energy, type:report."""

    facet: str
    value: str


@dataclass(frozen=True)
class YearRange:
    """Entries dated from `start` to `end` (inclusive); None leaves that side open."""

    start: int | None
    end: int | None


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


@dataclass(frozen=True)
class Group:
    """Side-by-side items: any `should` matches (more is better), every `must`, no `must_not`."""

    should: tuple[Node, ...] = ()
    must: tuple[Node, ...] = ()
    must_not: tuple[Node, ...] = ()


Node = Text | Exact | YearRange | And | Or | Not | Group

_TOKEN_RE = re.compile(
    r'(?P<phrase>[+-]?(?:\w+:)?"[^"]*"?)'
    r"|(?P<open>[+-]?\()|(?P<close>\))"
    r"|(?P<word>[^\s()\"]+)"
)
_YEAR_RE = re.compile(
    r"^(?:(\d{4})\s*(?:-|\.\.|to)\s*(\d{4})|(\d{4})(?:-|\.\.)|(?:-|\.\.)(\d{4})"
    r"|(>=|<=|>|<)?(\d{4}))$"
)


def parse_year_range(text: str) -> YearRange | None:
    """A year or a range of years, or None if `text` is not one."""
    m = _YEAR_RE.match(text.strip())
    if not m:
        return None
    if m.group(1):
        a, b = int(m.group(1)), int(m.group(2))
        return YearRange(min(a, b), max(a, b))
    if m.group(3):
        return YearRange(int(m.group(3)), None)
    if m.group(4):
        return YearRange(None, int(m.group(4)))
    op, year = m.group(5), int(m.group(6))
    return {
        None: YearRange(year, year),
        ">=": YearRange(year, None),
        ">": YearRange(year + 1, None),
        "<=": YearRange(None, year),
        "<": YearRange(None, year - 1),
    }[op]


#: A query of this many words or more with no quotes, parentheses or field prefixes is prose.
PROSE_WORDS = 6
_SYNTAX_RE = re.compile(r'["()]|\w:')


def is_prose(text: str) -> bool:
    """Whether `text` reads as a sentence rather than search syntax: in "the history AND
    future of co-ops", AND is a word, not an operator."""
    return len(text.split()) >= PROSE_WORDS and not _SYNTAX_RE.search(text)


def _tokens(text: str) -> list[tuple[str, str]]:
    operators = () if is_prose(text) else ("AND", "OR", "NOT")
    out = []
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "word"
        value = m.group()
        if kind == "word" and value in operators:
            kind = value
        out.append((kind, value))
    return out


def _field_atom(prefix: str, value: str, phrase: bool) -> Node | None:
    name = prefix.lower()
    if name in TEXT_FIELD_ALIASES:
        return Text(value, TEXT_FIELD_ALIASES[name], phrase)
    if name in EXACT_FIELD_ALIASES and value:
        return Exact(EXACT_FIELD_ALIASES[name], value.lower())
    if name in YEAR_FIELDS:
        return parse_year_range(value)
    return None


#: Deeper parentheses are read as plain grouping-free words: nobody means 40 levels.
MAX_DEPTH = 20


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> str | None:
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def group(self, nested: bool = False) -> Group:
        should: list[Node] = []
        must: list[Node] = []
        must_not: list[Node] = []
        while (kind := self.peek()) is not None:
            if kind == "close":
                self.i += 1
                if nested:
                    break
                continue
            if kind in ("AND", "OR"):
                self.i += 1  # an operator with nothing on its left: read past it
                continue
            sign = ""
            if kind == "NOT":
                self.i += 1
                sign = "-"
            node, atom_sign = self.or_expr()
            sign = sign or atom_sign
            if node is None:
                continue
            {"": should, "+": must, "-": must_not}[sign].append(node)
        return Group(tuple(should), tuple(must), tuple(must_not))

    def or_expr(self) -> tuple[Node | None, str]:
        left, sign = self.and_expr()
        while self.peek() == "OR":
            self.i += 1
            right, _ = self.and_expr()
            left = _combine(Or, left, right)
        return left, sign

    def and_expr(self) -> tuple[Node | None, str]:
        left, sign = self.unary()
        while self.peek() == "AND":
            self.i += 1
            right, _ = self.unary()
            left = _combine(And, left, right)
        return left, sign

    def unary(self) -> tuple[Node | None, str]:
        kind = self.peek()
        if kind is None or kind == "close":
            return None, ""
        if kind == "NOT":
            while self.peek() == "NOT":  # NOT NOT NOT ... : one is enough, and no recursion
                self.i += 1
            node, _ = self.atom() if self.peek() not in (None, "close", "AND", "OR") else (None, "")
            return (Not(node) if node is not None else None), ""
        return self.atom()

    def atom(self) -> tuple[Node | None, str]:
        kind, value = self.take()
        sign = value[0] if value[:1] in ("+", "-") and len(value) > 1 else ""
        value = value[1:] if sign else value
        if kind == "open":
            if self.depth >= MAX_DEPTH:
                return None, ""
            self.depth += 1
            inner = self.group(nested=True)
            self.depth -= 1
            return (inner if (inner.should or inner.must or inner.must_not) else None), sign
        if kind == "phrase":
            prefix, _, quoted = value.partition('"')
            words = quoted.rstrip('"')
            if prefix.endswith(":"):
                node = _field_atom(prefix[:-1], words, True)
                if node is not None:
                    return node, sign
            return (Text(words, None, True) if words.strip() else None), sign
        if kind in ("AND", "OR", "NOT"):
            return None, ""
        prefix, colon, rest = value.partition(":")
        if colon and prefix and rest:
            node = _field_atom(prefix, rest, False)
            if node is not None:
                return node, sign
        return Text(value), sign


def _combine(cls: type[And] | type[Or], left: Node | None, right: Node | None) -> Node | None:
    if left is None or right is None:
        return left if right is None else right
    if isinstance(left, cls):  # a AND b AND c is one flat And, not a deep tree
        return cls((*left.items, right))
    return cls((left, right))


def parse_query(text: str) -> Group:
    """Parse a visitor's query; never raises, whatever the text."""
    return _Parser(text).group()
