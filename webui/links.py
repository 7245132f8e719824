"""Search URLs built from the current query string, for links that work without JavaScript.

Every filter, chip, page and sort control on the search page is a plain link or a GET form,
so the page works with JavaScript off and every state has a URL that can be shared.
"""

from __future__ import annotations

from urllib.parse import urlencode

Args = list[tuple[str, str]]
#: Parameters that choose results; changing any of them goes back to page 1.
FILTER_PARAMS = ("theme", "author", "type", "from", "to")


def normalized(pairs: list[tuple[str, str]]) -> Args:
    """The request's arguments as the search reads them: themes and types in lower case,
    values trimmed, empty ones dropped; so "remove filter" links find the value they remove."""
    out = []
    for name, value in pairs:
        value = value.strip()
        if name in ("theme", "type"):
            value = value.lower()
        if value:
            out.append((name, value))
    return out


def search_url(args: Args, path: str = "/search") -> str:
    return f"{path}?{urlencode(args)}" if args else path


def with_args(args: Args, drop: tuple[str, ...] = (), **changes: str | None) -> str:
    """The URL with some parameters replaced (None removes) or dropped, back on page 1."""
    names = set(drop) | set(changes) | {"page"}
    kept = [(k, v) for k, v in args if k not in names]
    kept.extend((k, v) for k, v in changes.items() if v)
    return search_url(kept)


def page_url(args: Args, page: int) -> str:
    kept = [(k, v) for k, v in args if k != "page"]
    return search_url(kept + [("page", str(page))] if page > 1 else kept)


def toggle(args: Args, param: str, value: str) -> str:
    """Add the value to the filter, or take it away if it is there."""
    pair = (param, value)
    kept = [a for a in args if a != pair and a[0] != "page"]
    if pair not in args:
        kept.append(pair)
    return search_url(kept)


def date_range(args: Args, start: str, end: str) -> str:
    return with_args(args, drop=("from", "to"), **{"from": start, "to": end})


def without_filters(args: Args) -> str:
    return with_args(args, drop=FILTER_PARAMS)


def drop_filter(args: Args, param: str) -> str:
    """Without one kind of filter: `date` drops both ends of the date range."""
    return with_args(args, drop=("from", "to") if param == "date" else (param,))
