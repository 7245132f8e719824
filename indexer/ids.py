"""Stable entry ids for items that come without one: a short readable slug and a hash.

An item's id is derived from what identifies it at its source (a feed's guid, else its
canonical URL), so the same item read in two runs, or from two sources, is one entry. URLs
are compared in a canonical form: scheme, host case, default port and fragment do not matter.
The result always matches `indexer.records.ID_RE` (letters, digits, "-", "_", ".", "~").
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from search.urls import safe_url

SLUG_CHARS = 48
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_NOISE = {"index", "html", "htm", "php", "aspx", "node", "www"}


def canonical_url(url: str) -> str:
    """`url` with the scheme and host in lower case, no default port, no fragment, a "/" path."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if parts.port in (None, default) else f"{host}:{parts.port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def is_url(text: str) -> bool:
    """Whether `text` (spaces around it aside) is an http(s) URL that entries may link to."""
    return safe_url(text.strip()) is not None


def stable_id(identifier: str) -> str:
    """An id for `identifier` (a URL or any other text): readable slug, then 10 hex digits."""
    if is_url(identifier):
        canonical = canonical_url(identifier)
        key = canonical.split("://", 1)[1]  # http and https name the same item
        readable = _url_words(canonical)
    else:
        key = " ".join(identifier.split())
        readable = key
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=5).hexdigest()
    slug = slugify(readable)
    return f"{slug}-{digest}" if slug else f"item-{digest}"


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by "-", cut at a word boundary to SLUG_CHARS."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = [w for w in _NOT_SLUG.split(ascii_text.lower()) if w]
    slug = ""
    for word in words:
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > SLUG_CHARS:
            break
        slug = longer
    return slug or (words[0][:SLUG_CHARS] if words else "")


def _url_words(canonical: str) -> str:
    """The most telling part of a URL: its last path segments, else its host."""
    parts = urlsplit(canonical)
    segments = [s for s in parts.path.split("/") if s]
    for segment in reversed(segments):
        words = [w for w in _NOT_SLUG.split(segment.lower()) if w and w not in _NOISE]
        if words and not all(w.isdigit() for w in words):
            return " ".join(words)
    return " ".join(segments[-2:]) or (parts.hostname or "")
