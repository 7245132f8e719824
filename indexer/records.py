"""The entry record as the indexer takes it in, and the checks every source goes through."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from search.dates import PartialDate, parse_date
from search.errors import BadDate
from search.models import Theme
from search.urls import safe_url

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{0,199}$")
#: Characters per text field: room for any real entry, not for a feed that sends a book or a
#: megabyte of title (every character is analysed, stored, highlighted and sent to readers).
LIMITS = {"title": 1_000, "summary": 10_000, "body": 200_000, "type": 100, "url": 2_000}
#: The most a reader takes in for one field (a CSV cell, say), so that an overlong one is
#: refused here with the field's own limit rather than by the reader.
MAX_TEXT = 1_000_000
#: Items per list field (authors, themes), and characters per item.
MAX_ITEMS = 100
MAX_ITEM = 300


class InvalidEntry(ValueError):
    """An entry that cannot be indexed: where it is, which field, and why."""

    def __init__(self, source: str, line: int, field_name: str, reason: str) -> None:
        super().__init__(f"{source}:{line}: {field_name}: {reason}")
        self.source = source
        self.line = line
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class Entry:
    """One library entry, validated; `origin` is "file:line" for messages."""

    id: str
    title: str
    date: PartialDate | None = None
    authors: tuple[str, ...] = ()
    summary: str = ""
    body: str = ""
    themes: tuple[str, ...] = ()
    type: str | None = None
    url: str | None = None
    origin: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @classmethod
    def from_mapping(cls, data: Mapping, source: str = "<api>", line: int = 1) -> Entry:
        """Validate a mapping in the corpus's JSON shape; raise InvalidEntry on the first fault."""
        if not isinstance(data, Mapping):
            raise InvalidEntry(source, line, "entry", "must be an object with id and title")

        def fail(name: str, reason: str) -> InvalidEntry:
            return InvalidEntry(source, line, name, reason)

        entry_id = data.get("id")
        if entry_id is None or entry_id == "":
            raise fail("id", "missing; every entry needs a unique, URL-safe id")
        entry_id = str(entry_id).strip()
        if not ID_RE.match(entry_id):
            raise fail("id", f"{entry_id!r} is not URL-safe: use letters, digits, '-', '_', '.', '~'")
        title = _text(data.get("title"), "title", fail)
        if not title.strip():
            raise fail("title", "missing; every entry needs a title")
        return cls(
            id=entry_id,
            title=title.strip(),
            date=_date(data.get("date"), fail),
            authors=_list(data.get("authors"), "authors", fail),
            summary=_text(data.get("summary"), "summary", fail).strip(),
            body=_text(data.get("body"), "body", fail).strip(),
            themes=tuple(t.lower() for t in _list(data.get("themes"), "themes", fail)),
            type=(_text(data.get("type"), "type", fail).strip().lower() or None),
            url=_url(data.get("url"), fail),
            origin=f"{source}:{line}",
        )

    def content_hash(self) -> str:
        """Changes exactly when something indexed about the entry changes."""
        payload = asdict(self)
        payload.pop("origin")
        payload.pop("extra")
        payload["date"] = self.date.isoformat() if self.date else None
        raw = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hashlib.blake2b(raw, digest_size=16).hexdigest()

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "authors": list(self.authors),
            "summary": self.summary,
            "body": self.body,
            "themes": list(self.themes),
            "type": self.type,
            "url": self.url,
        }


@dataclass(frozen=True)
class Curation:
    """What staff decided, which every indexing run must keep (the staff database holds it).

    `pushed`: entries sent through the API, indexed with source "api"; on an id that a file
    also has, the pushed entry wins (the CMS is the newer source). `overrides`: an entry's
    themes set by staff, indexed as "curated" in place of the entry's own or automatic ones.
    `theme_edits`: a theme's label, description and keywords, replacing the themes file's.
    `refused`: pushed entries stored by an older version that today's validation refuses
    (a `javascript:` URL, say); a run reports them as skipped and indexes the rest.
    """

    pushed: tuple[Entry, ...] = ()
    overrides: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    theme_edits: Mapping[str, Theme] = field(default_factory=dict)
    refused: tuple[InvalidEntry, ...] = ()


def _text(value: object, name: str, fail) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        raise fail(name, f"must be text, not a {type(value).__name__}")
    text = _clean(str(value), name, fail)
    limit = LIMITS[name]
    if len(text) > limit:
        raise fail(name, f"is {len(text)} characters; the limit is {limit}")
    return text


def _url(value: object, fail) -> str | None:
    url = _text(value, "url", fail).strip()
    if url and safe_url(url) is None:
        shown = url if len(url) <= 60 else url[:60] + "…"
        reason = "is not an http or https URL with a host; only http: and https: links are kept"
        raise fail("url", f"{shown!r} {reason}")
    return url or None


#: Surrogates are halves of a UTF-16 pair; alone (JSON's "\ud800") they are not text at all.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_NEWLINE = re.compile(r"\r\n?")
#: Controls that separate words (vertical tab, form feed, the C0 and C1 separators) become a space.
_SPACING = re.compile(r"[\x0b\x0c\x1c-\x1f\x85]")
#: Every other C0 and C1 control (and U+FFFE, U+FFFF): invisible, and not allowed in XML 1.0,
#: so one of them in a title would break every feed the entry is in.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"[\t\n]")
_MULTILINE = ("summary", "body")


def _clean(text: str, name: str, fail) -> str:
    """The text without control characters, which no reader needs: a body or summary keeps its
    tabs and (Unix) newlines (paragraphs), other fields are one line, and a URL loses every
    control (as browsers do)."""
    found = _SURROGATE.search(text)
    if found:
        raise fail(name, f"has a lone surrogate {found.group()!r} at character {found.start() + 1}; "
                   "send the character itself (UTF-8) or both halves of its UTF-16 pair")
    text = _CONTROL.sub("", _SPACING.sub(" ", _NEWLINE.sub("\n", text)))
    if name == "url":
        return _LINE_BREAKS.sub("", text)
    return text if name in _MULTILINE else _LINE_BREAKS.sub(" ", text)


def _list(value: object, name: str, fail) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        value = [v for v in re.split(r"[;,]", value)] if name == "themes" else [value]
    if not isinstance(value, (list, tuple)):
        raise fail(name, f"must be a list of text, not a {type(value).__name__}")
    if len(value) > MAX_ITEMS:
        raise fail(name, f"has {len(value)} items; the limit is {MAX_ITEMS}")
    out = []
    for position, item in enumerate(value, 1):
        if not isinstance(item, (str, int, float)):
            raise fail(name, f"must be a list of text; found {item!r}")
        text = " ".join(_clean(str(item), name, fail).split())
        if len(text) > MAX_ITEM:
            raise fail(name, f"item {position} is {len(text)} characters; the limit is {MAX_ITEM}")
        if text and text not in out:
            out.append(text)
    return tuple(out)


def _date(value: object, fail) -> PartialDate | None:
    if value is None or value == "":
        return None
    try:
        return parse_date(value)
    except BadDate as exc:
        raise fail("date", str(exc).removeprefix("date ")) from None
