"""RSS and Atom feeds, from a URL or a file, read with feedparser.

Each item becomes an entry: its id from the guid (or the link, with `id_from = "link"`), its
title, link, date, authors, summary and content. HTML in them is sanitized to text with nh3
(a maintained sanitizer, never regular expressions): script and style are dropped with their
content, tags are dropped, paragraphs and line breaks are kept. Categories become themes
through the source's table; an item with no mapped category gets themes automatically.

The bytes are decoded here rather than by feedparser, so that a wrong or missing encoding
is reported where it happens: the encoding comes from a byte order mark, else the HTTP
charset, else the XML declaration, else UTF-8; if the bytes are not valid in it, the items
holding undecodable text are skipped and the rest are read. Malformed XML is reported with
its line, and feedparser's lenient parser still reads what it can.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from html.parser import HTMLParser
from xml.parsers import expat

import feedparser
import nh3

from search.dates import parse_date
from search.errors import BadDate

from .fetch import Fetcher, FetchError
from .harvest import Harvest, SourceFailed
from .ids import is_url, stable_id
from .records import Entry, InvalidEntry
from .sources import FeedSource

#: Tags kept by the sanitizer, only so that the text keeps its paragraphs and lines.
BLOCKS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "tr", "table", "section", "article", "dd", "dt", "dl", "hr", "figure", "figcaption",
}  # fmt: skip
#: Tags dropped with everything inside them.
DROPPED = {
    "script",
    "style",
    "iframe",
    "noscript",
    "template",
    "object",
    "embed",
    "svg",
    "math",
    "head",
    "title",
}
#: A feed item whose only text is longer than this becomes the body, and its lead the summary.
SUMMARY_CHARS = 400
_ENCODING_DECL = re.compile(r"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def harvest_feed(source: FeedSource, fetcher: Fetcher) -> Harvest:
    """Every item of the feed (entries that leave a feed are kept: it shows only the latest)."""
    if source.url:
        try:
            response = fetcher.get(source.url)
        except FetchError as exc:
            raise SourceFailed(str(exc)) from None
        return read_feed(response.body, source.url, source, http_charset=response.charset, base=response.url)
    try:
        raw = source.file.read_bytes() if source.file else b""
    except OSError as exc:
        raise SourceFailed(f"{source.file}: cannot read ({exc.strerror})") from None
    return read_feed(raw, str(source.file), source)


def read_feed(
    raw: bytes, where: str, source: FeedSource, *, http_charset: str | None = None, base: str | None = None
) -> Harvest:
    """The items of a feed document as entries, with a problem for each one skipped."""
    harvest = Harvest(delete_missing=False)
    text, damaged = _decode(raw, where, http_charset, harvest)
    data = text.encode("utf-8")
    headers = {"content-type": "application/xml; charset=utf-8"}
    if base:
        headers["content-location"] = base
    parsed = feedparser.parse(data, response_headers=headers, sanitize_html=True)
    fault = parsed.get("bozo_exception")
    if parsed.get("bozo") and hasattr(fault, "getLineNumber"):
        harvest.problem(
            where,
            f"line {fault.getLineNumber()}",
            f"malformed XML ({fault.getMessage()}); the items around it were read leniently",
        )
    if not parsed.get("version") and not parsed.entries:
        raise SourceFailed(f"{where}: not an RSS or Atom feed")
    # Up to a fault, the lenient parser reads the items in order, so the first lines are theirs.
    lines = _item_lines(data)[: len(parsed.entries)]
    lines += [0] * (len(parsed.entries) - len(lines))
    for number, (item, line) in enumerate(zip(parsed.entries, lines, strict=True), 1):
        position = f"line {line}, item {number}" if line else f"item {number}"
        _add_item(item, (line, position), where, source, damaged, harvest)
    return harvest


def _add_item(
    item, at: tuple[int, str], where: str, source: FeedSource, damaged: str | None, harvest: Harvest
) -> None:
    line, position = at
    try:
        entry = Entry.from_mapping(_item_data(item, source, where, position, harvest), where, line)
    except InvalidEntry as exc:
        harvest.problem(where, position, f"{exc.field}: {exc.reason}")
        return
    if damaged and "\ufffd" in " ".join((entry.title, entry.summary, entry.body, *entry.authors)):
        harvest.problem(where, position, f"text that is not valid {damaged}; skipped")
        return
    harvest.add(entry, source.key, position)


def _item_data(item, source: FeedSource, where: str, position: str, harvest: Harvest) -> dict:
    guid, link = (item.get("id") or "").strip(), (item.get("link") or "").strip()
    identifier = (link or guid) if source.id_from == "link" else (guid or link)
    if not identifier:
        raise InvalidEntry(where, 0, "id", "the item has no guid or link to identify it")
    summary = html_to_text(item.get("summary") or "")
    body = "\n\n".join(filter(None, (html_to_text(c.get("value") or "") for c in item.get("content") or [])))
    if body == summary:
        summary = ""
    if not body and len(summary) > SUMMARY_CHARS:
        body, summary = summary, lead(summary)
    return {
        "id": stable_id(identifier),
        "title": _title(item),
        "date": _date(item, where, position, harvest),
        "authors": [a.get("name") or a.get("email") for a in item.get("authors") or [] if a],
        "summary": summary,
        "body": body,
        "themes": _themes(item, source),
        "type": source.type,
        "url": link if is_url(link) else None,
    }


def _title(item) -> str:
    title = item.get("title") or ""
    kind = (item.get("title_detail") or {}).get("type", "text/plain")
    text = html_to_text(title) if "html" in kind else title
    return " ".join(text.split())


def _date(item, where: str, position: str, harvest: Harvest) -> str | None:
    # dict.get: feedparser's own get() maps a missing "updated" to "published", with a warning.
    parsed = dict.get(item, "published_parsed") or dict.get(item, "updated_parsed")
    if parsed:
        return dt.date(*parsed[:3]).isoformat()
    raw = dict.get(item, "published") or dict.get(item, "updated")
    if raw:
        try:
            return parse_date(raw).isoformat()
        except BadDate:
            harvest.warnings.append(f"{where}: {position}: date {raw!r} not understood; indexed undated")
    return None


def _themes(item, source: FeedSource) -> list[str]:
    themes: list[str] = []
    for tag in item.get("tags") or []:
        for name in (tag.get("term"), tag.get("label")):
            for theme in source.categories.get((name or "").casefold().strip(), ()):
                if theme not in themes:
                    themes.append(theme)
    return themes


def lead(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first sentences of `text` that fit in `limit` characters (else its first words and "…")."""
    first = text.split("\n\n", 1)[0]
    if len(first) <= limit:
        return first
    cut = first[:limit]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    if end > limit // 3:
        return cut[: end + 1]
    return cut.rsplit(" ", 1)[0] + "…"


# -- HTML to text ---------------------------------------------------------------------------


class _Text(HTMLParser):
    """Text of sanitized HTML, with a blank line between blocks and "- " before list items."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in BLOCKS and tag not in ("br", "li"):
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def text(self) -> str:
        lines = ("".join(self.parts)).split("\n")
        out: list[str] = []
        for line in lines:
            words = " ".join(line.split())
            if words or (out and out[-1]):
                out.append(words)
        return "\n".join(out).strip().replace("\n\n\n", "\n\n")


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment, sanitized by nh3 first (scripts and styles go entirely)."""
    if not html.strip():
        return ""
    clean = nh3.clean(html, tags=BLOCKS, clean_content_tags=DROPPED, attributes={}, link_rel=None)
    parser = _Text()
    parser.feed(clean)
    parser.close()
    return parser.text()


# -- bytes to text --------------------------------------------------------------------------


def _decode(raw: bytes, where: str, http_charset: str | None, harvest: Harvest) -> tuple[str, str | None]:
    """The document as text, and its encoding if some bytes were not valid in it (else None)."""
    encoding = _encoding(raw, http_charset)
    try:
        codecs.lookup(encoding)
    except LookupError:
        harvest.problem(where, "line 1", f"unknown encoding {encoding!r}; read as UTF-8")
        encoding = "utf-8"
    try:
        text = raw.decode(encoding)
        damaged = None
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        harvest.warnings.append(
            f"{where}: line {line}: not valid {encoding} text (byte {raw[exc.start]:#04x}); "
            "the items holding such bytes are skipped"
        )
        text = raw.decode(encoding, errors="replace")
        damaged = encoding
    return _utf8_declaration(text.lstrip("\ufeff")), damaged


def _encoding(raw: bytes, http_charset: str | None) -> str:
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    if http_charset:
        return http_charset
    if raw.startswith(b"<?xml"):
        declaration = raw[: raw.find(b"?>")].decode("ascii", errors="replace")
        match = _ENCODING_DECL.search(declaration)
        if match:
            return match.group(1)
    return "utf-8"


def _utf8_declaration(text: str) -> str:
    """The document with its XML declaration saying UTF-8 (what it is once re-encoded)."""
    if not text.startswith("<?xml"):
        return text
    end = text.find("?>")
    if end < 0:
        return text
    return _ENCODING_DECL.sub('encoding="utf-8"', text[:end]) + text[end:]


def _item_lines(data: bytes) -> list[int]:
    """The line of each <item> or <entry>, as far as the XML is well-formed."""
    parser = expat.ParserCreate(namespace_separator=" ")
    lines: list[int] = []

    def start(name: str, attrs: dict) -> None:
        if name.rsplit(" ", 1)[-1] in ("item", "entry"):
            lines.append(parser.CurrentLineNumber)

    parser.StartElementHandler = start
    try:
        parser.Parse(data, True)
    except expat.ExpatError:
        pass
    return lines
