"""Which entry URLs may become a link: the one check that validation and every renderer share.

An entry's `url` ends up as "Read the original" on its page, as the Atom feeds'
`<link rel="related">` and in the JSON the widget and partners read. A `javascript:`,
`vbscript:` or `data:` URL there runs script in whatever follows the link, and feed readers
have no Content-Security-Policy to stop it. So only absolute `http:` and `https:` URLs with a
host pass, tested on the text exactly as it will be written out: browsers drop tabs and
newlines inside a URL and leading spaces and controls before it (WHATWG URL), so a check
that tidied the text first could pass what a browser reads as `javascript:`; here any
control character refuses the URL instead.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

#: The scheme, in any case, must open the text: nothing before it, nothing inside it.
_WEB_SCHEME = re.compile(r"https?://", re.IGNORECASE)
#: C0 controls and DEL to the end of C1: a browser skips or strips them in a URL. (A space
#: inside is harmless: browsers encode it; one before the scheme fails the match above.)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def safe_url(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) URL with a host and nothing a browser would strip;
    None otherwise (so an old index holding a bad URL renders no link at all)."""
    if not url or not isinstance(url, str) or not _WEB_SCHEME.match(url) or _CONTROL.search(url):
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:  # e.g. an unclosed "[" in the host
        return None
    return url if host else None
